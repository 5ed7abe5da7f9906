//! Every view drawn with ratatui's TestBackend and compared with insta snapshots: three states
//! (healthy, a backend down, nothing polled) at 80x24 and at a wide size.

mod fixtures;

mod overview;
mod connectors;
mod topics;
mod brokers;
mod groups;
mod processor;
mod replication;
mod generator;
mod latency;

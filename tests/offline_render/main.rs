//! Every view drawn with ratatui's TestBackend and compared with insta snapshots: three states
//! (healthy, a backend down, nothing polled) at 80x24 and at a wide size.

mod fixtures;

mod alerts;
mod brokers;
mod connectors;
mod connectors_auto_restart;
mod connectors_offsets;
mod connectors_snapshot;
mod contexts;
mod deadletters;
mod events;
mod generator;
mod groups;
mod latency;
mod overview;
mod processor;
mod processor_flink;
mod replication;
mod slots;
mod story;
mod topics;

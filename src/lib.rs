//! cdc-console: one terminal program that drives and inspects a PostgreSQL → Debezium →
//! Kafka → PostgreSQL change-data-capture pipeline.
//!
//! Layers: `collectors` own all I/O and send snapshots; `store` keeps the last good snapshot of
//! each backend with its health; `pipeline` is what the console runs itself (the workload
//! generator, the replicator, the diff and the windowed processor); `app` turns keys into
//! actions; `ui` draws from a borrowed view without I/O; `cli` prints the same store as tables
//! or JSON. Shared by several of them, below them all: `kafka` (client settings), `pg`
//! (identifiers, table shapes, errors), `stats` (sliding histograms), `config`, `units`.
//! tests/offline_architecture.rs fails when an import crosses a layer the wrong way.

pub mod action;
pub mod alerts;
pub mod app;
pub mod cli;
pub mod collectors;
pub mod config;
pub mod flink;
pub mod kafka;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod pg;
pub mod pipeline;
pub mod stats;
pub mod store;
pub mod ui;
pub mod units;

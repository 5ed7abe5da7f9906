//! The replicator: consumes the Debezium topics of the configured replicas and maintains their
//! tables in the sink, exactly once.
//!
//! Each batch is one sink transaction (on the merger's connection, `merger.rs`): one merge per
//! replica from the staging tables the batch was COPYed into just before, the consumed offsets
//! per replica and partition (`cdc.progress`), the applied-event counter (`cdc.replica_stats`)
//! and the dead letters. On start the partitions are assigned at the stored offsets;
//! Kafka-committed offsets are written afterwards for lag display only.
//!
//! Where things are: [`run`] sets up (`start.rs`) the loop it drives (fetch, stage, commit, settle,
//! `run.rs`); a replica's state and its preparation in `replica.rs`; decoding a batch in
//! `stage.rs`; the merging connection in `merger.rs` (and `poison.rs`, a merge failed by a row's
//! value); what a committed batch changes in `committed.rs`; the errors, and whether one is worth
//! retrying, in `error.rs`; re-applying a replica's dead letters once their cause is fixed in
//! `redrive/`.

pub mod apply;
mod assign;
mod committed;
pub mod copy_binary;
mod copy_text;
mod error;
mod merger;
pub mod offsets;
mod poison;
pub mod redrive;
mod replica;
mod run;
pub mod schema;
mod snapshot;
mod stage;
mod staging;
mod start;
mod temporal;
mod tuples;

use std::time::Duration;

pub use error::{ReplicaError, ReplicatorError};
use replica::{Replica, prepare};
pub use snapshot::{PartitionOffset, ReplicaStatus, ReplicatorSnapshot};
pub use staging::ClaimError;
pub use start::{GROUP_ID, run};

#[derive(Debug, Clone)]
pub struct Options {
    /// Most events in one batch (one transaction).
    pub max_batch: usize,
    /// Longest a batch waits for more events after its first.
    pub max_latency: Duration,
    /// Stop once every assigned partition is applied up to its high watermark.
    pub until_idle: bool,
    /// Stop after this long whatever the progress (the snapshot's `error` says so).
    pub time_limit: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_batch: 20_000,
            max_latency: Duration::from_millis(100),
            until_idle: false,
            time_limit: None,
        }
    }
}

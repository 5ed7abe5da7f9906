//! What the replicator publishes after every batch, for the console's replication view and
//! `cdc-console replicate -o json`.

use serde::Serialize;

use super::Replica;
use crate::stats::Percentiles;

/// What the UI shows of the replicator.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ReplicatorSnapshot {
    pub running: bool,
    /// Change events applied per second of this run (since the first batch).
    pub rows_per_sec: f64,
    /// Change events applied by this run (all replicas; tombstones and dead letters excluded).
    pub events: u64,
    pub batches: u64,
    /// Seconds spent applying: decoding, staging and merging batches, not waiting for the broker
    /// with nothing left to commit (the apply rate is events / this).
    pub apply_seconds: f64,
    /// Seconds spent waiting for records from the broker.
    pub consume_seconds: f64,
    /// Highest source LSN applied, `X/Y`.
    pub applied_lsn: Option<String>,
    pub partitions: Vec<PartitionOffset>,
    /// Rows in `cdc.dead_letters` recorded by the replicas (`replica:<name>`).
    pub dead_letters: u64,
    /// Source commit → replica row committed in the sink, over the last minute (events of the
    /// initial snapshot excluded).
    pub commit_latency_ms: Percentiles,
    pub replicas: Vec<ReplicaStatus>,
    /// Replica topics that do not exist yet (Debezium creates one with its table's first
    /// change); the replicator starts reading them once they do.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting_for: Vec<String>,
    /// Waiting to try again after an error worth retrying (the supervisor's, `pipeline::retry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrying: Option<crate::pipeline::retry::Retrying>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PartitionOffset {
    pub replica: String,
    pub topic: String,
    pub partition: i32,
    pub next_offset: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReplicaStatus {
    pub name: String,
    pub sink: String,
    /// Change events applied by this run.
    pub applied_events: u64,
    /// Why this replica stopped (the others go on).
    pub error: Option<String>,
}

/// The per-replica parts of the snapshot, from the replicas' state.
pub(super) fn fill(snap: &mut ReplicatorSnapshot, replicas: &[Replica]) {
    snap.replicas = replicas
        .iter()
        .map(|r| ReplicaStatus {
            name: r.cfg.name.clone(),
            sink: r.cfg.sink.clone(),
            applied_events: r.applied,
            error: r.error.as_ref().map(std::string::ToString::to_string),
        })
        .collect();
    snap.partitions = replicas
        .iter()
        .flat_map(|r| {
            r.offsets.iter().map(|((t, p), n)| PartitionOffset {
                replica: r.cfg.name.clone(),
                topic: t.clone(),
                partition: *p,
                next_offset: *n,
            })
        })
        .collect();
}

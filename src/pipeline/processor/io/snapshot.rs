//! What the console shows of a running job, published by the run loop after every batch.

use std::time::SystemTime;

use serde::Serialize;

use crate::pipeline::processor::OperatorStats;
use crate::stats::Percentiles;

/// What the UI shows of a job.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ProcessorSnapshot {
    pub job: String,
    /// The job's topics; the operator numbers partitions `topic index × 100,000 + partition`.
    pub topics: Vec<String>,
    pub running: bool,
    pub paused: bool,
    /// Change events applied by this run, and per second since its first batch.
    pub events: u64,
    pub events_per_sec: f64,
    /// Watermarks per partition and of the job, open and fired windows, late events.
    pub stats: Option<OperatorStats>,
    /// Wall clock minus the job watermark.
    pub watermark_delay_ms: Option<i64>,
    /// Rows of this job in `cdc.late_events`.
    pub late_events: u64,
    /// Rows of this job (`job:<name>`) in `cdc.dead_letters`.
    pub dead_letters: u64,
    pub truncates: u64,
    pub checkpoints: u64,
    pub last_checkpoint: Option<SystemTime>,
    /// From the batch that moved the watermark past a window's end arriving to the window's
    /// result committed, over the last minute.
    pub firing_delay_ms: Percentiles,
    /// Waiting to try again after an error worth retrying (the supervisor's, `pipeline::retry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrying: Option<crate::pipeline::retry::Retrying>,
    pub error: Option<String>,
    /// The newest output rows, newest window first, as the output table holds them.
    pub latest_windows: Vec<super::fired::FiredWindow>,
    /// Input topics that do not exist yet (Debezium creates one with its table's first change).
    pub waiting_for: Vec<String>,
}

impl ProcessorSnapshot {
    /// A job not started yet: its name and topics.
    pub fn of(job: &crate::config::job::JobConfig) -> Self {
        Self { job: job.name.clone(), topics: job.topics.clone(), ..Default::default() }
    }
}

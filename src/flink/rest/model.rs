//! What the console keeps of the JobManager's answers: owned, typed, serialisable (the
//! `flink` subcommand prints them as JSON, the store keeps them), and free of Flink's own
//! spelling, which changes between versions (`wire` absorbs that).

use serde::Serialize;

/// `GET /overview`: the cluster as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClusterOverview {
    pub flink_version: String,
    pub taskmanagers: u32,
    pub slots_total: u32,
    pub slots_available: u32,
    pub jobs_running: u32,
}

/// One row of `GET /jobs/overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobSummary {
    pub id: String,
    pub name: String,
    /// RUNNING, FINISHED, CANCELED, FAILED, RESTARTING, CREATED…, as Flink spells it.
    pub state: String,
    /// Milliseconds since the epoch.
    pub start_time_ms: Option<i64>,
    /// None while the job runs.
    pub end_time_ms: Option<i64>,
    /// How long it has run (or ran), as the JobManager counts it.
    pub duration_ms: Option<i64>,
}

impl JobSummary {
    /// Not finished, cancelled or failed for good: a job worth watching in detail.
    pub fn is_live(&self) -> bool {
        !matches!(self.state.as_str(), "FINISHED" | "CANCELED" | "FAILED" | "SUSPENDED")
    }
}

/// One vertex (a chain of operators) of a job's graph, from `GET /jobs/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Vertex {
    pub id: String,
    pub name: String,
    pub parallelism: u32,
    pub status: String,
}

/// `GET /jobs/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobDetail {
    #[serde(flatten)]
    pub summary: JobSummary,
    pub vertices: Vec<Vertex>,
}

/// One checkpoint or savepoint of `GET /jobs/{id}/checkpoints`' `latest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checkpoint {
    pub id: u64,
    pub is_savepoint: bool,
    pub trigger_ms: Option<i64>,
    /// Trigger to the last acknowledgement (`end_to_end_duration`).
    pub duration_ms: Option<u64>,
    /// The full state size in bytes (`state_size`; `checkpointed_size` is the increment).
    pub state_size: Option<u64>,
    /// Where it was written (completed checkpoints and savepoints).
    pub external_path: Option<String>,
    /// Why it failed (failed ones).
    pub failure_message: Option<String>,
}

/// `GET /jobs/{id}/checkpoints`: counts and the latest of each kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checkpoints {
    pub completed: u64,
    pub failed: u64,
    pub in_progress: u64,
    pub restored: u64,
    pub latest_completed: Option<Checkpoint>,
    pub latest_failed: Option<Checkpoint>,
    pub latest_savepoint: Option<Checkpoint>,
    /// What the job restored from when it (re)started: its path says which savepoint.
    pub latest_restored: Option<Checkpoint>,
}

/// One entry of `GET /jobs/{id}/exceptions`' history.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobException {
    pub timestamp_ms: Option<i64>,
    /// The exception's class and message: the stack trace's first line.
    pub message: String,
    /// The task it happened in, when Flink says.
    pub task: Option<String>,
}

/// Backpressure of a vertex, as Flink grades it (`ok` < 10 %, `low` < 50 %, `high`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backpressure {
    Ok,
    Low,
    High,
}

/// What the console watches of one vertex: its watermark, backpressure and rates.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VertexWatch {
    #[serde(flatten)]
    pub vertex: Vertex,
    /// The lowest input watermark over the subtasks (ms since the epoch); None before the
    /// first watermark (Flink reports Long.MIN_VALUE then) and for sources.
    pub watermark_ms: Option<i64>,
    pub backpressure: Option<Backpressure>,
    /// The highest back-pressured ratio over the subtasks (0–1).
    pub backpressure_ratio: Option<f64>,
    /// Records in per second, summed over the subtasks; for a source vertex, the records its
    /// source operator reads.
    pub records_in_per_sec: Option<f64>,
    /// Records leaving the vertex's chain per second.
    pub records_out_per_sec: Option<f64>,
    /// Records its sink writer takes per second (a vertex with a sink).
    pub sink_records_per_sec: Option<f64>,
    /// A source's records not yet read (the Kafka source's `pendingRecords`, else its
    /// consumer's `records-lag-max`), summed over the subtasks; None for other vertices.
    pub source_lag: Option<f64>,
}

/// Everything the console shows about one job.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobWatch {
    #[serde(flatten)]
    pub summary: JobSummary,
    /// The console job this Flink job runs (its `pipeline.name`, or the submissions record).
    pub console_job: Option<String>,
    /// `numRestarts` (older Flink: `fullRestarts`).
    pub restarts: Option<u64>,
    pub checkpoints: Option<Checkpoints>,
    pub vertices: Vec<VertexWatch>,
    /// The newest first, at most a few.
    pub exceptions: Vec<JobException>,
    /// What could not be read (a metric or endpoint this Flink version lacks), said once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl JobWatch {
    /// How far the slowest vertex's watermark trails `now_ms`: the job's event-time delay.
    pub fn max_watermark_delay_ms(&self, now_ms: i64) -> Option<i64> {
        self.vertices.iter().filter_map(|v| v.watermark_ms).map(|w| (now_ms - w).max(0)).max()
    }

    /// The worst backpressure over the vertices.
    pub fn backpressure(&self) -> Option<Backpressure> {
        self.vertices.iter().filter_map(|v| v.backpressure).max()
    }

    /// Records read by the sources per second, summed.
    pub fn records_in_per_sec(&self) -> Option<f64> {
        sum(self.vertices.iter().filter(|v| is_source(v)).map(|v| v.records_in_per_sec))
    }

    /// Records written by the sinks per second, summed; without a sink writer's metric, what
    /// the last vertex takes in.
    pub fn records_out_per_sec(&self) -> Option<f64> {
        sum(self.vertices.iter().map(|v| v.sink_records_per_sec))
            .or_else(|| self.vertices.last().and_then(|v| v.records_in_per_sec))
    }

    /// The sources' lag, summed.
    pub fn source_lag(&self) -> Option<f64> {
        sum(self.vertices.iter().map(|v| v.source_lag))
    }
}

fn is_source(v: &VertexWatch) -> bool {
    v.vertex.name.starts_with("Source")
}

fn sum(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values.flatten().fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

/// Where a stop-with-savepoint (or a savepoint) stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SavepointStatus {
    InProgress,
    Completed { location: String },
    Failed { reason: String },
}

impl JobWatch {
    /// How long the job has run at `now_ms` (or ran, once ended).
    pub fn uptime_ms(&self, now_ms: i64) -> Option<i64> {
        let s = &self.summary;
        match (s.start_time_ms, s.end_time_ms) {
            (Some(start), Some(end)) => Some((end - start).max(0)),
            (Some(start), None) => Some((now_ms - start).max(0)),
            _ => s.duration_ms,
        }
    }

    /// The latest completed checkpoint.
    pub fn last_checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoints.as_ref().and_then(|c| c.latest_completed.as_ref())
    }

    /// Failed checkpoints since the job started.
    pub fn failed_checkpoints(&self) -> u64 {
        self.checkpoints.as_ref().map_or(0, |c| c.failed)
    }
}

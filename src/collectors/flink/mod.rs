//! The Flink session cluster, watched: the cluster's overview and every job with its state,
//! restarts, checkpoints, per-vertex watermarks, backpressure, rates and the source's lag,
//! through the JobManager's REST API (`flink::rest`), each job named with the console job it
//! runs. One task; a poll is a handful of concurrent requests per live job.
//!
//! Flink is optional: a cluster that refuses the connection and was never seen is "not
//! running" (the store keeps it quiet); once seen, losing it is a backend down like any other.

mod submissions;

use std::time::{Duration, SystemTime};

use serde::Serialize;

pub use submissions::Submission;

use super::{CollectError, Collector, UpdateKind, bounded};
use crate::config::Config;
use crate::flink::FlinkError;
use crate::flink::rest::{ClusterOverview, JobSummary, JobWatch, RestClient};

/// Ended jobs (finished, cancelled, failed) kept in the snapshot, newest first: enough to see
/// what just stopped, not the cluster's whole history.
const ENDED_JOBS: usize = 10;

/// One poll of the Flink cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlinkSnapshot {
    pub overview: ClusterOverview,
    /// Live jobs first, then the newest ended ones.
    pub jobs: Vec<JobWatch>,
    /// Why the record of submissions (`cdc.flink_submissions`) could not be read, if it
    /// exists and failed; a missing table is normal and says nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submissions_note: Option<String>,
    /// When this was read (ms since the epoch): delays in the JSON are against this clock.
    pub taken_at_ms: i64,
}

impl FlinkSnapshot {
    /// The Flink job by id, or the newest one running console job `name`.
    pub fn find(&self, id_or_job: &str) -> Option<&JobWatch> {
        self.jobs
            .iter()
            .find(|j| j.summary.id == id_or_job)
            .or_else(|| self.jobs.iter().find(|j| j.console_job.as_deref() == Some(id_or_job)))
    }
}

/// One poll's result, and whether it failed because nothing listens (refused): the store
/// treats that as "not running" until the cluster has been seen once.
#[derive(Debug, Clone)]
pub struct FlinkPoll {
    pub result: Result<FlinkSnapshot, CollectError>,
    pub refused: bool,
}

/// Polls one Flink cluster.
pub struct Probe {
    client: RestClient,
    timeout: Duration,
    /// Console job names, to recognise a Flink job by its `pipeline.name`.
    jobs: Vec<String>,
    sink: crate::config::PostgresEndpoint,
}

impl Probe {
    pub fn new(config: &Config) -> Self {
        let timeout = config.timeouts.request();
        Self {
            client: RestClient::new(&config.flink, timeout),
            timeout,
            jobs: config.jobs.iter().map(|j| j.name.clone()).collect(),
            sink: config.sink.clone(),
        }
    }

    pub fn endpoint(&self) -> &str {
        self.client.endpoint()
    }

    /// Reads the cluster once.
    pub async fn collect(&self) -> FlinkPoll {
        let endpoint = self.endpoint().to_string();
        // Every job's requests run concurrently, each bounded by the timeout; the whole poll
        // gets a few times that.
        let result = bounded(&endpoint, self.timeout * 3, async {
            self.snapshot().await.map_err(|e| collect_error(&endpoint, &e))
        })
        .await;
        let refused = matches!(&result, Err(CollectError::Unreachable { reason, .. })
            if reason.contains(REFUSED));
        FlinkPoll { result, refused }
    }

    async fn snapshot(&self) -> Result<FlinkSnapshot, FlinkError> {
        let (overview, jobs) = tokio::join!(self.client.overview(), self.client.jobs());
        let (overview, jobs) = (overview?, jobs?);
        let (live, ended): (Vec<_>, Vec<_>) = jobs.into_iter().partition(JobSummary::is_live);
        let chosen = live.into_iter().chain(ended.into_iter().take(ENDED_JOBS));
        let (watched, submissions) = tokio::join!(
            futures::future::join_all(chosen.map(|j| self.client.watch(j))),
            submissions::read(&self.sink, self.timeout)
        );
        let (submissions, submissions_note) = match submissions {
            Ok(s) => (s, None),
            Err(note) => (Vec::new(), Some(note)),
        };
        let jobs = watched
            .into_iter()
            .map(|mut j| {
                j.console_job = console_job(&j, &self.jobs, &submissions);
                j
            })
            .collect();
        let taken_at_ms =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        Ok(FlinkSnapshot {
            overview,
            jobs,
            submissions_note,
            taken_at_ms: i64::try_from(taken_at_ms).unwrap_or(i64::MAX),
        })
    }
}

/// The console job a Flink job runs: its name is the job's `pipeline.name` when the console
/// submitted it; else the record of submissions knows its id.
fn console_job(j: &JobWatch, jobs: &[String], submissions: &[Submission]) -> Option<String> {
    jobs.iter().find(|name| **name == j.summary.name).cloned().or_else(|| {
        submissions.iter().find(|s| s.flink_job_id == j.summary.id).map(|s| s.job.clone())
    })
}

/// What reqwest's error chain says when nothing listens on the port.
const REFUSED: &str = "Connection refused";

/// A Flink error as the store's `CollectError`, the cause chain spelled out (reqwest's own
/// message is only "error sending request").
pub fn collect_error(endpoint: &str, e: &FlinkError) -> CollectError {
    match e {
        FlinkError::Unreachable { source, .. } => {
            let reason =
                if source.is_timeout() { "no answer in time".to_string() } else { chain(source) };
            CollectError::Unreachable { endpoint: endpoint.to_string(), reason }
        }
        FlinkError::Status { status, reason, what } => CollectError::Http {
            endpoint: endpoint.to_string(),
            status: *status,
            body: format!("{what}: {reason}"),
        },
        other => CollectError::Backend {
            endpoint: endpoint.to_string(),
            message: other.to_string(),
            retryable: other.is_retriable(),
        },
    }
}

/// An error with its sources, innermost last: "error sending request: … Connection refused".
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

impl Collector for Probe {
    async fn poll(&mut self) -> UpdateKind {
        UpdateKind::Flink(self.collect().await)
    }
}

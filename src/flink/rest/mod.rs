//! The JobManager's REST API: jobs, their vertices, checkpoints, watermarks, backpressure and
//! metrics; cancel and stop-with-savepoint. One client shared by the collector, the `flink`
//! subcommand and the actions.
//!
//! Layout: this file sends one bounded request and turns error answers into [`FlinkError`];
//! `wire` reads Flink's JSON defensively into `model`; `watch` gathers what the console shows
//! of a job (many small requests, concurrently); `actions` cancels and stops with a savepoint.

mod actions;
pub mod model;
mod watch;
pub mod wire;

use std::time::Duration;

use serde_json::Value;

pub use actions::StopOutcome;
pub use model::{
    Backpressure, Checkpoint, Checkpoints, ClusterOverview, JobDetail, JobException, JobSummary,
    JobWatch, SavepointStatus, Vertex, VertexWatch,
};

use super::FlinkError;
use crate::config::FlinkConfig;

/// Longest error text kept from an answer (Flink sends whole stack traces).
const REASON_CHARS: usize = 300;

/// A client for one JobManager. Cheap to clone (the HTTP pool is shared).
#[derive(Clone)]
pub struct RestClient {
    base: String,
    http: reqwest::Client,
    operators: watch::OperatorCache,
}

impl RestClient {
    /// A client for `config.rest` whose every request gives up after `timeout`.
    pub fn new(config: &FlinkConfig, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .unwrap_or_default();
        Self {
            base: config.rest.as_str().trim_end_matches('/').to_string(),
            http,
            operators: watch::OperatorCache::default(),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// GET `path` (from the root, e.g. `/jobs/overview`) as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, FlinkError> {
        self.send(reqwest::Method::GET, path, None).await
    }

    /// Sends one request; an error status becomes [`FlinkError::Status`] with Flink's reason.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, FlinkError> {
        let what = format!("{method} {}{path}", self.base);
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .map_err(|source| FlinkError::Unreachable { what: what.clone(), source })?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|source| FlinkError::Unreachable { what: what.clone(), source })?;
        if !status.is_success() {
            return Err(FlinkError::Status {
                what,
                status: status.as_u16(),
                reason: wire::error_text(&text, REASON_CHARS),
            });
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text)
            .map_err(|e| FlinkError::Decode { what, reason: format!("not JSON: {e}") })
    }

    fn decode<T>(path: &str, r: Result<T, String>) -> Result<T, FlinkError> {
        r.map_err(|reason| FlinkError::Decode { what: format!("GET {path}"), reason })
    }

    pub async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        Ok(wire::overview(&self.get("/overview").await?))
    }

    /// Every job the JobManager remembers, newest first.
    pub async fn jobs(&self) -> Result<Vec<JobSummary>, FlinkError> {
        let path = "/jobs/overview";
        Self::decode(path, wire::jobs(&self.get(path).await?))
    }

    pub async fn job(&self, id: &str) -> Result<JobDetail, FlinkError> {
        let path = format!("/jobs/{id}");
        Self::decode(&path, wire::job(&self.get(&path).await?))
    }

    pub async fn checkpoints(&self, id: &str) -> Result<Checkpoints, FlinkError> {
        let path = format!("/jobs/{id}/checkpoints");
        Self::decode(&path, wire::checkpoints(&self.get(&path).await?))
    }

    /// The newest `most` exceptions of the job's history.
    pub async fn exceptions(&self, id: &str, most: usize) -> Result<Vec<JobException>, FlinkError> {
        let path = format!("/jobs/{id}/exceptions?maxExceptions={most}");
        Ok(wire::exceptions(&self.get(&path).await?, most))
    }

    /// The job's restarts: `numRestarts`, or `fullRestarts` on older versions.
    pub async fn restarts(&self, id: &str) -> Result<Option<u64>, FlinkError> {
        let v = self.get(&format!("/jobs/{id}/metrics?get=numRestarts,fullRestarts")).await?;
        let values = wire::metric_values(&v);
        let of = |name: &str| values.iter().find(|(n, _)| n == name).map(|(_, v)| *v as u64);
        Ok(of("numRestarts").or_else(|| of("fullRestarts")))
    }
}

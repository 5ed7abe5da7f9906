//! What the console does to a Flink job: cancel it, or stop it with a savepoint and wait for
//! the savepoint's path (what a restart starts from). Shared by the `flink` subcommand and the
//! TUI's actions.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;

use super::model::SavepointStatus;
use super::{RestClient, wire};
use crate::flink::FlinkError;

/// How often the savepoint's status is asked while it is written.
const POLL: Duration = Duration::from_millis(500);

/// A job stopped with a savepoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StopOutcome {
    pub job_id: String,
    pub trigger_id: String,
    /// Where the savepoint is, as the cluster sees it (`file:/…`).
    pub location: String,
}

impl RestClient {
    /// `PATCH /jobs/{id}?mode=cancel`: the job goes to CANCELED without a savepoint.
    pub async fn cancel(&self, id: &str) -> Result<(), FlinkError> {
        self.send(reqwest::Method::PATCH, &format!("/jobs/{id}?mode=cancel"), None).await?;
        Ok(())
    }

    /// `POST /jobs/{id}/stop`: a savepoint (into `dir`, else the cluster's
    /// `execution.checkpointing.savepoint-dir`), then the job FINISHED, without draining (the
    /// open windows stay in the savepoint, not flushed as if the stream ended). Waits up to
    /// `wait` for the savepoint.
    pub async fn stop_with_savepoint(
        &self,
        id: &str,
        dir: Option<&str>,
        wait: Duration,
    ) -> Result<StopOutcome, FlinkError> {
        let mut body = json!({ "drain": false });
        if let Some(dir) = dir {
            body["targetDirectory"] = json!(dir);
        }
        let path = format!("/jobs/{id}/stop");
        let answer = self.send(reqwest::Method::POST, &path, Some(&body)).await?;
        let trigger_id = wire::trigger_id(&answer).ok_or_else(|| FlinkError::Decode {
            what: format!("POST {path}"),
            reason: "no `request-id`".into(),
        })?;
        let location = self.await_savepoint(id, &trigger_id, wait).await?;
        Ok(StopOutcome { job_id: id.to_string(), trigger_id, location })
    }

    /// Where the savepoint of `trigger` stands now.
    pub async fn savepoint_status(
        &self,
        id: &str,
        trigger: &str,
    ) -> Result<SavepointStatus, FlinkError> {
        let path = format!("/jobs/{id}/savepoints/{trigger}");
        let v = self.get(&path).await?;
        wire::savepoint_status(&v)
            .map_err(|reason| FlinkError::Decode { what: format!("GET {path}"), reason })
    }

    async fn await_savepoint(
        &self,
        id: &str,
        trigger: &str,
        wait: Duration,
    ) -> Result<String, FlinkError> {
        let deadline = Instant::now() + wait;
        loop {
            match self.savepoint_status(id, trigger).await? {
                SavepointStatus::Completed { location } => return Ok(location),
                SavepointStatus::Failed { reason } => {
                    return Err(FlinkError::Refused {
                        what: format!("the savepoint of job {id}"),
                        reason,
                    });
                }
                SavepointStatus::InProgress if Instant::now() >= deadline => {
                    return Err(FlinkError::Refused {
                        what: format!("the savepoint of job {id}"),
                        reason: format!(
                            "still in progress after {} (trigger {trigger}); the job may \
                             still stop",
                            humantime::format_duration(wait)
                        ),
                    });
                }
                SavepointStatus::InProgress => tokio::time::sleep(POLL).await,
            }
        }
    }
}

//! Restart a console job on Flink from its last savepoint: find the savepoint (the newest of
//! the job's ended Flink runs, else the record of submissions), refuse while a run is live,
//! then resubmit the job's Flink SQL with `execution.savepoint.path` set.
//!
//! The resubmission is `submissions::restart_from_savepoint` (the recorded statements, through
//! the SQL gateway); [`record_outcome`] notes a stop's savepoint and a cancel in that record.

use serde::Serialize;

use super::FlinkError;
use super::rest::{JobSummary, RestClient};
use crate::config::Config;

/// A restart: which savepoint, which new Flink job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestartOutcome {
    pub job: String,
    pub savepoint: String,
    pub flink_job_id: String,
}

/// The newest savepoint of console job `job`: the one its record of submissions holds (a
/// `flink stop` writes it there), else the newest of its Flink runs' (named as the job, or
/// recorded as its runs); or why there is none to restart from.
pub async fn last_savepoint(
    config: &Config,
    client: &RestClient,
    job: &str,
) -> Result<String, FlinkError> {
    let recorded = recorded_runs(config, job).await;
    let runs: Vec<JobSummary> = client
        .jobs()
        .await?
        .into_iter()
        .filter(|j| j.name == job || recorded.iter().any(|(id, _)| *id == j.id))
        .collect();
    if let Some(live) = runs.iter().find(|j| j.is_live()) {
        return Err(FlinkError::Refused {
            what: format!("restart {job}"),
            reason: format!(
                "Flink job {} is {}: stop it with a savepoint first (`flink stop {}`)",
                live.id, live.state, live.id
            ),
        });
    }
    if let Some(path) = recorded.into_iter().find_map(|(_, savepoint)| savepoint) {
        return Ok(path);
    }
    for run in &runs {
        if let Ok(c) = client.checkpoints(&run.id).await
            && let Some(path) = c.latest_savepoint.and_then(|s| s.external_path)
        {
            return Ok(path);
        }
    }
    Err(FlinkError::Refused {
        what: format!("restart {job}"),
        reason: if runs.is_empty() {
            "Flink has no run of this job to restart".into()
        } else {
            "none of its Flink runs has a savepoint (stop it with `flink stop ID`)".into()
        },
    })
}

/// The job's recorded Flink runs, newest first, with their savepoints; none when the record
/// cannot be read (absent, or the sink away): the Flink runs are searched then.
async fn recorded_runs(config: &Config, job: &str) -> Vec<(String, Option<String>)> {
    let timeout = config.timeouts.request();
    let Ok((client, conn)) = crate::pg::connect(&config.sink, timeout).await else {
        return Vec::new();
    };
    let conn = tokio::spawn(conn);
    let rows = client
        .query(
            "SELECT flink_job_id, savepoint FROM cdc.flink_submissions WHERE job = $1 \
             ORDER BY submitted_at DESC, id DESC",
            &[&job],
        )
        .await;
    drop(client);
    let _ = conn.await;
    rows.map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect()).unwrap_or_default()
}

/// Restarts `job` from its last savepoint.
pub async fn restart_from_last_savepoint(
    config: &Config,
    client: &RestClient,
    job: &str,
) -> Result<RestartOutcome, FlinkError> {
    let savepoint = last_savepoint(config, client, job).await?;
    let flink_job_id = resubmit_from_savepoint(config, job, &savepoint).await?;
    Ok(RestartOutcome { job: job.to_string(), savepoint, flink_job_id })
}

/// Submits console job `job`'s recorded Flink SQL again, starting from `savepoint`; the new
/// Flink job id (the record of submissions keeps it, with where it was restored from).
async fn resubmit_from_savepoint(
    config: &Config,
    job: &str,
    savepoint: &str,
) -> Result<String, FlinkError> {
    super::submissions::restart_from_savepoint(config, job, savepoint).await
}

/// Notes in the record of submissions what became of Flink job `id` (`stopped` with its
/// savepoint, `cancelled`), so the next restart and the console know. Best effort: a job the
/// console did not submit has no record, and an unreachable sink must not fail the action that
/// already happened; why it could not be noted is returned for the log.
pub async fn record_outcome(
    config: &Config,
    id: &str,
    state: &str,
    savepoint: Option<&str>,
) -> Result<(), String> {
    let timeout = config.timeouts.request();
    let (client, conn) =
        crate::pg::connect(&config.sink, timeout).await.map_err(|e| crate::pg::message(&e))?;
    let conn = tokio::spawn(conn);
    let result = async {
        if let Some(path) = savepoint {
            super::submissions::record_savepoint(&client, id, path).await?;
        }
        super::submissions::record_state(&client, id, state).await
    }
    .await;
    drop(client);
    let _ = conn.await;
    match result {
        Err(FlinkError::Record(e))
            if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) =>
        {
            Ok(())
        }
        other => other.map_err(|e| e.to_string()),
    }
}

//! Restart a console job on Flink from its last savepoint: find the savepoint (the newest of
//! the job's ended Flink runs, else the record of submissions), refuse while a run is live,
//! then resubmit the job's Flink SQL with `execution.savepoint.path` set.
//!
//! The resubmission is the SQL gateway's (`gateway`/`submissions`, written by the `--on flink`
//! work); [`resubmit_from_savepoint`] is the one call site to connect to it.

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

/// The newest savepoint of console job `job`'s Flink runs (their name is the job's name), or
/// why there is none to restart from.
pub async fn last_savepoint(client: &RestClient, job: &str) -> Result<String, FlinkError> {
    let runs: Vec<JobSummary> =
        client.jobs().await?.into_iter().filter(|j| j.name == job).collect();
    if let Some(live) = runs.iter().find(|j| j.is_live()) {
        return Err(FlinkError::Refused {
            what: format!("restart {job}"),
            reason: format!(
                "Flink job {} is {}: stop it with a savepoint first (`flink stop {}`)",
                live.id, live.state, live.id
            ),
        });
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

/// Restarts `job` from its last savepoint.
pub async fn restart_from_last_savepoint(
    config: &Config,
    client: &RestClient,
    job: &str,
) -> Result<RestartOutcome, FlinkError> {
    let savepoint = last_savepoint(client, job).await?;
    let flink_job_id = resubmit_from_savepoint(config, job, &savepoint).await?;
    Ok(RestartOutcome { job: job.to_string(), savepoint, flink_job_id })
}

/// MERGE POINT: submit console job `job`'s Flink SQL again, starting from `savepoint`, and
/// return the new Flink job id. The lead connects this to the SQL gateway's
/// `restart_from_savepoint` (src/flink/gateway.rs or submissions.rs, branch h/fsql).
#[expect(clippy::unused_async, reason = "the SQL gateway's submission it will call is async")]
async fn resubmit_from_savepoint(
    _config: &Config,
    job: &str,
    savepoint: &str,
) -> Result<String, FlinkError> {
    Err(FlinkError::Refused {
        what: format!("restart {job} from {savepoint}"),
        reason: "this build cannot submit Flink SQL yet (the SQL gateway submission is missing)"
            .into(),
    })
}

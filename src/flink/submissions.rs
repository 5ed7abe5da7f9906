//! The console's record of what it submitted to Flink (in the sink database, beside the
//! processor's checkpoints): which console job, which Flink job id, the settings and
//! statements (with the password placeholder, never the secret), and the last savepoint, so a
//! job can be found, restarted from its savepoint, and compared.
//!
//! [`submit`] runs a job's Flink SQL through the SQL gateway and records it;
//! [`restart_from_savepoint`] runs the recorded statements again, restored from a savepoint.

use std::time::Duration;

use tokio_postgres::Client;

use super::FlinkError;
use super::gateway::Gateway;
use super::sql::FlinkSql;
use crate::config::Config;
use crate::config::secret::Secret;

/// The record's table, created when missing like the processor's.
pub const TABLE: &str = "cdc.flink_submissions";

const DDL: &str = "
CREATE SCHEMA IF NOT EXISTS cdc;
CREATE TABLE IF NOT EXISTS cdc.flink_submissions (
    id            bigserial   PRIMARY KEY,
    job           text        NOT NULL,
    flink_job_id  text        NOT NULL UNIQUE,
    settings      jsonb       NOT NULL,
    statements    text[]      NOT NULL,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    restored_from text,
    savepoint     text,
    state         text        NOT NULL DEFAULT 'submitted'
);
CREATE INDEX IF NOT EXISTS flink_submissions_job ON cdc.flink_submissions (job, submitted_at DESC)";

/// Flink 2.x's key for the savepoint a job starts from (1.x: `execution.savepoint.path`).
pub const STATE_RECOVERY_PATH: &str = "execution.state-recovery.path";

/// How long one statement may take in the gateway (an INSERT returns once the job is
/// submitted, not when it runs).
const STATEMENT_WAIT: Duration = Duration::from_secs(120);

/// One recorded submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub job: String,
    pub flink_job_id: String,
    pub settings: Vec<(String, String)>,
    /// As submitted, with the password placeholder.
    pub statements: Vec<String>,
    pub restored_from: Option<String>,
    pub savepoint: Option<String>,
    pub state: String,
}

/// Creates the record's table when missing.
pub async fn ensure_table(sink: &Client) -> Result<(), FlinkError> {
    crate::pipeline::create_if_missing(sink, DDL).await?;
    Ok(())
}

/// Runs `sql` in a new gateway session and records it; returns the Flink job id.
pub async fn submit(config: &Config, sql: &FlinkSql) -> Result<String, FlinkError> {
    let sink = sink(config).await?;
    ensure_table(&sink).await?;
    let flink_job_id = run(config, &sql.settings, &sql.statements).await?;
    let submission = Submission {
        job: sql.job.clone(),
        flink_job_id: flink_job_id.clone(),
        settings: sql.settings.clone(),
        statements: sql.statements.clone(),
        restored_from: None,
        savepoint: None,
        state: "submitted".into(),
    };
    record(&sink, &submission).await?;
    Ok(flink_job_id)
}

/// Resubmits the last recorded submission of console job `job`, its state restored from
/// `savepoint_path` (as the cluster sees it, e.g. `file:///…/savepoint-abc`), and records the
/// new Flink job id (with `restored_from`), which it returns. The old job must have been
/// stopped (stop-with-savepoint) or cancelled first: both would write the same output table.
pub async fn restart_from_savepoint(
    config: &Config,
    job: &str,
    savepoint_path: &str,
) -> Result<String, FlinkError> {
    let sink = sink(config).await?;
    ensure_table(&sink).await?;
    let Some(last) = latest(&sink, job).await? else {
        return Err(FlinkError::Refused {
            what: format!("restart {job} from {savepoint_path}"),
            reason: "the console never submitted this job to Flink".into(),
        });
    };
    let mut settings: Vec<(String, String)> =
        last.settings.iter().filter(|(k, _)| k != STATE_RECOVERY_PATH).cloned().collect();
    settings.push((STATE_RECOVERY_PATH.into(), savepoint_path.into()));
    let flink_job_id = run(config, &settings, &last.statements).await?;
    let submission = Submission {
        flink_job_id: flink_job_id.clone(),
        restored_from: Some(savepoint_path.into()),
        savepoint: None,
        state: "submitted".into(),
        ..last
    };
    record(&sink, &submission).await?;
    Ok(flink_job_id)
}

/// The newest submission of console job `job`.
pub async fn latest(sink: &Client, job: &str) -> Result<Option<Submission>, FlinkError> {
    let row = sink
        .query_opt(
            "SELECT job, flink_job_id, settings, statements, restored_from, savepoint, state \
             FROM cdc.flink_submissions WHERE job = $1 ORDER BY submitted_at DESC, id DESC LIMIT 1",
            &[&job],
        )
        .await?;
    Ok(row.map(|r| {
        let settings: serde_json::Value = r.get(2);
        Submission {
            job: r.get(0),
            flink_job_id: r.get(1),
            settings: settings
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            statements: r.get(3),
            restored_from: r.get(4),
            savepoint: r.get(5),
            state: r.get(6),
        }
    }))
}

/// Records the savepoint a job was stopped with (or triggered), for the next restart.
pub async fn record_savepoint(
    sink: &Client,
    flink_job_id: &str,
    path: &str,
) -> Result<(), FlinkError> {
    sink.execute(
        "UPDATE cdc.flink_submissions SET savepoint = $2 WHERE flink_job_id = $1",
        &[&flink_job_id, &path],
    )
    .await?;
    Ok(())
}

/// Records what became of a submitted job (`cancelled`, `stopped`, `failed`…).
pub async fn record_state(
    sink: &Client,
    flink_job_id: &str,
    state: &str,
) -> Result<(), FlinkError> {
    sink.execute(
        "UPDATE cdc.flink_submissions SET state = $2 WHERE flink_job_id = $1",
        &[&flink_job_id, &state],
    )
    .await?;
    Ok(())
}

async fn record(sink: &Client, s: &Submission) -> Result<(), FlinkError> {
    let settings: serde_json::Map<String, serde_json::Value> =
        s.settings.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    sink.execute(
        "INSERT INTO cdc.flink_submissions (job, flink_job_id, settings, statements, restored_from, state) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &s.job,
            &s.flink_job_id,
            &serde_json::Value::Object(settings),
            &s.statements,
            &s.restored_from,
            &s.state,
        ],
    )
    .await?;
    Ok(())
}

/// Runs the statements in one session with `settings` as its properties; the job id the last
/// one (the INSERT) started.
async fn run(
    config: &Config,
    settings: &[(String, String)],
    statements: &[String],
) -> Result<String, FlinkError> {
    let gateway =
        Gateway::new(&config.flink, config.timeouts.action().max(Duration::from_secs(30)));
    let secret = config.sink.secret();
    let name = settings
        .iter()
        .find(|(k, _)| k == "pipeline.name")
        .map_or("cdc-console", |(_, v)| v.as_str());
    let session = gateway.open(name, settings, secret.map(Secret::expose)).await?;
    let mut job_id = None;
    let submitted = FlinkSql::submitted(statements, secret);
    let mut outcome = Ok(());
    for (i, statement) in submitted.iter().enumerate() {
        let what = format!("statement {} of {}", i + 1, submitted.len());
        match session.execute(statement, &what, STATEMENT_WAIT).await {
            Ok(r) => job_id = r.job_id.or(job_id),
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    session.close().await;
    outcome?;
    job_id.ok_or_else(|| FlinkError::Decode {
        what: "the INSERT".into(),
        reason: "the gateway named no Flink job id".into(),
    })
}

async fn sink(config: &Config) -> Result<Client, FlinkError> {
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    Ok(crate::pipeline::connect(&config.sink, timeout, "flink submissions").await?)
}

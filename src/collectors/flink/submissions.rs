//! The console's record of its Flink submissions (`cdc.flink_submissions` in the sink, written
//! by `process --on flink`), read to name a Flink job whose name is not a console job's. Its
//! absence is normal (nothing submitted yet, or an older console): then nothing is known.

use std::time::Duration;

use serde::Serialize;

use crate::config::PostgresEndpoint;

/// What PostgreSQL calls a missing table.
const UNDEFINED_TABLE: &str = "42P01";

/// One submission: which console job, which Flink job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submission {
    pub job: String,
    pub flink_job_id: String,
    /// The savepoint the job was last stopped with, when the record has one.
    pub savepoint: Option<String>,
}

/// Every recorded submission, newest first; `Err` says why the existing table could not be
/// read (an unreachable sink is said elsewhere: here it only means nothing is known).
pub async fn read(sink: &PostgresEndpoint, timeout: Duration) -> Result<Vec<Submission>, String> {
    let Ok(Ok((client, conn))) =
        tokio::time::timeout(timeout, crate::pg::connect(sink, timeout)).await
    else {
        return Ok(Vec::new());
    };
    let conn = tokio::spawn(conn);
    let rows = client
        .query(
            "SELECT job::text, flink_job_id::text, savepoint::text
               FROM cdc.flink_submissions ORDER BY submitted_at DESC LIMIT 200",
            &[],
        )
        .await;
    drop(client);
    let _ = conn.await;
    match rows {
        Ok(rows) => Ok(rows
            .iter()
            .map(|r| Submission {
                job: r.get::<_, Option<String>>(0).unwrap_or_default(),
                flink_job_id: r.get::<_, Option<String>>(1).unwrap_or_default(),
                savepoint: r.get(2),
            })
            .collect()),
        Err(e) if e.code().map(tokio_postgres::error::SqlState::code) == Some(UNDEFINED_TABLE) => {
            Ok(Vec::new())
        }
        Err(e) => Err(crate::pg::message(&e)),
    }
}

//! Retractions need each update's and delete's whole old row: a job refuses to start on a
//! source table without REPLICA IDENTITY FULL, and says how to fix it.

use tokio_postgres::Client;

use super::error::ProcessorError;
use crate::config::job::JobConfig;

/// Retractions need the old row: every source table must have REPLICA IDENTITY FULL.
pub async fn check(source: &Client, job: &JobConfig) -> Result<(), ProcessorError> {
    for t in &job.source_tables {
        let row = source
            .query_opt(
                "SELECT relreplident::text FROM pg_class WHERE oid = to_regclass($1::text)",
                &[&crate::pg::qualified(t)],
            )
            .await
            .map_err(ProcessorError::Source)?;
        match row.map(|r| r.get::<_, String>(0)) {
            None => {
                return Err(ProcessorError::Refused {
                    job: job.name.clone(),
                    reason: format!("source table {t} does not exist"),
                });
            }
            Some(r) if r == "f" => {}
            Some(r) => {
                let what = match r.as_str() {
                    "d" => "DEFAULT",
                    "n" => "NOTHING",
                    _ => "USING INDEX",
                };
                return Err(ProcessorError::Refused {
                    job: job.name.clone(),
                    reason: format!(
                        "{t} has REPLICA IDENTITY {what}, so updates and deletes carry no full before image and cannot be retracted; \
                         run ALTER TABLE {t} REPLICA IDENTITY FULL"
                    ),
                });
            }
        }
    }
    Ok(())
}

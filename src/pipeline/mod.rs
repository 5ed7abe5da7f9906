//! What the console runs itself. Nothing here knows about the screen.

pub mod batches;
pub mod deadletter;
pub mod diff;
pub mod envelope;
pub mod events;
pub mod generator;
pub mod offset_range;
pub mod processor;
pub mod replicator;
pub mod retry;
pub mod story;
pub mod topics;
pub mod watermarks;

/// Runs idempotent DDL (`CREATE … IF NOT EXISTS`) in one transaction under an advisory lock.
/// `IF NOT EXISTS` is checked before the catalog insert, so two jobs starting at once on a new
/// sink can both pass it and one fails ("duplicate key value violates unique constraint
/// pg_type_typname_nsp_index"); the lock makes the second wait and then find the tables.
pub async fn create_if_missing(
    c: &tokio_postgres::Client,
    ddl: &str,
) -> Result<(), tokio_postgres::Error> {
    let r = c
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock(hashtext('cdc-console ddl')); {ddl}; COMMIT"
        ))
        .await;
    if r.is_err() {
        let _ = c.batch_execute("ROLLBACK").await; // leave the connection usable
    }
    r
}

/// A PostgreSQL client whose connection runs in its own task; `who` names it in the log if the
/// connection fails later.
pub async fn connect(
    ep: &crate::config::PostgresEndpoint,
    timeout: std::time::Duration,
    who: &'static str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = crate::pg::connect(ep, timeout).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::warn!("{who} connection: {}", crate::pg::message(&e));
        }
    });
    Ok(client)
}

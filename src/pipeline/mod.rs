//! What the console runs itself. Nothing here knows about the screen.

pub mod batches;
pub mod diff;
pub mod envelope;
pub mod generator;
pub mod processor;
pub mod replicator;

/// A PostgreSQL client whose connection runs in its own task; `who` names it in the log if the
/// connection fails later.
pub async fn connect(ep: &crate::config::PostgresEndpoint, timeout: std::time::Duration, who: &'static str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = ep.pg_config(timeout).connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::warn!("{who} connection: {e}");
        }
    });
    Ok(client)
}

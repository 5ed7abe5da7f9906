//! Who may use a replica's staging tables (`cdc._stage_<name>_<parity>`, shared by name): the
//! one replicator that claimed the replica. And the staging tables of replicas no replicator
//! claims any more (removed from its config), which would otherwise stay in the sink for good.

use std::time::Duration;

use tokio_postgres::Client;

/// Why a replica could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error(
        "replica {replica} is being applied by another replicator (still after {}); stop that one first",
        humantime::format_duration(*waited)
    )]
    Held { replica: String, waited: Duration },
    #[error("sink: claiming the replica: {}", crate::pg::message(.0))]
    Db(#[from] tokio_postgres::Error),
}

/// A staging table's comment: this, then its replica's name (see [`sweep`]).
pub const COMMENT: &str = "cdc-console staging of replica ";

/// The replica's advisory lock: `(class, object)` of `pg_advisory_lock(int4, int4)`.
const LOCK: &str = "hashtext('cdc-console replica'), hashtext($1)";

/// Claims the replica for this run, for as long as its connection lasts: the staging tables are
/// shared by name, so a second replicator applying the same replica would mix its batches into
/// this one's. Waits up to `wait` for a replicator that is going away.
pub(super) async fn claim(sink: &Client, name: &str, wait: Duration) -> Result<(), ClaimError> {
    sink.batch_execute(&format!("SET lock_timeout = {}", wait.as_millis())).await?;
    let locked = sink.execute(&format!("SELECT pg_advisory_lock({LOCK})"), &[&name]).await;
    sink.batch_execute("RESET lock_timeout").await?;
    match locked {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
            Err(ClaimError::Held { replica: name.to_string(), waited: wait })
        }
        Err(e) => Err(e.into()),
    }
}

/// Drops the staging tables of replicas other than `ours` that no replicator holds, as their
/// comment names them (a table without one is left alone). Each is dropped under its replica's
/// lock, so a replicator claiming it meanwhile waits, then creates its tables anew as on any
/// start. Returns the tables dropped.
pub(super) async fn sweep(
    sink: &Client,
    ours: &[&str],
) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = sink
        .query(
            "SELECT c.oid::regclass::text, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'cdc' AND c.relkind = 'r' AND starts_with(c.relname, '_stage_') ORDER BY 1",
            &[],
        )
        .await?;
    let mut dropped = Vec::new();
    for row in rows {
        let (table, comment): (String, Option<String>) = (row.get(0), row.get(1));
        let Some(name) = comment.as_deref().and_then(|c| c.strip_prefix(COMMENT)) else {
            continue;
        };
        if ours.contains(&name) {
            continue;
        }
        let free: bool =
            sink.query_one(&format!("SELECT pg_try_advisory_lock({LOCK})"), &[&name]).await?.get(0);
        if !free {
            continue;
        }
        let done = sink.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await;
        sink.execute(&format!("SELECT pg_advisory_unlock({LOCK})"), &[&name]).await?;
        done?;
        dropped.push(table);
    }
    Ok(dropped)
}

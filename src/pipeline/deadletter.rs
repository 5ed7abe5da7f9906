//! Events a stage cannot apply (invalid JSON, an unknown op, an image without its key) go to
//! `cdc.dead_letters` with where they came from and why, in the batch's transaction. Shared by
//! the replicator and the processor.

use tokio_postgres::GenericClient;

pub const DDL: &str = "CREATE TABLE IF NOT EXISTS cdc.dead_letters (
    topic       text        NOT NULL,
    partition   int         NOT NULL,
    \"offset\"    bigint      NOT NULL,
    reason      text        NOT NULL,
    payload     bytea,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, \"offset\")
);";

#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub reason: String,
    pub payload: Option<Vec<u8>>,
}

/// Inserts the batch's dead letters; one already recorded (by another replica of the same
/// topic, or before a restart) is not recorded twice. Returns how many were new.
pub async fn record(
    tx: &impl GenericClient,
    letters: &[DeadLetter],
) -> Result<u64, tokio_postgres::Error> {
    let mut n = 0;
    for d in letters {
        tracing::warn!(topic = %d.topic, partition = d.partition, offset = d.offset, reason = %d.reason, "dead letter");
        n += tx
            .execute(
                "INSERT INTO cdc.dead_letters (topic, partition, \"offset\", reason, payload) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
                &[&d.topic, &d.partition, &d.offset, &d.reason, &d.payload],
            )
            .await?;
    }
    Ok(n)
}

pub async fn count(c: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    Ok(c.query_one("SELECT count(*) FROM cdc.dead_letters", &[]).await?.get::<_, i64>(0) as u64)
}

//! Consumed offsets kept in the sink, next to the rows: `cdc.progress` holds, per replica
//! (the consumer) and partition, the next offset to apply and the source LSN applied; it is
//! written in the same transaction as the rows, so a restart resumes exactly where the last
//! committed batch ended. `cdc.replica_stats` counts the change events applied per replica in
//! that same transaction (the proof that none was applied twice).

use std::collections::BTreeMap;

use tokio_postgres::{Client, GenericClient};

pub const DDL: &str = "CREATE SCHEMA IF NOT EXISTS cdc;
CREATE TABLE IF NOT EXISTS cdc.progress (
    consumer    text        NOT NULL,
    topic       text        NOT NULL,
    partition   int         NOT NULL,
    next_offset bigint      NOT NULL,
    source_lsn  pg_lsn,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);
CREATE TABLE IF NOT EXISTS cdc.replica_stats (
    replica        text        PRIMARY KEY,
    applied_events bigint      NOT NULL DEFAULT 0,
    batches        bigint      NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);";

/// (topic, partition) → next offset to apply.
pub type Offsets = BTreeMap<(String, i32), i64>;

/// `X/Y`, PostgreSQL's text form of an LSN.
pub fn lsn_text(lsn: u64) -> String {
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xffff_ffff)
}

/// The stored offsets of one consumer.
pub async fn load(c: &Client, consumer: &str) -> Result<Offsets, tokio_postgres::Error> {
    Ok(c.query(
        "SELECT topic, partition, next_offset FROM cdc.progress WHERE consumer = $1",
        &[&consumer],
    )
    .await?
    .iter()
    .map(|r| ((r.get(0), r.get(1)), r.get(2)))
    .collect())
}

/// Inside the batch's transaction: the new offsets (and the highest LSN applied) of one replica.
pub async fn store(
    tx: &impl GenericClient,
    consumer: &str,
    partitions: &BTreeMap<(String, i32), (i64, Option<u64>)>,
    applied_events: i64,
) -> Result<(), tokio_postgres::Error> {
    for ((topic, partition), (next, lsn)) in partitions {
        let lsn = lsn.map(lsn_text);
        tx.execute(
            "INSERT INTO cdc.progress (consumer, topic, partition, next_offset, source_lsn, updated_at) \
             VALUES ($1, $2, $3, $4, $5::text::pg_lsn, now()) \
             ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, \
             source_lsn = GREATEST(cdc.progress.source_lsn, EXCLUDED.source_lsn), updated_at = now()",
            &[&consumer, topic, partition, next, &lsn],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO cdc.replica_stats (replica, applied_events, batches) VALUES ($1, $2, 1) \
         ON CONFLICT (replica) DO UPDATE SET applied_events = cdc.replica_stats.applied_events + EXCLUDED.applied_events, \
         batches = cdc.replica_stats.batches + 1, updated_at = now()",
        &[&consumer, &applied_events],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn lsn_text_is_postgres_form() {
        assert_eq!(super::lsn_text(0x1_0000_00A0), "1/A0");
        assert_eq!(super::lsn_text(26_812_345), "0/1991FB9");
    }
}

//! A batch whose merge failed on one row's value: a text that is no valid value of its column's
//! type (an object where a number belongs), a number out of the column's range, a NOT NULL
//! column without a value, a check the replica's table enforces. Staging cannot see these: only
//! the server's cast and constraints do, and one such row fails the whole statement, and with it
//! the batch, again on every retry.
//!
//! The batch is merged again in a new transaction, each run range by range within savepoints,
//! a failing range split in halves until the events at fault stand alone; each becomes a dead
//! letter of its replica with the server's reason, every other event is applied. Ranges are
//! merged in the batch's order, so a key's later event still wins (the merge's LSN guard).

use std::collections::VecDeque;

use tokio_postgres::Transaction;

use super::merger::ReplicaWork;
use crate::pipeline::batches::Record;
use crate::pipeline::deadletter::{self, DeadLetter};

/// Whether the error is a row's fault (SQLSTATE classes 22, data exception, and 23, integrity
/// constraint violation) rather than the connection's or the statement's.
pub fn row_fault(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| c.code().starts_with("22") || c.code().starts_with("23"))
}

/// Merges run `seg` of `w` from the batch `records` range by range; the events whose own merge
/// fails on their values are returned as dead letters (not applied). Fails with any other error.
pub async fn merge_around(
    tx: &Transaction<'_>,
    w: &ReplicaWork,
    seg: i32,
    records: &[Record],
) -> Result<Vec<DeadLetter>, tokio_postgres::Error> {
    let mut letters = Vec::new();
    let mut ranges = VecDeque::from([(0_i64, records.len() as i64)]);
    while let Some((lo, hi)) = ranges.pop_front() {
        tx.batch_execute("SAVEPOINT cdc_poison").await?;
        match tx.query_one(&w.merge, &[&seg, &lo, &hi]).await {
            Ok(_) => tx.batch_execute("RELEASE SAVEPOINT cdc_poison").await?,
            Err(e) if row_fault(&e) => {
                tx.batch_execute("ROLLBACK TO SAVEPOINT cdc_poison; RELEASE SAVEPOINT cdc_poison")
                    .await?;
                if hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    ranges.push_front((mid, hi));
                    ranges.push_front((lo, mid));
                } else if let Some(rec) = usize::try_from(lo).ok().and_then(|i| records.get(i)) {
                    tracing::warn!(replica = %w.name, topic = %rec.topic, partition = rec.partition,
                        offset = rec.offset, "a row's value failed the merge: a dead letter");
                    letters.push(letter(w, rec, &e));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(letters)
}

fn letter(w: &ReplicaWork, rec: &Record, e: &tokio_postgres::Error) -> DeadLetter {
    DeadLetter {
        consumer: deadletter::replica(&w.name),
        topic: rec.topic.clone(),
        partition: rec.partition,
        offset: rec.offset,
        reason: format!("merging into {}: {}", w.sink, crate::pg::message(e)),
        key: rec.key.clone(),
        payload: rec.payload.clone(),
    }
}

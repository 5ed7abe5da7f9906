//! One chunk of letters applied through the replica's own path: staged as a batch of the
//! replicator is (`stage.rs`: decode, key check, column mapping into the COPY tuples), COPYed
//! into the replica's staging table, and merged by the replica's merge (its filter, and the
//! source LSN guard: an event older than the row changes nothing) in one sink transaction with
//! the letters' marks and the applied-event counter. A letter refused again stays outstanding
//! with the new reason, in the same transaction.

use std::collections::HashMap;
use std::time::Instant;

use tokio_postgres::Client;

use super::super::{Replica, apply, stage};
use super::{Outcome, RedriveError, Verdict};
use crate::pipeline::batches::Record;
use crate::pipeline::deadletter::{self, Letter};

/// What a committed chunk did: each letter's outcome (by index), rows deleted and upserted.
pub(super) struct Committed {
    pub outcomes: Vec<(usize, Outcome)>,
    pub deleted: u64,
    pub upserted: u64,
}

/// Stages, applies and marks `chunk`: (index, letter, verdict); `Go` (checked) is applied
/// unless refused again, `Probe` is staged only for the reason it is refused again.
pub(super) async fn chunk(
    sink: &mut Client,
    source: &Client,
    replica: &mut Replica,
    chunk: &[(usize, &Letter, Verdict)],
) -> Result<Committed, RedriveError> {
    let records = |want: fn(&Verdict) -> bool| -> Vec<Record> {
        chunk.iter().filter(|c| want(&c.2)).map(|c| record(c.1)).collect()
    };
    let (go, probe) = (records(|v| *v == Verdict::Go), records(|v| *v == Verdict::Probe));
    let mut staged = stage::stage(&go, std::slice::from_mut(replica), source, sink).await;
    let probed = stage::stage(&probe, std::slice::from_mut(replica), source, sink).await;
    if let Some(e) = &replica.error {
        return Err(RedriveError::Replica { replica: replica.cfg.name.clone(), source: e.clone() });
    }
    let refused: HashMap<(&str, i32, i64), &str> = staged
        .letters
        .iter()
        .chain(&probed.letters)
        .map(|d| ((d.topic.as_str(), d.partition, d.offset), d.reason.as_str()))
        .collect();
    let Judged { outcomes, marks, reasons } = judge(chunk, &refused);
    let applied = outcomes.iter().filter(|(_, o)| *o == Outcome::Applied).count();
    let copy = staged.copy.pop().unwrap_or_default();
    let merge =
        replica.merge[0][usize::from(staged.distinct.first().copied().unwrap_or(true))].clone();
    let tuples = !copy.is_empty();
    if tuples {
        apply::stage_batch(sink, 0, vec![(replica.cfg.name.as_str(), copy)])
            .await
            .map_err(RedriveError::sink("copying letters into the staging table"))?;
    }
    let tx = sink.transaction().await.map_err(RedriveError::sink("starting a redrive"))?;
    let (mut deleted, mut upserted) = (0, 0);
    if tuples {
        let row = tx
            .query_one(&merge, &[&0i32, &0i64, &i64::MAX])
            .await
            .map_err(RedriveError::sink("merging letters"))?;
        deleted = row.get::<_, i64>(0).unsigned_abs();
        upserted = row.get::<_, i64>(1).unsigned_abs();
    }
    let marked = deadletter::redrive::mark(&tx, &marks)
        .await
        .map_err(RedriveError::sink("marking letters redriven"))?;
    if marked != marks.len() as u64 {
        return Err(RedriveError::Raced); // dropped: rolled back
    }
    deadletter::redrive::refused_again(&tx, &reasons)
        .await
        .map_err(RedriveError::sink("recording letters refused again"))?;
    if applied > 0 {
        tx.execute(
            "INSERT INTO cdc.replica_stats (replica, applied_events, batches) VALUES ($1, $2, 0) \
             ON CONFLICT (replica) DO UPDATE SET applied_events = cdc.replica_stats.applied_events + EXCLUDED.applied_events, \
             updated_at = now()",
            &[&replica.cfg.name, &(applied as i64)],
        )
        .await
        .map_err(RedriveError::sink("counting the events applied"))?;
    }
    tx.commit().await.map_err(RedriveError::sink("committing a redrive"))?;
    Ok(Committed { outcomes, deleted, upserted })
}

/// What a chunk writes besides the rows: each letter's outcome, the marks of the letters
/// redriven, the new reasons of those refused again.
struct Judged {
    outcomes: Vec<(usize, Outcome)>,
    marks: Vec<(i64, String)>,
    reasons: Vec<(i64, String)>,
}

/// Each letter's outcome from its verdict and, staged, whether it was refused again (`refused`
/// by (topic, partition, offset), with the reason).
fn judge(chunk: &[(usize, &Letter, Verdict)], refused: &HashMap<(&str, i32, i64), &str>) -> Judged {
    let mut outcomes = Vec::with_capacity(chunk.len());
    let (mut marks, mut reasons) = (Vec::new(), Vec::new());
    for (i, l, verdict) in chunk {
        let again = refused.get(&(l.topic.as_str(), l.partition, l.offset)).copied();
        let outcome = match (verdict, again) {
            (Verdict::Superseded(by), _) => {
                marks.push((l.id, format!("superseded by offset {by}")));
                Outcome::Superseded { by_offset: *by }
            }
            (Verdict::Unverified(why), _) => Outcome::Unverified { why: why.clone() },
            (Verdict::Refused(reason), _) => {
                reasons.push((l.id, reason.clone()));
                Outcome::Refused { reason: reason.clone() }
            }
            (Verdict::Go | Verdict::Probe, Some(reason)) => {
                reasons.push((l.id, reason.to_string()));
                Outcome::Refused { reason: reason.to_string() }
            }
            (Verdict::Go, None) => {
                marks.push((l.id, "applied".to_string()));
                Outcome::Applied
            }
            (Verdict::Probe, None) => Outcome::Unverified {
                why: "its row key could not be read for the check for later changes".into(),
            },
        };
        outcomes.push((*i, outcome));
    }
    Judged { outcomes, marks, reasons }
}

/// A letter as the record it was.
fn record(l: &Letter) -> Record {
    Record {
        topic: l.topic.clone(),
        partition: l.partition,
        offset: l.offset,
        key: l.key.clone(),
        payload: l.payload.clone(),
        received: Instant::now(),
    }
}

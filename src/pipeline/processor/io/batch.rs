//! One batch of a job: its records applied to the operator, then everything they produced
//! written in the batch's sink transaction (results, late events, dead letters, and each touched
//! partition's checkpoint), so a restart resumes exactly after it.

use std::collections::BTreeSet;

use tokio_postgres::Transaction;

use super::output::Output;
use super::{checkpoint, outbox, sink};
use crate::config::job::JobConfig;
use crate::pipeline::batches::Record;
use crate::pipeline::deadletter::{self, DeadLetter};
use crate::pipeline::processor::{ChangeDecoder, LateEvent, Operator, WindowResult};

/// What one batch's records did.
pub(super) struct Applied {
    pub late: Vec<LateEvent>,
    pub letters: Vec<DeadLetter>,
    /// Operator partitions that took a record (their checkpoints move).
    pub touched: BTreeSet<i32>,
    /// Changes applied (duplicates of a replay not counted).
    #[expect(clippy::struct_field_names, reason = "the count the snapshot calls applied")]
    pub applied: u64,
    pub truncates: u64,
}

/// Feeds the batch's records of owned partitions (`pid`: topic and partition to the operator's
/// number) to the operator; an undecodable record becomes a dead letter and is skipped.
pub(super) fn apply(
    op: &mut Operator,
    decoder: &ChangeDecoder,
    job: &JobConfig,
    records: &[Record],
    pid: &impl Fn(&str, i32) -> Option<i32>,
    owned: &BTreeSet<i32>,
    now: i64,
) -> Applied {
    let mut out = Applied {
        late: Vec::new(),
        letters: Vec::new(),
        touched: BTreeSet::new(),
        applied: 0,
        truncates: 0,
    };
    for rec in records {
        let Some(p) = pid(&rec.topic, rec.partition).filter(|p| owned.contains(p)) else {
            continue;
        };
        out.touched.insert(p);
        match decoder.decode(rec.payload.as_deref()) {
            Ok(None) => op.skip(p, rec.offset, now),
            Ok(Some(change)) => {
                let outcome = op.on_change(
                    p,
                    rec.offset,
                    rec.key.as_deref().unwrap_or_default(),
                    &change,
                    now,
                );
                if !outcome.duplicate {
                    out.applied += 1;
                }
                if outcome.truncated {
                    out.truncates += 1;
                    tracing::warn!(job = %job.name, "TRUNCATE on {}: the job's windows still count the truncated rows", rec.topic);
                }
                out.late.extend(outcome.late);
            }
            Err(e) => {
                op.skip(p, rec.offset, now);
                out.letters.push(DeadLetter {
                    consumer: deadletter::job(&job.name),
                    key: rec.key.clone(),
                    topic: rec.topic.clone(),
                    partition: rec.partition,
                    offset: rec.offset,
                    reason: e.to_string(),
                    payload: rec.payload.clone(),
                });
            }
        }
    }
    out
}

/// What a batch commits.
pub(super) struct Commit<'a> {
    pub results: &'a [WindowResult],
    pub late: &'a [LateEvent],
    pub letters: &'a [DeadLetter],
    pub touched: &'a BTreeSet<i32>,
}

/// Writes the batch into `tx` (the caller commits); returns the dead letters recorded and the
/// output rows written.
pub(super) async fn write(
    tx: &Transaction<'_>,
    job: &JobConfig,
    output: &Output,
    topic_of: impl Fn(i32) -> (String, i32) + Copy,
    batch: Commit<'_>,
    op: &mut Operator,
    stored: &mut checkpoint::Written,
) -> Result<(u64, Vec<outbox::Written>), tokio_postgres::Error> {
    let written = sink::write_results(tx, job, output, topic_of, batch.results).await?;
    if job.output.topic.is_some() {
        outbox::write(tx, job, &written).await?;
    }
    // The rest touches rows of their own: sent at once, they share round trips (tokio-postgres
    // pipelines the statements of concurrent futures on one connection), and the partitions'
    // checkpoints no longer cost three round trips each in turn.
    let deltas: Vec<(i32, checkpoint::Delta)> = batch
        .touched
        .iter()
        .filter_map(|p| op.checkpoint_delta(*p, stored.of(*p)).map(|d| (*p, d)))
        .collect();
    let writes = deltas.into_iter().map(|(p, delta)| {
        let (topic, partition) = topic_of(p);
        async move { checkpoint::write(tx, &job.name, (&topic, partition), delta).await }
    });
    let outcome = tokio::try_join!(
        sink::write_late(tx, &job.name, topic_of, batch.late),
        deadletter::record(tx, batch.letters),
        futures::future::try_join_all(writes),
    );
    let ((), new_letters, _) = outcome?;
    Ok((new_letters, written))
}

//! A fetched batch decoded for the sink: per replica the COPY tuples of its staging table, the
//! runs between truncates, the events counted, the partitions' new offsets; and the batch's dead
//! letters. Nothing is written here (see `run.rs` and `merger.rs`).

use std::collections::BTreeMap;

use tokio_postgres::Client;

use super::apply::{Event, Kind};
use super::tuples::Tuples;
use super::{Replica, prepare};
use crate::pipeline::batches::Record;
use crate::pipeline::deadletter::DeadLetter;
use crate::pipeline::envelope::{self, Op};

/// (topic, partition) → (next offset, newest source LSN).
pub type Progress = BTreeMap<(String, i32), (i64, Option<u64>)>;

/// What one batch will write; the vectors are indexed by replica.
#[derive(Default)]
pub struct Staged {
    /// Binary COPY tuples, at most one per key where keys compare exactly (see `tuples.rs`).
    pub copy: Vec<Vec<u8>>,
    /// The merge must still pick the last event per key (`DISTINCT ON`).
    pub distinct: Vec<bool>,
    /// Truncates seen: run n of the staged events applies before truncate n.
    pub segments: Vec<i32>,
    /// Change events applied (truncates included, tombstones and dead letters not).
    pub counts: Vec<i64>,
    pub progress: Vec<Progress>,
    pub letters: Vec<DeadLetter>,
    /// Source commit times of the streamed (not snapshot) events, for commit latency.
    pub committed_at: Vec<i64>,
}

impl Staged {
    fn new(replicas: usize) -> Self {
        Self {
            copy: vec![Vec::new(); replicas],
            distinct: vec![false; replicas],
            segments: vec![0; replicas],
            counts: vec![0; replicas],
            progress: vec![BTreeMap::new(); replicas],
            ..Default::default()
        }
    }
}

/// Decodes `batch` for every replica that still wants its records. A source table that gained
/// a column is re-planned on the way (`prepare`, once per replica and batch), which may stop that
/// replica alone; tuples already staged for it had the old columns, so the batch is staged again.
pub async fn stage(
    batch: &[Record],
    replicas: &mut [Replica],
    source: &Client,
    sink: &Client,
) -> Staged {
    let mut replanned = vec![false; replicas.len()];
    loop {
        if let Some(staged) = pass(batch, replicas, Some((source, sink)), &mut replanned).await {
            return staged;
        }
    }
}

/// Stages a batch without the databases, on a copy of the replicas (while the previous batch's
/// transaction runs): None when a replica must be re-planned first, which [`stage`] does.
/// Nothing the previous transaction changes is read: it moves offsets only below this batch's.
pub fn stage_ahead(batch: &[Record], mut replicas: Vec<Replica>) -> Option<Staged> {
    let mut replanned = vec![false; replicas.len()];
    // Without databases the pass never waits: it completes on its first poll.
    futures::executor::block_on(pass(batch, &mut replicas, None, &mut replanned))
}

/// One staging pass; `None` when a replica with staged tuples was re-planned, or must be and
/// `clients` (source, sink) are not given.
async fn pass(
    batch: &[Record],
    replicas: &mut [Replica],
    clients: Option<(&Client, &Client)>,
    replanned: &mut [bool],
) -> Option<Staged> {
    let mut out = Staged::new(replicas.len());
    let mut tuples: Vec<Tuples> = (0..replicas.len()).map(|_| Tuples::default()).collect();
    for (seq, rec) in batch.iter().enumerate() {
        let wanting: Vec<usize> = (0..replicas.len())
            .filter(|&i| replicas[i].wants(&rec.topic, rec.partition, rec.offset))
            .collect();
        if wanting.is_empty() {
            continue;
        }
        let dead = |reason: String| DeadLetter {
            topic: rec.topic.clone(),
            partition: rec.partition,
            offset: rec.offset,
            reason,
            payload: rec.payload.clone(),
        };
        let mut lsn = None;
        match envelope::decode_raw(rec.payload.as_deref()) {
            Ok(None) => {} // tombstone
            Err(e) => out.letters.push(dead(e.to_string())),
            Ok(Some(env)) => match env.source.lsn {
                None => out.letters.push(dead("no source.lsn".into())),
                Some(l) => {
                    lsn = Some(l);
                    if !env.source.snapshot {
                        out.committed_at.push(env.source.ts_ms);
                    }
                    let image = match env.op {
                        Op::Create | Op::Update | Op::Read => env.after.map(|a| (Kind::Upsert, a)),
                        Op::Delete => env.before.map(|b| (Kind::Delete, b)),
                        Op::Truncate => None,
                    };
                    if env.op == Op::Truncate {
                        for &i in &wanting {
                            out.segments[i] += 1;
                            out.counts[i] += 1;
                        }
                    } else if let Some((kind, raw)) = image.filter(|(_, raw)| raw.get() != "null") {
                        match envelope::columns(raw) {
                            Err(e) => out.letters.push(dead(format!("{kind:?} image: {e}"))),
                            Ok(row) => {
                                let mut bad = None;
                                for &i in &wanting {
                                    if !replanned[i] && new_columns(&row, replicas[i].plan.as_ref())
                                    {
                                        let (source, sink) = clients?;
                                        prepare(source, sink, &mut replicas[i]).await;
                                        replanned[i] = true;
                                        if !tuples[i].is_empty() {
                                            return None;
                                        }
                                    }
                                    let Some(plan) =
                                        replicas[i].plan.as_ref().filter(|_| replicas[i].active())
                                    else {
                                        continue;
                                    };
                                    let present = |k: &str| {
                                        row.iter().any(|(n, v)| n.0 == k && v.get() != "null")
                                    };
                                    if let Some(k) = plan
                                        .key
                                        .iter()
                                        .map(|&k| &plan.columns[k].source)
                                        .find(|k| !present(k))
                                    {
                                        bad = Some(format!(
                                            "key column {k} missing in the {kind:?} image"
                                        ));
                                        continue;
                                    }
                                    let event = Event {
                                        segment: out.segments[i],
                                        seq: seq as i64,
                                        kind,
                                        lsn: l,
                                    };
                                    match tuples[i].push(event, plan, &row) {
                                        Ok(()) => out.counts[i] += 1,
                                        Err(e) => bad = Some(format!("{kind:?} image: {e}")),
                                    }
                                }
                                if let Some(b) = bad {
                                    out.letters.push(dead(b));
                                }
                            }
                        }
                    } else {
                        out.letters.push(dead(format!("op {:?} without its row image", env.op)));
                    }
                }
            },
        }
        for &i in &wanting {
            if replicas[i].active() {
                let e =
                    out.progress[i].entry((rec.topic.clone(), rec.partition)).or_insert((0, None));
                e.0 = rec.offset + 1;
                e.1 = e.1.max(lsn);
            }
        }
    }
    for (i, t) in tuples.into_iter().enumerate() {
        (out.copy[i], out.distinct[i]) = t.finish();
    }
    out.letters
        .dedup_by(|a, b| (&a.topic, a.partition, a.offset) == (&b.topic, b.partition, b.offset));
    Some(out)
}

/// An image carrying a column the plan does not know: the source table gained one.
fn new_columns(row: &envelope::RawRow<'_>, plan: Option<&super::schema::Plan>) -> bool {
    plan.is_some_and(|p| row.iter().any(|(k, _)| !p.source_columns.iter().any(|c| *c == k.0)))
}

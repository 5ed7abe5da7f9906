//! A fetched batch decoded for the sink: per replica the COPY tuples of its staging table, the
//! runs between truncates, the events counted, the partitions' new offsets; and the batch's dead
//! letters. Nothing is written here (see `run.rs` and `merger.rs`).

use std::collections::BTreeMap;

use tokio_postgres::Client;

use super::apply::{Event, Kind};
use super::tuples::Tuples;
use super::{Replica, prepare};
use crate::pipeline::batches::Record;
use crate::pipeline::deadletter::{self, DeadLetter};
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
    let n = replicas.len();
    let mut pass = Pass {
        out: Staged::new(n),
        tuples: (0..n).map(|_| Tuples::default()).collect(),
        replicas,
        clients,
        replanned,
    };
    for (seq, rec) in batch.iter().enumerate() {
        pass.record(seq as i64, rec).await.ok()?;
    }
    let Pass { mut out, tuples, .. } = pass;
    for (i, t) in tuples.into_iter().enumerate() {
        (out.copy[i], out.distinct[i]) = t.finish();
    }
    out.letters.dedup_by(|a, b| {
        (&a.consumer, &a.topic, a.partition, a.offset)
            == (&b.consumer, &b.topic, b.partition, b.offset)
    });
    Some(out)
}

/// A pass over a batch so far.
struct Pass<'a, 'c> {
    out: Staged,
    /// Per replica, the COPY tuples staged so far.
    tuples: Vec<Tuples>,
    replicas: &'a mut [Replica],
    /// (source, sink), to re-plan a replica on the way; without them the pass gives up instead.
    clients: Option<(&'c Client, &'c Client)>,
    /// Per replica, re-planned during this batch already.
    replanned: &'a mut [bool],
}

/// The pass must start over: a replica with staged tuples was re-planned, or one must be and
/// the databases are not at hand.
struct Restage;

impl Pass<'_, '_> {
    /// Stages one record for the replicas that want it (or makes it a dead letter), and moves
    /// their offsets past it.
    async fn record(&mut self, seq: i64, rec: &Record) -> Result<(), Restage> {
        let wanting: Vec<usize> = (0..self.replicas.len())
            .filter(|&i| self.replicas[i].wants(&rec.topic, rec.partition, rec.offset))
            .collect();
        if wanting.is_empty() {
            return Ok(());
        }
        let mut lsn = None;
        match envelope::decode_raw(rec.payload.as_deref()) {
            Ok(None) => {} // tombstone
            Err(e) => self.refuse(rec, &wanting, &e.to_string()),
            Ok(Some(env)) => match env.source.lsn {
                None => self.refuse(rec, &wanting, "no source.lsn"),
                Some(l) => {
                    lsn = Some(l);
                    if !env.source.snapshot {
                        self.out.committed_at.push(env.source.ts_ms);
                    }
                    for (i, reason) in self.change(&env, l, seq, &wanting).await? {
                        let letter = dead_letter(rec, &self.replicas[i], reason);
                        self.out.letters.push(letter);
                    }
                }
            },
        }
        for &i in &wanting {
            if self.replicas[i].active() {
                let e = self.out.progress[i]
                    .entry((rec.topic.clone(), rec.partition))
                    .or_insert((0, None));
                e.0 = rec.offset + 1;
                e.1 = e.1.max(lsn);
            }
        }
        Ok(())
    }

    /// A dead letter of each replica in `wanting`: none of them can take the record.
    fn refuse(&mut self, rec: &Record, wanting: &[usize], reason: &str) {
        for &i in wanting {
            self.out.letters.push(dead_letter(rec, &self.replicas[i], reason.to_string()));
        }
    }

    /// Stages a change event (at source LSN `lsn`) for the replicas `wanting` it; the replicas
    /// that cannot take it, each with the reason (their dead letters).
    async fn change(
        &mut self,
        env: &envelope::RawEnvelope<'_>,
        lsn: u64,
        seq: i64,
        wanting: &[usize],
    ) -> Result<Vec<(usize, String)>, Restage> {
        if env.op == Op::Truncate {
            for &i in wanting {
                self.out.segments[i] += 1;
                self.out.counts[i] += 1;
            }
            return Ok(Vec::new());
        }
        let all = |reason: String| wanting.iter().map(|&i| (i, reason.clone())).collect();
        let image = match env.op {
            Op::Create | Op::Update | Op::Read => env.after.map(|a| (Kind::Upsert, a)),
            Op::Delete => env.before.map(|b| (Kind::Delete, b)),
            Op::Truncate => None,
        };
        let Some((kind, raw)) = image.filter(|(_, raw)| raw.get() != "null") else {
            return Ok(all(format!("op {:?} without its row image", env.op)));
        };
        let row = match envelope::columns(raw) {
            Ok(row) => row,
            Err(e) => return Ok(all(format!("{kind:?} image: {e}"))),
        };
        let mut refused = Vec::new();
        for &i in wanting {
            let event = Event { segment: self.out.segments[i], seq, kind, lsn };
            if let Some(reason) = self.push(i, &row, event).await? {
                refused.push((i, reason));
            }
        }
        Ok(refused)
    }

    /// Stages a row image for replica `i`, re-planning it first if the image shows that its
    /// source table gained a column; the reason when the replica cannot take it.
    async fn push(
        &mut self,
        i: usize,
        row: &envelope::RawRow<'_>,
        event: Event,
    ) -> Result<Option<String>, Restage> {
        if !self.replanned[i] && new_columns(row, self.replicas[i].plan.as_ref()) {
            let (source, sink) = self.clients.ok_or(Restage)?;
            prepare(source, sink, &mut self.replicas[i]).await;
            self.replanned[i] = true;
            if !self.tuples[i].is_empty() {
                return Err(Restage);
            }
        }
        let r = &self.replicas[i];
        let Some(plan) = r.plan.as_ref().filter(|_| r.active()) else { return Ok(None) };
        let kind = event.kind;
        let present = |k: &str| row.iter().any(|(n, v)| n.0 == k && v.get() != "null");
        if let Some(k) = plan.key.iter().map(|&k| &plan.columns[k].source).find(|k| !present(k)) {
            return Ok(Some(format!("key column {k} missing in the {kind:?} image")));
        }
        match self.tuples[i].push(event, plan, row) {
            Ok(()) => {
                self.out.counts[i] += 1;
                Ok(None)
            }
            Err(e) => Ok(Some(format!("{kind:?} image: {e}"))),
        }
    }
}

fn dead_letter(rec: &Record, replica: &Replica, reason: String) -> DeadLetter {
    DeadLetter {
        consumer: deadletter::replica(&replica.cfg.name),
        key: rec.key.clone(),
        topic: rec.topic.clone(),
        partition: rec.partition,
        offset: rec.offset,
        reason,
        payload: rec.payload.clone(),
    }
}

/// An image carrying a column the plan does not know: the source table gained one.
fn new_columns(row: &envelope::RawRow<'_>, plan: Option<&super::schema::Plan>) -> bool {
    plan.is_some_and(|p| row.iter().any(|(k, _)| !p.source_columns.iter().any(|c| *c == k.0)))
}

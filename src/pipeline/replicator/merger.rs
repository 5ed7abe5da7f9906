//! The merging connection: a task that owns a second sink connection and, per batch, runs the
//! one transaction that makes it count (the merges from the staging tables, the consumed offsets,
//! the applied-event counter, the dead letters). The replicator's own connection meanwhile COPYs
//! the next batch into the other staging tables, so the server parses one batch while it merges
//! the previous one. Batches are submitted one at a time, after the previous one committed: the
//! commit order is the batch order. A merge that fails on a row's value is done again around
//! the rows at fault, which become dead letters (`poison.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio_postgres::Client;

use super::stage::Progress;
use super::{ReplicatorError, offsets, poison};
use crate::pipeline::batches::{AbortOnDrop, Record};
use crate::pipeline::deadletter::{self, DeadLetter};

/// One replica's part of a batch.
pub struct ReplicaWork {
    /// The merge statement for the staging table the batch was COPYed into.
    pub merge: String,
    /// The replica's sink table (truncated between runs).
    pub sink: String,
    /// The replica's name, under which its offsets are stored.
    pub name: String,
    /// Truncates in the batch: runs 0..=segments are merged, a truncate after each but the last.
    pub segments: i32,
    pub progress: Progress,
    pub events: i64,
}

struct Job {
    work: Vec<ReplicaWork>,
    letters: Vec<DeadLetter>,
    /// The batch, for the dead letters of rows whose values fail the merge.
    records: Arc<Vec<Record>>,
    done: oneshot::Sender<Result<Merged, ReplicatorError>>,
}

/// What a committed batch recorded besides its merges.
#[derive(Debug, Default)]
pub struct Merged {
    /// Dead letters new to the table (a batch replayed after a restart records none twice).
    pub new_letters: u64,
    /// Per replica, the events its merge refused (their values), dead letters now: staged and
    /// counted, but not applied.
    pub refused: BTreeMap<String, i64>,
}

/// A committed batch's outcome, or why it did not commit.
pub type Commit = oneshot::Receiver<Result<Merged, ReplicatorError>>;

pub struct Merger {
    jobs: mpsc::Sender<Job>,
    _task: AbortOnDrop,
}

impl Merger {
    /// Starts the task on `client`; dropping the merger stops it (a transaction not yet committed
    /// is then rolled back with the connection).
    pub fn start(client: Client) -> Self {
        let (jobs, rx) = mpsc::channel(1);
        Self { jobs, _task: AbortOnDrop(tokio::spawn(run(client, rx))) }
    }

    /// Hands a staged batch over; the receiver resolves once it committed or failed.
    pub async fn submit(
        &self,
        work: Vec<ReplicaWork>,
        letters: Vec<DeadLetter>,
        records: Arc<Vec<Record>>,
    ) -> Commit {
        let (done, commit) = oneshot::channel();
        // A send error means the task is gone: `commit` then resolves as dropped.
        let _ = self.jobs.send(Job { work, letters, records, done }).await;
        commit
    }
}

/// Waits for a submitted batch.
pub async fn committed(commit: &mut Commit) -> Result<Merged, ReplicatorError> {
    commit.await.unwrap_or(Err(ReplicatorError::Gone("merging connection's task")))
}

async fn run(mut client: Client, mut jobs: mpsc::Receiver<Job>) {
    while let Some(job) = jobs.recv().await {
        // The fast path first: one statement per run. A row's value failing it rolls the
        // transaction back, and the batch is merged again around the rows at fault.
        let result = match transaction(&mut client, &job, false).await {
            Err(Fault::Row) => transaction(&mut client, &job, true).await,
            other => other,
        };
        let _ = job.done.send(result.map_err(|f| match f {
            Fault::Row => ReplicatorError::Gone("a row fault outside the merges"),
            Fault::Other(e) => e,
        }));
    }
}

/// Why a batch did not commit: a row's value (worth merging around), or anything else.
enum Fault {
    Row,
    Other(ReplicatorError),
}

impl From<ReplicatorError> for Fault {
    fn from(e: ReplicatorError) -> Self {
        Fault::Other(e)
    }
}

/// One batch in one transaction; `around` merges each run around the rows at fault.
async fn transaction(client: &mut Client, job: &Job, around: bool) -> Result<Merged, Fault> {
    let sink = ReplicatorError::sink;
    let tx = client.transaction().await.map_err(sink("starting a batch"))?;
    let mut refused = Vec::new();
    let mut merged = Merged::default();
    for w in &job.work {
        let before = refused.len();
        for seg in 0..=w.segments {
            if around {
                let letters = poison::merge_around(&tx, w, seg, &job.records)
                    .await
                    .map_err(sink("merging a batch"))?;
                refused.extend(letters);
            } else {
                match tx.query_one(&w.merge, &[&seg, &0_i64, &i64::MAX]).await {
                    Err(e) if poison::row_fault(&e) => return Err(Fault::Row),
                    other => other.map_err(sink("merging a batch"))?,
                };
            }
            if seg < w.segments {
                tx.batch_execute(&format!("TRUNCATE {}", crate::pg::qualified(&w.sink)))
                    .await
                    .map_err(sink("truncating a replica"))?;
            }
        }
        let n = (refused.len() - before) as i64;
        if n > 0 {
            merged.refused.insert(w.name.clone(), n);
        }
        offsets::store(&tx, &w.name, &w.progress, w.events - n)
            .await
            .map_err(sink("storing offsets"))?;
    }
    let letters: Vec<DeadLetter> = job.letters.iter().cloned().chain(refused).collect();
    merged.new_letters =
        deadletter::record(&tx, &letters).await.map_err(sink("recording dead letters"))?;
    tx.commit().await.map_err(sink("committing a batch"))?;
    Ok(merged)
}

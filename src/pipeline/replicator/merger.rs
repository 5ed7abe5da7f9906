//! The merging connection: a task that owns a second sink connection and, per batch, runs the
//! one transaction that makes it count (the merges from the staging tables, the consumed offsets,
//! the applied-event counter, the dead letters). The replicator's own connection meanwhile COPYs
//! the next batch into the other staging tables, so the server parses one batch while it merges
//! the previous one. Batches are submitted one at a time, after the previous one committed: the
//! commit order is the batch order.

use tokio::sync::{mpsc, oneshot};
use tokio_postgres::Client;

use super::stage::Progress;
use super::{ReplicatorError, offsets};
use crate::pipeline::batches::AbortOnDrop;
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
    done: oneshot::Sender<Result<u64, ReplicatorError>>,
}

/// A committed batch's new dead letters, or why it did not commit.
pub type Commit = oneshot::Receiver<Result<u64, ReplicatorError>>;

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
    pub async fn submit(&self, work: Vec<ReplicaWork>, letters: Vec<DeadLetter>) -> Commit {
        let (done, commit) = oneshot::channel();
        // A send error means the task is gone: `commit` then resolves as dropped.
        let _ = self.jobs.send(Job { work, letters, done }).await;
        commit
    }
}

/// Waits for a submitted batch.
pub async fn committed(commit: &mut Commit) -> Result<u64, ReplicatorError> {
    commit.await.unwrap_or(Err(ReplicatorError::Gone("merging connection's task")))
}

async fn run(mut client: Client, mut jobs: mpsc::Receiver<Job>) {
    while let Some(job) = jobs.recv().await {
        let result = transaction(&mut client, &job.work, &job.letters).await;
        let _ = job.done.send(result);
    }
}

async fn transaction(
    client: &mut Client,
    work: &[ReplicaWork],
    letters: &[DeadLetter],
) -> Result<u64, ReplicatorError> {
    let sink = ReplicatorError::sink;
    let tx = client.transaction().await.map_err(sink("starting a batch"))?;
    for w in work {
        for seg in 0..=w.segments {
            tx.query_one(&w.merge, &[&seg]).await.map_err(sink("merging a batch"))?;
            if seg < w.segments {
                tx.batch_execute(&format!("TRUNCATE {}", crate::pg::qualified(&w.sink)))
                    .await
                    .map_err(sink("truncating a replica"))?;
            }
        }
        offsets::store(&tx, &w.name, &w.progress, w.events)
            .await
            .map_err(sink("storing offsets"))?;
    }
    let new_letters =
        deadletter::record(&tx, letters).await.map_err(sink("recording dead letters"))?;
    tx.commit().await.map_err(sink("committing a batch"))?;
    Ok(new_letters)
}

//! The replicator's loop. [`run`](super::run) (start.rs) sets it up; [`ReplicatorLoop`] then drives each batch through
//! its steps, one method each: [`fetch`](ReplicatorLoop::fetch) (from the broker, or
//! [`staged_ahead`](ReplicatorLoop::staged_ahead) when the next batch was already staged on
//! another thread), [`stage`](ReplicatorLoop::stage) (decode for the sink),
//! [`commit`](ReplicatorLoop::commit) (COPY into the staging tables, hand over to the merger) and
//! [`settle`](ReplicatorLoop::settle) (record a batch once the merger committed it).
//!
//! Where it can fail, and so where retries go: setting up (`run`: connections, the replicas,
//! the consumer, the assignment), `fetch` (the consumer task gone), `staged_ahead` (the staging
//! task panicked), `commit` (the COPY on the sink), `settle` (the batch's transaction on the
//! merging connection) and [`caught_up`](ReplicatorLoop::caught_up) (the broker's watermarks).
//! Each returns a [`ReplicatorError`], which says whether it is worth retrying.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use rdkafka::consumer::StreamConsumer;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_postgres::Client;

use super::committed::{self, Books, InFlight};
use super::replica::Replica;
use super::snapshot::fill;
use super::stage::{self, Staged};
use super::{Options, ReplicatorError, ReplicatorSnapshot, apply, merger};
use crate::pipeline::batches::{self, Batches, Record, sleep_until_opt};
use crate::pipeline::watermarks::Watermarks;

/// A batch staged on another thread while the previous one is COPYed and merged: its records
/// and what they stage to (`None`: a replica must be re-planned first, with the databases).
pub(super) type Ahead = JoinHandle<(Vec<Record>, Option<Staged>)>;

/// What woke the loop while it waited for the broker.
enum Woke {
    Stop,
    TimeLimit,
    Committed,
    Fetched(Option<batches::Fetched>),
}

/// The replicator between two batches.
pub(super) struct ReplicatorLoop<'a> {
    pub(super) opts: &'a Options,
    pub(super) source: Client,
    /// The replicator's own sink connection: COPYs into the staging tables, re-plans replicas
    /// (the merger has the other).
    pub(super) sink: Client,
    pub(super) replicas: Vec<Replica>,
    pub(super) consumer: Arc<StreamConsumer>,
    pub(super) incoming: Batches,
    /// For the caught-up check of `until_idle`.
    pub(super) marks: Watermarks,
    pub(super) assigned: Vec<(String, i32)>,
    pub(super) merger: merger::Merger,
    pub(super) books: Books,
    pub(super) snap: ReplicatorSnapshot,
    pub(super) snapshot: watch::Sender<ReplicatorSnapshot>,
    /// When the time limit is reached.
    pub(super) give_up: Option<tokio::time::Instant>,
    /// The next batch, staged while this one is COPYed and merged.
    pub(super) ahead: Option<Ahead>,
    /// The batch the merger is committing.
    pub(super) in_flight: Option<InFlight>,
    /// The staging tables (0 or 1) the next batch is COPYed into.
    pub(super) parity: usize,
    /// Since when the loop has been applying without waiting for the broker.
    pub(super) busy_since: Option<Instant>,
}

impl ReplicatorLoop<'_> {
    /// Turns the loop until stopped, caught up (with `until_idle`), out of time or failed; the
    /// batch in flight then still commits or fails first. Returns the last snapshot.
    pub(super) async fn run<S: Future<Output = ()>>(
        mut self,
        stop: Pin<&mut S>,
    ) -> Result<ReplicatorSnapshot, ReplicatorError> {
        let result = self.turn(stop).await;
        let settled = self.settle().await;
        self.end_busy();
        result?;
        settled?;
        self.snap.running = false;
        fill(&mut self.snap, &self.replicas);
        self.snapshot.send_replace(self.snap.clone());
        Ok(self.snap)
    }

    /// Batch after batch: the next one (staged ahead, or fetched and staged), then its commit.
    async fn turn<S: Future<Output = ()>>(
        &mut self,
        mut stop: Pin<&mut S>,
    ) -> Result<(), ReplicatorError> {
        loop {
            let (batch, staged) = match self.ahead.take() {
                Some(task) => {
                    if self.stopping(stop.as_mut()).await {
                        return Ok(());
                    }
                    self.staged_ahead(task).await?
                }
                None => match self.fetch(stop.as_mut()).await? {
                    None => return Ok(()),
                    Some(idle) if idle.is_empty() => {
                        self.settle().await?;
                        if self.opts.until_idle && self.caught_up().await? {
                            return Ok(());
                        }
                        continue;
                    }
                    Some(records) => {
                        self.busy_since.get_or_insert_with(Instant::now);
                        let staged = self.stage(&records).await?;
                        (records, staged)
                    }
                },
            };
            self.commit(batch, staged).await?;
            self.stage_ahead();
        }
    }

    /// Whether to stop now. Busy with staged batches, the loop does not wait in
    /// [`fetch`](Self::fetch): the stop and the time limit are checked here.
    async fn stopping<S: Future<Output = ()>>(&mut self, stop: Pin<&mut S>) -> bool {
        if futures::poll!(stop).is_ready() {
            return true;
        }
        if self.give_up.is_some_and(|at| tokio::time::Instant::now() >= at) {
            self.time_limit_reached();
            return true;
        }
        false
    }

    /// Waits for the next batch from the broker (empty: idle); the batch in flight settles
    /// meanwhile. `None`: stopped or out of time. Fails when the consumer task is gone, or the
    /// batch in flight failed.
    async fn fetch<S: Future<Output = ()>>(
        &mut self,
        mut stop: Pin<&mut S>,
    ) -> Result<Option<Vec<Record>>, ReplicatorError> {
        loop {
            let woke = tokio::select! {
                () = stop.as_mut() => Woke::Stop,
                () = sleep_until_opt(self.give_up) => Woke::TimeLimit,
                () = committed::committing(&mut self.in_flight), if self.in_flight.is_some() => {
                    Woke::Committed
                }
                f = self.incoming.recv() => Woke::Fetched(f),
            };
            match woke {
                Woke::Stop => return Ok(None),
                Woke::TimeLimit => {
                    self.time_limit_reached();
                    return Ok(None);
                }
                Woke::Committed => {
                    self.settle().await?;
                    self.end_busy();
                }
                Woke::Fetched(None) => return Err(ReplicatorError::Gone("consumer task")),
                Woke::Fetched(Some(f)) if f.out_of_range => {
                    return Err(ReplicatorError::OutOfRangeReported);
                }
                Woke::Fetched(Some(f)) => {
                    self.snap.consume_seconds += f.seconds;
                    return Ok(Some(f.records));
                }
            }
        }
    }

    /// The batch staged on another thread; staged again with the databases if a replica must
    /// be re-planned. Fails when the staging task panicked, or the batch in flight failed.
    async fn staged_ahead(
        &mut self,
        task: Ahead,
    ) -> Result<(Vec<Record>, Staged), ReplicatorError> {
        let (records, staged) =
            task.await.map_err(|source| ReplicatorError::Task { task: "staging", source })?;
        let staged = match staged {
            Some(s) => s,
            None => self.restage(&records).await?,
        };
        Ok((records, staged))
    }

    /// Decodes `records` for the sink on a copy of the replicas, or with the databases when a
    /// replica must be re-planned first (see [`restage`](Self::restage)).
    async fn stage(&mut self, records: &[Record]) -> Result<Staged, ReplicatorError> {
        match stage::stage_ahead(records, self.replicas.clone()) {
            Some(s) => Ok(s),
            None => self.restage(records).await,
        }
    }

    /// Stages `records` with the databases, once the batch in flight has settled: staging may
    /// re-plan a replica, which recreates its staging tables.
    async fn restage(&mut self, records: &[Record]) -> Result<Staged, ReplicatorError> {
        self.settle().await?;
        Ok(stage::stage(records, &mut self.replicas, &self.source, &self.sink).await)
    }

    /// COPYs a staged batch of `events` into this batch's staging tables while the merger
    /// commits the previous batch, then hands it over once that one committed: batches commit in
    /// order. Fails when the COPY did, or the previous batch.
    async fn commit(&mut self, batch: Vec<Record>, staged: Staged) -> Result<(), ReplicatorError> {
        let events = batch.len();
        let Staged { copy, distinct, segments, counts, progress, letters, committed_at } = staged;
        let replicas = &self.replicas;
        let taking: Vec<bool> =
            (0..replicas.len()).map(|i| !progress[i].is_empty() && replicas[i].active()).collect();
        let buffers = copy
            .into_iter()
            .enumerate()
            .filter(|(i, _)| taking[*i])
            .map(|(i, buf)| (replicas[i].cfg.name.as_str(), buf))
            .collect();
        apply::stage_batch(&mut self.sink, self.parity, buffers)
            .await
            .map_err(ReplicatorError::sink("copying a batch into the staging tables"))?;
        self.settle().await?;
        let work = (0..self.replicas.len())
            .filter(|&i| taking[i])
            .map(|i| merger::ReplicaWork {
                merge: self.replicas[i].merge[self.parity][usize::from(distinct[i])].clone(),
                sink: self.replicas[i].cfg.sink.clone(),
                name: self.replicas[i].cfg.name.clone(),
                segments: segments[i],
                progress: progress[i].clone(),
                events: counts[i],
            })
            .collect();
        let commit = self.merger.submit(work, letters, std::sync::Arc::new(batch)).await;
        tracing::debug!(events, "batch submitted");
        self.in_flight = Some(InFlight { commit, outcome: None, progress, counts, committed_at });
        self.parity ^= 1;
        Ok(())
    }

    /// The next batch, if already fetched, is staged on another thread while this one commits.
    fn stage_ahead(&mut self) {
        if let Some(next) = self.incoming.try_recv() {
            let copies = self.replicas.clone();
            self.ahead = Some(tokio::task::spawn_blocking(move || {
                let staged = stage::stage_ahead(&next.records, copies);
                (next.records, staged)
            }));
        }
    }

    /// Waits for the batch in flight, if any; once it committed, records it and publishes the
    /// snapshot. Fails with the batch's error.
    async fn settle(&mut self) -> Result<(), ReplicatorError> {
        let Some(batch) = self.in_flight.take() else { return Ok(()) };
        self.books.settle(batch, &mut self.replicas, &mut self.snap, &self.consumer).await?;
        self.snapshot.send_replace(self.snap.clone());
        Ok(())
    }

    /// Every active replica has applied every assigned partition up to its high watermark.
    async fn caught_up(&self) -> Result<bool, ReplicatorError> {
        let ends = self.marks.ends(&*self.consumer, &self.assigned).await?;
        Ok(self.assigned.iter().zip(ends).all(|((topic, p), end)| {
            self.replicas
                .iter()
                .filter(|r| r.active() && &r.cfg.topic == topic)
                .all(|r| end.reached_by(r.offsets.get(&(topic.clone(), *p)).copied()))
        }))
    }

    fn time_limit_reached(&mut self) {
        let limit = humantime::format_duration(self.opts.time_limit.unwrap_or_default());
        self.snap.error = Some(format!("time limit of {limit} reached before catching up"));
    }

    /// Adds the time since the loop stopped waiting for the broker to the apply time.
    fn end_busy(&mut self) {
        if let Some(since) = self.busy_since.take() {
            self.snap.apply_seconds += since.elapsed().as_secs_f64();
        }
    }
}

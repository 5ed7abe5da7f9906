//! A job against the real pipeline: consumes its topics, feeds the operator, and after every
//! batch commits the fired results, the late events, the dead letters and each touched
//! partition's checkpoint (state + next offset) in one sink transaction. On start each partition
//! is restored from its checkpoint and assigned at its next offset, so a restart neither double
//! counts nor loses.
//!
//! [`run`] is a short loop over a [`JobLoop`]: `start` (in `start.rs`) connects and restores,
//! then per batch `fetch`, `process_batch` (follow the group, apply, advance, then `idle` or
//! `commit`), and `finish`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::producer::BaseProducer;
use tokio::sync::watch;
use tokio_postgres::Client;

use super::batch;
use super::checkpoint;
use super::error::ProcessorError;
use super::group::GroupContext;
use super::outbox;
use super::partition_ids::PartitionIds;
use super::sink;
use super::snapshot::ProcessorSnapshot;
use crate::config::Config;
use crate::config::job::JobConfig;
use crate::pipeline::batches::{Batches, Fetched, sleep_until_opt};
use crate::pipeline::watermarks::Watermarks;
use crate::stats::SlidingHistogram;

#[derive(Debug, Clone)]
pub struct Options {
    pub max_batch: usize,
    /// How old a batch's first record gets before the batch is taken (more records then share
    /// its transaction): part of the firing delay. Under load, batches grow by themselves with
    /// what arrives during the previous write.
    pub max_latency: Duration,
    /// Stop once every partition is processed up to its high watermark.
    pub until_idle: bool,
    pub time_limit: Option<Duration>,
    /// Join the job's consumer group and process only the partitions it assigns (several
    /// instances split them); otherwise take every partition.
    pub group: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_batch: 10_000,
            max_latency: Duration::ZERO,
            until_idle: false,
            time_limit: None,
            group: false,
        }
    }
}

pub(super) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Runs `job` until `stop` (or idle, or the time limit); `paused` holds consumption. The
/// snapshot is published after every batch.
pub async fn run(
    config: &Config,
    job: &JobConfig,
    opts: &Options,
    mut paused: watch::Receiver<bool>,
    stop: impl std::future::Future<Output = ()>,
    snapshot: watch::Sender<ProcessorSnapshot>,
) -> Result<ProcessorSnapshot, ProcessorError> {
    tokio::pin!(stop);
    let Some(mut job_loop) = JobLoop::start(config, job, opts, &snapshot, stop.as_mut()).await?
    else {
        return Ok(ProcessorSnapshot::of(job));
    };
    loop {
        if !job_loop.hold_while_paused(&mut paused, &mut stop).await {
            break;
        }
        let fetched = match job_loop.fetch(&mut paused, &mut stop).await? {
            Fetch::Batch(f) => f,
            Fetch::Again => continue,
            Fetch::Stop => break,
        };
        if job_loop.process_batch(fetched).await? == Flow::Stop {
            break;
        }
    }
    Ok(job_loop.finish())
}

/// What waiting for the next batch came to.
pub(super) enum Fetch {
    Batch(Fetched),
    /// Paused or resumed meanwhile: look again.
    Again,
    /// Stopped, or out of time.
    Stop,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    /// Every owned partition is processed to its end (`until_idle`).
    Stop,
}

/// One job's run: what the loop carries from batch to batch.
pub(super) struct JobLoop<'a> {
    pub(super) job: &'a JobConfig,
    pub(super) opts: &'a Options,
    pub(super) timeout: Duration,
    pub(super) ids: PartitionIds,
    pub(super) sink: Client,
    pub(super) output: sink::Output,
    pub(super) decoder: crate::pipeline::processor::ChangeDecoder,
    pub(super) op: crate::pipeline::processor::Operator,
    /// What the last checkpoints wrote, per operator partition.
    pub(super) stored: checkpoint::Written,
    pub(super) consumer: Arc<StreamConsumer<GroupContext>>,
    pub(super) marks: Watermarks,
    /// The job's output topic's producer, if it has one.
    pub(super) results_out: Option<BaseProducer>,
    pub(super) incoming: Batches,
    /// When `time_limit` runs out.
    pub(super) give_up: Option<tokio::time::Instant>,
    pub(super) snap: ProcessorSnapshot,
    pub(super) snapshot: &'a watch::Sender<ProcessorSnapshot>,
    /// Firing delays over the last minute.
    pub(super) firing: SlidingHistogram,
    pub(super) first_batch: Option<Instant>,
}

/// What one batch's records did, and what the watermark they moved fired.
struct Produced {
    applied: batch::Applied,
    emission: crate::pipeline::processor::Emission,
}

impl JobLoop<'_> {
    /// Waits while paused; false when stopped meanwhile.
    async fn hold_while_paused(
        &mut self,
        paused: &mut watch::Receiver<bool>,
        stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> bool {
        while *paused.borrow() {
            self.snap.paused = true;
            self.snapshot.send_replace(self.snap.clone());
            tokio::select! {
                () = stop.as_mut() => return false,
                r = paused.changed() => if r.is_err() { break },
            }
        }
        self.snap.paused = false;
        true
    }

    /// The next batch, unless stopped, out of time, or paused meanwhile.
    async fn fetch(
        &mut self,
        paused: &mut watch::Receiver<bool>,
        stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> Result<Fetch, ProcessorError> {
        Ok(tokio::select! {
            () = stop.as_mut() => Fetch::Stop,
            () = sleep_until_opt(self.give_up) => {
                self.snap.error = Some("time limit reached before catching up".into());
                Fetch::Stop
            }
            _ = paused.changed() => Fetch::Again,
            f = self.incoming.recv() => Fetch::Batch(f.ok_or(ProcessorError::ConsumerEnded)?),
        })
    }

    /// Applies a batch and commits what it produced; or, when it produced nothing, publishes
    /// the figures and sees whether the job is caught up.
    async fn process_batch(&mut self, fetched: Fetched) -> Result<Flow, ProcessorError> {
        if fetched.out_of_range {
            return Err(ProcessorError::OutOfRangeReported { job: self.job.name.clone() });
        }
        let arrived = fetched.records.first().map_or_else(Instant::now, |r| r.received);
        let (owned, owned_pids) = self.follow_group().await?;
        let now = now_ms();
        let applied = batch::apply(
            &mut self.op,
            &self.decoder,
            self.job,
            &fetched.records,
            &|t: &str, p: i32| self.ids.pid(t, p),
            &owned_pids,
            now,
        );
        self.snap.truncates += applied.truncates;
        let mut produced = Produced { applied, emission: self.op.advance(now_ms()) };
        let fired = produced.emission.results.iter().map(|r| r.partition);
        produced.applied.touched.extend(fired);
        if produced.applied.touched.is_empty() && produced.applied.late.is_empty() {
            return self.idle(&owned).await;
        }
        self.commit(produced, arrived).await?;
        Ok(Flow::Continue)
    }

    /// Follows the group: drops revoked partitions (their next owner resumes from the last
    /// checkpoint), restores newly owned ones from theirs before applying their records.
    /// Returns the partitions owned, as (topic, partition) and as operator numbers.
    async fn follow_group(
        &mut self,
    ) -> Result<(BTreeSet<(String, i32)>, BTreeSet<i32>), ProcessorError> {
        if let Some(e) = self.consumer.context().failed() {
            return Err(e.into());
        }
        let owned = self.consumer.context().owned();
        let owned_pids = self.ids.of_all(&owned);
        for p in self.op.partitions() {
            if !owned_pids.contains(&p) {
                self.op.revoke(p);
                self.stored.forget(p);
            }
        }
        self.restore(&owned_pids).await?;
        Ok((owned, owned_pids))
    }

    /// Restores from their checkpoints the `owned` partitions the operator does not hold yet.
    async fn restore(&mut self, owned: &BTreeSet<i32>) -> Result<(), ProcessorError> {
        let ids = &self.ids;
        let pid = |t: &str, p: i32| ids.pid(t, p);
        checkpoint::restore_new(
            &mut self.op,
            &self.sink,
            &self.job.name,
            owned,
            &pid,
            &mut self.stored,
        )
        .await
    }

    /// A batch that fired nothing and refused nothing: stop if `until_idle` and caught up,
    /// else publish the figures.
    async fn idle(&mut self, owned: &BTreeSet<(String, i32)>) -> Result<Flow, ProcessorError> {
        if self.opts.until_idle && self.consumer.context().generation() > 0 {
            let pid = |t: &str, p: i32| self.ids.pid(t, p);
            let consumer = self.consumer.as_ref();
            if super::group::caught_up(&self.marks, consumer, &self.op, owned, &pid).await? {
                return Ok(Flow::Stop);
            }
        }
        self.publish_stats();
        Ok(Flow::Continue)
    }

    /// One transaction: results, late events, dead letters, checkpoints; then the output
    /// topic's rows and Kafka's committed offsets, and the figures.
    async fn commit(&mut self, produced: Produced, arrived: Instant) -> Result<(), ProcessorError> {
        let Produced { applied, emission } = produced;
        let ids = &self.ids;
        let topic_of = |p: i32| ids.topic_of(p);
        let tx = self.sink.transaction().await.map_err(ProcessorError::Sink)?;
        let commit = batch::Commit {
            results: &emission.results,
            late: &applied.late,
            letters: &applied.letters,
            touched: &applied.touched,
        };
        let (job, output) = (self.job, &self.output);
        let (new_letters, written) =
            batch::write(&tx, job, output, topic_of, commit, &mut self.op, &mut self.stored)
                .await
                .map_err(ProcessorError::Sink)?;
        tx.commit().await.map_err(ProcessorError::Sink)?;
        let committed = SystemTime::now();
        // The firing delay ends at the sink commit, before the results feed is sent.
        let delay = arrived.elapsed().as_millis() as i64;
        self.relay().await?;
        self.commit_offsets(&applied.touched);
        for _ in emission.results.iter().filter(|r| !r.late_firing) {
            self.firing.record(delay, committed);
        }
        let started = *self.first_batch.get_or_insert_with(Instant::now);
        let snap = &mut self.snap;
        snap.events += applied.applied;
        snap.events_per_sec = snap.events as f64 / started.elapsed().as_secs_f64().max(1e-3);
        snap.late_events += applied.late.len() as u64;
        snap.dead_letters += new_letters;
        super::fired::keep_latest(&mut snap.latest_windows, self.job, &written);
        snap.checkpoints += 1;
        snap.last_checkpoint = Some(committed);
        snap.firing_delay_ms = self.firing.percentiles(committed);
        self.publish_stats();
        Ok(())
    }

    async fn relay(&self) -> Result<(), ProcessorError> {
        relay(&self.sink, self.results_out.as_ref(), self.job, self.timeout).await
    }

    /// Kafka's committed offsets are for lag display only; the checkpoints are the truth.
    fn commit_offsets(&self, touched: &BTreeSet<i32>) {
        let mut kafka = rdkafka::TopicPartitionList::new();
        for p in touched {
            if let Some(next) = self.op.next_offset(*p) {
                let (topic, partition) = self.ids.topic_of(*p);
                let _ =
                    kafka.add_partition_offset(&topic, partition, rdkafka::Offset::Offset(next));
            }
        }
        let _ = self.consumer.commit(&kafka, rdkafka::consumer::CommitMode::Async);
    }

    /// The operator's figures and the watermark delay, published.
    fn publish_stats(&mut self) {
        self.snap.stats = Some(self.op.stats());
        self.snap.watermark_delay_ms =
            self.snap.stats.as_ref().and_then(|s| s.job_watermark).map(|w| now_ms() - w);
        self.snapshot.send_replace(self.snap.clone());
    }

    /// The last snapshot, published as not running.
    fn finish(mut self) -> ProcessorSnapshot {
        self.snap.running = false;
        self.snapshot.send_replace(self.snap.clone());
        self.snap
    }
}

/// The job's committed output rows to its output topic, if it has one.
pub(super) async fn relay(
    sink: &Client,
    producer: Option<&BaseProducer>,
    job: &JobConfig,
    timeout: Duration,
) -> Result<(), ProcessorError> {
    if let (Some(p), Some(topic)) = (producer, &job.output.topic) {
        outbox::relay(sink, p, &job.name, topic, timeout).await?;
    }
    Ok(())
}

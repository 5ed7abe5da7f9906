//! The replicator: consumes the Debezium topics of the configured replicas and maintains their
//! tables in the sink, exactly once.
//!
//! Each batch is one sink transaction (on the merger's connection, `merger.rs`): one merge per
//! replica from the staging tables the batch was COPYed into just before, the consumed offsets
//! per replica and partition (`cdc.progress`), the applied-event counter (`cdc.replica_stats`)
//! and the dead letters. On start the partitions are assigned at the stored offsets;
//! Kafka-committed offsets are written afterwards for lag display only.

pub mod apply;
mod assign;
mod committed;
pub mod copy_binary;
mod copy_text;
mod merger;
pub mod offsets;
pub mod schema;
mod snapshot;
mod stage;
mod staging;
mod temporal;
mod tuples;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::StreamConsumer;
use tokio::sync::watch;
use tokio_postgres::Client;

use crate::config::{Config, ReplicaConfig};
use crate::pipeline::batches::{self, Record, sleep_until_opt};
use crate::pipeline::deadletter;
use crate::pipeline::watermarks::Watermarks;
use crate::stats::SlidingHistogram;
use offsets::Offsets;
use snapshot::fill;
pub use snapshot::{PartitionOffset, ReplicaStatus, ReplicatorSnapshot};

#[derive(Debug, Clone)]
pub struct Options {
    /// Most events in one batch (one transaction).
    pub max_batch: usize,
    /// Longest a batch waits for more events after its first.
    pub max_latency: Duration,
    /// Stop once every assigned partition is applied up to its high watermark.
    pub until_idle: bool,
    /// Stop after this long whatever the progress (the snapshot's `error` says so).
    pub time_limit: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_batch: 20_000,
            max_latency: Duration::from_millis(100),
            until_idle: false,
            time_limit: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReplicatorError {
    #[error("sink: {0}")]
    Sink(String),
    #[error("source: {0}")]
    Source(String),
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("no replica can run: {0}")]
    NoReplica(String),
    #[error("kafka: {0}")]
    Topics(#[from] crate::pipeline::topics::TopicError),
}

fn sink_err(e: tokio_postgres::Error) -> ReplicatorError {
    ReplicatorError::Sink(crate::pg::message(&e))
}

#[derive(Clone)]
struct Replica {
    cfg: ReplicaConfig,
    plan: Option<schema::Plan>,
    /// The merge statements for staging tables 0 and 1, each without and with `DISTINCT ON`.
    merge: [[String; 2]; 2],
    offsets: Offsets,
    error: Option<String>,
    applied: u64,
}

impl Replica {
    fn active(&self) -> bool {
        self.error.is_none() && self.plan.is_some()
    }
    /// Whether this replica still has to apply `offset` of (topic, partition).
    fn wants(&self, topic: &str, partition: i32, offset: i64) -> bool {
        self.active()
            && self.cfg.topic == topic
            && self.offsets.get(&(topic.to_string(), partition)).is_none_or(|&next| offset >= next)
    }
    fn fail(&mut self, e: impl std::fmt::Display) {
        tracing::error!(replica = %self.cfg.name, "replica stopped: {e}");
        self.error = Some(e.to_string());
    }
}

/// (Re)reads the source table, plans the replica and brings its sink table and its staging
/// tables up to date. No batch may be in flight (the staging tables are dropped).
async fn prepare(source: &Client, sink: &Client, r: &mut Replica) {
    let shape = match crate::pg::read_shape(source, &r.cfg.source).await {
        Ok(Some(s)) => s,
        Ok(None) => return r.fail(format!("source table {} does not exist", r.cfg.source)),
        Err(e) => return r.fail(format!("source: {}", crate::pg::message(&e))),
    };
    let plan = match schema::plan(&r.cfg, &shape) {
        Ok(p) => p,
        Err(e) => return r.fail(e),
    };
    if let Err(e) = schema::ensure_sink(sink, &r.cfg, &plan).await {
        return r.fail(e);
    }
    if let Err(e) = sink.batch_execute(&apply::stage_ddl(&r.cfg.name, &plan)).await {
        return r.fail(format!("sink: {}", crate::pg::message(&e)));
    }
    r.merge = [0, 1].map(|parity| {
        [false, true].map(|distinct| apply::merge_sql(parity, distinct, &r.cfg, &plan))
    });
    r.plan = Some(plan);
}

/// Runs until `stop` resolves (or, with `until_idle`, until caught up); the snapshot is
/// published after every batch. Returns the last snapshot.
pub async fn run(
    config: &Config,
    opts: &Options,
    stop: impl std::future::Future<Output = ()>,
    snapshot: watch::Sender<ReplicatorSnapshot>,
) -> Result<ReplicatorSnapshot, ReplicatorError> {
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    let mut sink =
        crate::pipeline::connect(&config.sink, timeout, "replicator").await.map_err(sink_err)?;
    let source = crate::pipeline::connect(&config.source, timeout, "replicator")
        .await
        .map_err(|e| ReplicatorError::Source(crate::pg::message(&e)))?;
    crate::pipeline::create_if_missing(&sink, &[offsets::DDL, deadletter::DDL].join(";\n"))
        .await
        .map_err(sink_err)?;

    let mut replicas = Vec::new();
    for cfg in &config.replicas {
        let offsets = offsets::load(&sink, &cfg.name).await.map_err(sink_err)?;
        let mut r = Replica {
            cfg: cfg.clone(),
            plan: None,
            merge: Default::default(),
            offsets,
            error: None,
            applied: 0,
        };
        match staging::claim(&sink, &cfg.name, timeout).await {
            Ok(()) => prepare(&source, &sink, &mut r).await,
            Err(e) => r.fail(e),
        }
        replicas.push(r);
    }
    let ours: Vec<&str> = config.replicas.iter().map(|r| r.name.as_str()).collect();
    match staging::sweep(&sink, &ours).await {
        Ok(dropped) if !dropped.is_empty() => {
            tracing::info!(tables = ?dropped, "dropped the staging tables of replicas no replicator applies")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("sweeping staging tables of removed replicas: {e}"),
    }
    if !replicas.iter().any(Replica::active) {
        let why: Vec<String> = replicas.iter().filter_map(|r| r.error.clone()).collect();
        return Err(ReplicatorError::NoReplica(if why.is_empty() {
            "none configured".into()
        } else {
            why.join("; ")
        }));
    }

    let consumer: Arc<StreamConsumer> = Arc::new(
        crate::kafka::client_config(config)
            .set("group.id", "cdc-console-replicator")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // Catching up is fetch-bound: fetch and queue more at once.
            .set("max.partition.fetch.bytes", "16777216")
            .set("queued.min.messages", "1000000")
            .create()?,
    );
    let marks = Watermarks::new(crate::kafka::client_config(config), timeout)?;
    let mut snap = ReplicatorSnapshot {
        running: true,
        dead_letters: deadletter::count(&sink).await.map_err(sink_err)?,
        ..Default::default()
    };
    fill(&mut snap, &replicas);
    tokio::pin!(stop);
    let waiting = |missing: &[String]| {
        snapshot.send_replace(ReplicatorSnapshot { waiting_for: missing.to_vec(), ..snap.clone() });
    };
    let Some(assigned) =
        assign::assign(&consumer, &replicas, timeout, opts.until_idle, waiting, stop.as_mut())
            .await?
    else {
        snap.running = false;
        snapshot.send_replace(snap.clone());
        return Ok(snap);
    };

    let merger = merger::Merger::start(
        crate::pipeline::connect(&config.sink, timeout, "replicator").await.map_err(sink_err)?,
    );
    let mut books = committed::Books {
        first_batch: None,
        latency: SlidingHistogram::new(Duration::from_secs(60), 12),
        max_lsn: None,
    };
    // Fetching overlaps applying: a task collects the next batches while this one is applied.
    let mut incoming = batches::spawn(consumer.clone(), opts.max_batch, opts.max_latency);
    let give_up = opts.time_limit.map(|d| tokio::time::Instant::now() + d);
    let time_limit_reached = || {
        format!(
            "time limit of {} reached before catching up",
            humantime::format_duration(opts.time_limit.unwrap_or_default())
        )
    };
    // The next batch, staged while this one is COPYed and merged (None inside: to stage again).
    let mut ahead: Option<tokio::task::JoinHandle<(Vec<Record>, Option<stage::Staged>)>> = None;
    // The batch the merger is committing, and the staging tables the next batch goes into.
    let mut in_flight: Option<committed::InFlight> = None;
    let mut parity = 0;
    // Since when the loop has been applying without waiting for the broker.
    let mut busy_since: Option<Instant> = None;
    let result: Result<(), ReplicatorError> = async {
        loop {
            let (batch, staged) = match ahead.take() {
                Some(task) => {
                    // Busy with staged batches, the loop does not wait in the select below: the
                    // stop and the time limit are checked here.
                    if futures::poll!(stop.as_mut()).is_ready() {
                        return Ok(());
                    }
                    if give_up.is_some_and(|at| tokio::time::Instant::now() >= at) {
                        snap.error = Some(time_limit_reached());
                        return Ok(());
                    }
                    let (batch, staged) = task.await.map_err(|e| ReplicatorError::NoReplica(format!("staging task: {e}")))?;
                    let staged = match staged {
                        Some(s) => s,
                        None => {
                            // Staging may re-plan a replica, which recreates its staging tables.
                            committed::settle(&mut in_flight, &mut books, &mut replicas, &mut snap, &consumer, &snapshot).await?;
                            stage::stage(&batch, &mut replicas, &source, &sink).await
                        }
                    };
                    (batch, staged)
                }
                None => {
                    // Waiting for the broker, the batch in flight commits meanwhile.
                    let fetched = loop {
                        tokio::select! {
                            _ = &mut stop => return Ok(()),
                            _ = sleep_until_opt(give_up) => {
                                snap.error = Some(time_limit_reached());
                                return Ok(());
                            }
                            _ = committed::committing(&mut in_flight), if in_flight.is_some() => {
                                committed::settle(&mut in_flight, &mut books, &mut replicas, &mut snap, &consumer, &snapshot).await?;
                                if let Some(since) = busy_since.take() {
                                    snap.apply_seconds += since.elapsed().as_secs_f64();
                                }
                            }
                            f = incoming.recv() => match f {
                                Some(f) => break f,
                                None => return Err(ReplicatorError::NoReplica("the consumer task ended".into())),
                            },
                        }
                    };
                    snap.consume_seconds += fetched.seconds;
                    if fetched.records.is_empty() {
                        committed::settle(&mut in_flight, &mut books, &mut replicas, &mut snap, &consumer, &snapshot).await?;
                        if opts.until_idle && caught_up(&marks, &consumer, &replicas, &assigned).await? {
                            return Ok(());
                        }
                        continue;
                    }
                    busy_since.get_or_insert_with(Instant::now);
                    let staged = match stage::stage_ahead(&fetched.records, replicas.clone()) {
                        Some(s) => s,
                        None => {
                            committed::settle(&mut in_flight, &mut books, &mut replicas, &mut snap, &consumer, &snapshot).await?;
                            stage::stage(&fetched.records, &mut replicas, &source, &sink).await
                        }
                    };
                    (fetched.records, staged)
                }
            };
            let stage::Staged { copy, distinct, segments, counts, progress, letters, committed_at } = staged;
            let taking: Vec<bool> = (0..replicas.len()).map(|i| !progress[i].is_empty() && replicas[i].active()).collect();

            // COPY into this batch's staging tables while the merger commits the previous batch,
            // then hand this one over once that committed: batches commit in order.
            let buffers = copy.into_iter().enumerate().filter(|(i, _)| taking[*i]).map(|(i, buf)| (replicas[i].cfg.name.as_str(), buf)).collect();
            apply::stage_batch(&mut sink, parity, buffers).await.map_err(sink_err)?;
            committed::settle(&mut in_flight, &mut books, &mut replicas, &mut snap, &consumer, &snapshot).await?;
            let work = (0..replicas.len())
                .filter(|&i| taking[i])
                .map(|i| merger::ReplicaWork {
                    merge: replicas[i].merge[parity][usize::from(distinct[i])].clone(),
                    sink: replicas[i].cfg.sink.clone(),
                    name: replicas[i].cfg.name.clone(),
                    segments: segments[i],
                    progress: progress[i].clone(),
                    events: counts[i],
                })
                .collect();
            let commit = merger.submit(work, letters).await;
            tracing::debug!(events = batch.len(), "batch submitted");
            in_flight = Some(committed::InFlight { commit, outcome: None, progress, counts, committed_at });
            parity ^= 1;
            // The next batch, if already fetched, is staged on another thread meanwhile.
            if let Some(next) = incoming.try_recv() {
                let copies = replicas.clone();
                ahead = Some(tokio::task::spawn_blocking(move || {
                    let staged = stage::stage_ahead(&next.records, copies);
                    (next.records, staged)
                }));
            }
        }
    }
    .await;
    // Stopping (or failing elsewhere), the batch in flight still commits or fails first.
    let settled = committed::settle(
        &mut in_flight,
        &mut books,
        &mut replicas,
        &mut snap,
        &consumer,
        &snapshot,
    )
    .await;
    if let Some(since) = busy_since.take() {
        snap.apply_seconds += since.elapsed().as_secs_f64();
    }
    result?;
    settled?;
    snap.running = false;
    fill(&mut snap, &replicas);
    snapshot.send_replace(snap.clone());
    Ok(snap)
}

/// Every active replica has applied every assigned partition up to its high watermark.
async fn caught_up(
    marks: &Watermarks,
    consumer: &StreamConsumer,
    replicas: &[Replica],
    assigned: &[(String, i32)],
) -> Result<bool, ReplicatorError> {
    let ends = marks.of(assigned).await?;
    let positions = crate::pipeline::watermarks::positions(consumer);
    for ((topic, p), (low, high)) in assigned.iter().zip(ends) {
        let position = positions.get(&(topic.clone(), *p)).copied().unwrap_or(0);
        for r in replicas.iter().filter(|r| r.active() && &r.cfg.topic == topic) {
            let next = r.offsets.get(&(topic.clone(), *p)).copied().unwrap_or(low).max(position);
            if next < high {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

//! The replicator: consumes the Debezium topics of the configured replicas and maintains their
//! tables in the sink, exactly once.
//!
//! Each batch is one sink transaction: rows (COPY into staging + one merge per replica), the
//! consumed offsets per replica and partition (`cdc.progress`), the applied-event counter
//! (`cdc.replica_stats`) and the dead letters. On start the partitions are assigned at the
//! stored offsets; Kafka-committed offsets are written afterwards for lag display only.

pub mod apply;
mod assign;
pub mod copy_binary;
mod copy_text;
pub mod deadletter;
pub mod offsets;
pub mod schema;
mod snapshot;
mod stage;
mod temporal;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use tokio_postgres::Client;

use crate::collectors::latency::window::SlidingHistogram;
use crate::config::{Config, ReplicaConfig};
use crate::pipeline::batches::{self, Record, sleep_until_opt};
use offsets::Offsets;
pub use snapshot::{PartitionOffset, ReplicaStatus, ReplicatorSnapshot};
use snapshot::fill;

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
        Self { max_batch: 20_000, max_latency: Duration::from_millis(100), until_idle: false, time_limit: None }
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

/// A database error with PostgreSQL's own message and detail.
pub fn pg_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{}: {} ({detail})", d.severity(), d.message()),
            None => format!("{}: {}", d.severity(), d.message()),
        },
        None => e.to_string(),
    }
}

fn sink_err(e: tokio_postgres::Error) -> ReplicatorError {
    ReplicatorError::Sink(pg_error(&e))
}

#[derive(Clone)]
struct Replica {
    cfg: ReplicaConfig,
    plan: Option<schema::Plan>,
    merge: String,
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

/// (Re)reads the source table, plans replica `i` and brings its sink table and, on the batch
/// connection `sink`, its staging table up to date.
async fn prepare(source: &Client, sink: &Client, r: &mut Replica, i: usize) {
    let shape = match schema::read_shape(source, &r.cfg.source).await {
        Ok(Some(s)) => s,
        Ok(None) => return r.fail(format!("source table {} does not exist", r.cfg.source)),
        Err(e) => return r.fail(format!("source: {}", pg_error(&e))),
    };
    let plan = match schema::plan(&r.cfg, &shape) {
        Ok(p) => p,
        Err(e) => return r.fail(e),
    };
    if let Err(e) = schema::ensure_sink(sink, &r.cfg, &plan).await {
        return r.fail(e);
    }
    if let Err(e) = sink.batch_execute(&apply::stage_ddl(i, &plan)).await {
        return r.fail(format!("sink: {}", pg_error(&e)));
    }
    r.merge = apply::merge_sql(i, &r.cfg, &plan);
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
    let mut sink = crate::pipeline::connect(&config.sink, timeout, "replicator").await.map_err(sink_err)?;
    let source = crate::pipeline::connect(&config.source, timeout, "replicator").await.map_err(|e| ReplicatorError::Source(pg_error(&e)))?;
    crate::pipeline::create_if_missing(&sink, &[offsets::DDL, deadletter::DDL].join(";\n")).await.map_err(sink_err)?;

    let mut replicas = Vec::new();
    for cfg in &config.replicas {
        let offsets = offsets::load(&sink, &cfg.name).await.map_err(sink_err)?;
        let mut r = Replica { cfg: cfg.clone(), plan: None, merge: String::new(), offsets, error: None, applied: 0 };
        prepare(&source, &sink, &mut r, replicas.len()).await;
        replicas.push(r);
    }
    if !replicas.iter().any(Replica::active) {
        let why: Vec<String> = replicas.iter().filter_map(|r| r.error.clone()).collect();
        return Err(ReplicatorError::NoReplica(if why.is_empty() { "none configured".into() } else { why.join("; ") }));
    }

    let consumer: Arc<StreamConsumer> = Arc::new(
        crate::collectors::kafka::client_config(config)
            .set("group.id", "cdc-console-replicator")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // Catching up is fetch-bound on single-record batches: fetch and queue more at once.
            .set("max.partition.fetch.bytes", "16777216")
            .set("queued.min.messages", "1000000")
            .create()?,
    );
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
    let Some(assigned) = assign::assign(&consumer, &replicas, timeout, opts.until_idle, waiting, stop.as_mut()).await? else {
        snap.running = false;
        snapshot.send_replace(snap.clone());
        return Ok(snap);
    };

    let mut first_batch: Option<Instant> = None;
    let mut latency = SlidingHistogram::new(Duration::from_secs(60), 12);
    let mut max_lsn: Option<u64> = None;
    // Fetching overlaps applying: a task collects the next batches while this one is applied.
    let mut incoming = batches::spawn(consumer.clone(), opts.max_batch, opts.max_latency);
    let give_up = opts.time_limit.map(|d| tokio::time::Instant::now() + d);
    let time_limit_reached = || format!("time limit of {} reached before catching up", humantime::format_duration(opts.time_limit.unwrap_or_default()));
    // The next batch, staged while this one's transaction ran (None inside: to stage again).
    let mut ahead: Option<tokio::task::JoinHandle<(Vec<Record>, Option<stage::Staged>)>> = None;
    'run: loop {
        let (batch, staged, applying) = match ahead.take() {
            Some(task) => {
                // Busy with staged batches, the loop does not wait in the select below: the stop
                // and the time limit are checked here.
                if futures::poll!(stop.as_mut()).is_ready() {
                    break 'run;
                }
                if give_up.is_some_and(|at| tokio::time::Instant::now() >= at) {
                    snap.error = Some(time_limit_reached());
                    break 'run;
                }
                let (batch, staged) = task.await.map_err(|e| ReplicatorError::NoReplica(format!("staging task: {e}")))?;
                let applying = Instant::now();
                let staged = match staged {
                    Some(s) => s,
                    None => stage::stage(&batch, &mut replicas, &source, &sink).await,
                };
                (batch, staged, applying)
            }
            None => {
                let fetched = tokio::select! {
                    _ = &mut stop => break 'run,
                    _ = sleep_until_opt(give_up) => {
                        snap.error = Some(time_limit_reached());
                        break 'run;
                    }
                    f = incoming.recv() => match f {
                        Some(f) => f,
                        None => return Err(ReplicatorError::NoReplica("the consumer task ended".into())),
                    },
                };
                let batch = fetched.records;
                snap.consume_seconds += fetched.seconds;
                let applying = Instant::now();
                if batch.is_empty() {
                    if opts.until_idle && caught_up(&consumer, &replicas, &assigned, timeout).await? {
                        break;
                    }
                    continue;
                }
                let staged = stage::stage(&batch, &mut replicas, &source, &sink).await;
                (batch, staged, applying)
            }
        };
        let stage::Staged { mut copy, segments, counts, progress, letters, committed_at } = staged;
        // Staging is CPU here and the transaction is the sink's: the next batch, if already
        // fetched, is staged on another thread meanwhile.
        if let Some(next) = incoming.try_recv() {
            let copies = replicas.clone();
            ahead = Some(tokio::task::spawn_blocking(move || {
                let staged = stage::stage_ahead(&next.records, copies);
                (next.records, staged)
            }));
        }

        // One transaction: rows, offsets, counters, dead letters.
        let tx = sink.transaction().await.map_err(sink_err)?;
        for (i, r) in replicas.iter().enumerate() {
            if progress[i].is_empty() || !r.active() {
                continue;
            }
            if !copy[i].is_empty() {
                apply::copy(&tx, i, std::mem::take(&mut copy[i])).await.map_err(sink_err)?;
            }
            for seg in 0..=segments[i] {
                tx.query_one(&r.merge, &[&seg]).await.map_err(sink_err)?;
                if seg < segments[i] {
                    tx.batch_execute(&format!("TRUNCATE {}", schema::qualified(&r.cfg.sink))).await.map_err(sink_err)?;
                }
            }
            offsets::store(&tx, &r.cfg.name, &progress[i], counts[i]).await.map_err(sink_err)?;
        }
        let new_letters = deadletter::record(&tx, &letters).await.map_err(sink_err)?;
        tx.commit().await.map_err(sink_err)?;
        let now = std::time::SystemTime::now();
        let now_ms = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        for ts in committed_at {
            latency.record((now_ms - ts).max(0), now);
        }

        // Committed: advance in memory, tell Kafka (lag display only), publish.
        let mut kafka = TopicPartitionList::new();
        for (i, r) in replicas.iter_mut().enumerate() {
            for ((t, p), (next, lsn)) in &progress[i] {
                r.offsets.insert((t.clone(), *p), *next);
                max_lsn = max_lsn.max(*lsn);
                let _ = kafka.add_partition_offset(t, *p, Offset::Offset(*next));
            }
            r.applied += counts[i] as u64;
        }
        let _ = consumer.commit(&kafka, CommitMode::Async);
        let started = *first_batch.get_or_insert_with(Instant::now);
        snap.batches += 1;
        snap.apply_seconds += applying.elapsed().as_secs_f64();
        tracing::debug!(events = batch.len(), ms = applying.elapsed().as_millis() as u64, "batch applied");
        snap.events += counts.iter().sum::<i64>() as u64;
        snap.dead_letters += new_letters;
        snap.rows_per_sec = snap.events as f64 / started.elapsed().as_secs_f64().max(1e-3);
        snap.applied_lsn = max_lsn.map(offsets::lsn_text);
        snap.commit_latency_ms = latency.percentiles(now);
        fill(&mut snap, &replicas);
        snapshot.send_replace(snap.clone());
    }
    snap.running = false;
    fill(&mut snap, &replicas);
    snapshot.send_replace(snap.clone());
    Ok(snap)
}

/// Every active replica has applied every assigned partition up to its high watermark.
async fn caught_up(
    consumer: &Arc<StreamConsumer>,
    replicas: &[Replica],
    assigned: &[(String, i32)],
    timeout: Duration,
) -> Result<bool, ReplicatorError> {
    for (topic, p) in assigned {
        let c = consumer.clone();
        let (t, part) = (topic.clone(), *p);
        let (low, high) =
            tokio::task::spawn_blocking(move || c.fetch_watermarks(&t, part, timeout)).await.expect("watermarks task")?;
        for r in replicas.iter().filter(|r| r.active() && &r.cfg.topic == topic) {
            let next = r.offsets.get(&(topic.clone(), *p)).copied().unwrap_or(low);
            if next < high {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

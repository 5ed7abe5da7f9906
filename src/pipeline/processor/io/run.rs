//! A job against the real pipeline: consumes its topics, feeds the operator, and after every
//! batch commits the fired results, the late events, the dead letters and each touched
//! partition's checkpoint (state + next offset) in one sink transaction. On start each partition
//! is restored from its checkpoint and assigned at its next offset, so a restart neither double
//! counts nor loses.
//!
//! Partitions of several topics are numbered `topic index × 100,000 + partition` inside the
//! operator.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{Consumer, StreamConsumer};
use tokio::sync::watch;
use tokio_postgres::Client;

use super::batch;
use super::checkpoint;
use super::error::ProcessorError;
use super::group::GroupContext;
use super::input_topics;
use super::outbox;
use super::output_topic;
use super::sink;
use super::snapshot::ProcessorSnapshot;
use crate::config::Config;
use crate::config::job::JobConfig;
use crate::pg::message as pg_error;
use crate::pipeline::batches::{self, sleep_until_opt};
use crate::pipeline::deadletter;
use crate::pipeline::processor::{ChangeDecoder, Operator};
use crate::stats::SlidingHistogram;

pub const TOPIC_STRIDE: i32 = 100_000;

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

pub(crate) fn now_ms() -> i64 {
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
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    let mut sink = crate::pipeline::connect(&config.sink, timeout, "processor")
        .await
        .map_err(|e| ProcessorError::Sink(pg_error(&e)))?;
    let source = crate::pipeline::connect(&config.source, timeout, "processor")
        .await
        .map_err(|e| ProcessorError::Source(pg_error(&e)))?;
    super::identity::check(&source, job).await?;
    let ddl = [sink::DDL, checkpoint::DDL, deadletter::DDL].join(";\n");
    crate::pipeline::create_if_missing(&sink, &ddl)
        .await
        .map_err(|e| ProcessorError::Sink(pg_error(&e)))?;
    let mut stored = checkpoint::Written::default();
    let output = sink::ensure_output(&sink, &source, job).await.map_err(ProcessorError::Sink)?;

    let pid = |topic: &str, partition: i32| {
        job.topics.iter().position(|t| t == topic).map(|i| i as i32 * TOPIC_STRIDE + partition)
    };
    let topic_of = |pid: i32| {
        (
            job.topics.get((pid / TOPIC_STRIDE) as usize).cloned().unwrap_or_default(),
            pid % TOPIC_STRIDE,
        )
    };
    let mut op = Operator::new(job);
    let decoder = ChangeDecoder::for_job(job);
    tokio::pin!(stop);
    let waiting = |missing: &[String]| {
        snapshot.send_replace(ProcessorSnapshot {
            job: job.name.clone(),
            topics: job.topics.clone(),
            waiting_for: missing.to_vec(),
            ..Default::default()
        });
    };
    let Some(all_partitions) = input_topics::wait_for(
        config,
        &job.name,
        &job.topics,
        opts.until_idle,
        timeout,
        waiting,
        stop.as_mut(),
    )
    .await?
    else {
        return Ok(ProcessorSnapshot {
            job: job.name.clone(),
            topics: job.topics.clone(),
            ..Default::default()
        });
    };
    let widest_input = all_partitions.iter().map(|(_, p)| *p as usize + 1).max().unwrap_or(1);

    // Every partition, or with `group` the job's consumer group's share; each partition starts
    // at its checkpoint (see group.rs).
    let consumer: Arc<StreamConsumer<GroupContext>> = Arc::new(
        crate::kafka::client_config(config)
            .set("group.id", format!("cdc-console-processor-{}", job.name))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("partition.assignment.strategy", "range,roundrobin")
            .set("max.partition.fetch.bytes", "16777216")
            .create_with_context(GroupContext::new(&job.name, &config.sink))?,
    );
    let marks =
        crate::pipeline::watermarks::Watermarks::new(crate::kafka::client_config(config), timeout)?;
    if opts.group {
        let topics: Vec<&str> = job.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics)?;
    } else {
        let c = consumer.clone();
        tokio::task::spawn_blocking(move || c.context().assign_all(&*c, all_partitions))
            .await
            .map_err(|e| ProcessorError::Refused(e.to_string()))?
            .map_err(ProcessorError::Refused)?;
    }

    let mut snap = ProcessorSnapshot {
        job: job.name.clone(),
        topics: job.topics.clone(),
        running: true,
        late_events: sink
            .query_one("SELECT count(*) FROM cdc.late_events WHERE job = $1", &[&job.name])
            .await
            .map(|r| r.get::<_, i64>(0) as u64)
            .map_err(|e| ProcessorError::Sink(pg_error(&e)))?,
        dead_letters: deadletter::count(&sink)
            .await
            .map_err(|e| ProcessorError::Sink(pg_error(&e)))?,
        stats: Some(op.stats()),
        ..Default::default()
    };
    snapshot.send_replace(snap.clone());
    if let Some(topic) = &job.output.topic {
        output_topic::ensure(config, topic, widest_input, timeout)
            .await
            .map_err(ProcessorError::Refused)?;
    }
    let results_out: Option<rdkafka::producer::BaseProducer> = match &job.output.topic {
        Some(_) => Some(crate::kafka::client_config(config).create()?),
        None => None,
    };
    // What a previous run committed but did not get to send goes first.
    relay(&sink, &results_out, job, timeout).await?;
    let mut firing = SlidingHistogram::new(Duration::from_secs(60), 12);
    let mut first_batch: Option<Instant> = None;
    if !opts.group {
        // Every partition is this instance's from the start: restored before fetching, the
        // first batch's records do not wait for the checkpoints to load.
        let owned: BTreeSet<i32> =
            consumer.context().owned().iter().filter_map(|(t, p)| pid(t, *p)).collect();
        checkpoint::restore_new(&mut op, &sink, &job.name, &owned, &pid, &mut stored).await?;
    }
    let mut incoming = batches::spawn(consumer.clone(), opts.max_batch, opts.max_latency);
    let give_up = opts.time_limit.map(|d| tokio::time::Instant::now() + d);
    'run: loop {
        while *paused.borrow() {
            snap.paused = true;
            snapshot.send_replace(snap.clone());
            tokio::select! {
                _ = &mut stop => break 'run,
                r = paused.changed() => if r.is_err() { break },
            }
        }
        snap.paused = false;
        let fetched = tokio::select! {
            _ = &mut stop => break 'run,
            _ = sleep_until_opt(give_up) => {
                snap.error = Some("time limit reached before catching up".into());
                break 'run;
            }
            _ = paused.changed() => continue,
            f = incoming.recv() => match f {
                Some(f) => f,
                None => return Err(ProcessorError::Refused("the consumer task ended".into())),
            },
        };
        let arrived = fetched.records.first().map(|r| r.received).unwrap_or_else(Instant::now);
        // Follow the group: drop revoked partitions (their next owner resumes from the last
        // checkpoint), restore newly owned ones from theirs before applying their records.
        let owned = consumer.context().owned();
        let owned_pids: BTreeSet<i32> = owned.iter().filter_map(|(t, p)| pid(t, *p)).collect();
        for p in op.partitions() {
            if !owned_pids.contains(&p) {
                op.revoke(p);
                stored.forget(p);
            }
        }
        checkpoint::restore_new(&mut op, &sink, &job.name, &owned_pids, &pid, &mut stored).await?;
        let now = now_ms();
        let batch::Applied { late, letters, mut touched, applied, truncates } =
            batch::apply(&mut op, &decoder, job, &fetched.records, &pid, &owned_pids, now);
        snap.truncates += truncates;
        let emission = op.advance(now_ms());
        touched.extend(emission.results.iter().map(|r| r.partition));
        if touched.is_empty() && late.is_empty() {
            if opts.until_idle
                && consumer.context().generation() > 0
                && super::group::caught_up(&marks, consumer.as_ref(), &op, &owned, &pid).await?
            {
                break;
            }
            snap.stats = Some(op.stats());
            snap.watermark_delay_ms =
                snap.stats.as_ref().and_then(|s| s.job_watermark).map(|w| now_ms() - w);
            snapshot.send_replace(snap.clone());
            continue;
        }

        // One transaction: results, late events, dead letters, checkpoints.
        let tx = sink.transaction().await.map_err(|e| ProcessorError::Sink(pg_error(&e)))?;
        let commit = batch::Commit {
            results: &emission.results,
            late: &late,
            letters: &letters,
            touched: &touched,
        };
        let new_letters = batch::write(&tx, job, &output, topic_of, commit, &mut op, &mut stored)
            .await
            .map_err(|e| ProcessorError::Sink(pg_error(&e)))?;
        tx.commit().await.map_err(|e| ProcessorError::Sink(pg_error(&e)))?;
        let committed = SystemTime::now();
        // The firing delay ends at the sink commit, before the results feed is sent.
        let delay = arrived.elapsed().as_millis() as i64;
        relay(&sink, &results_out, job, timeout).await?;
        // Kafka's committed offsets are for lag display only; the checkpoints are the truth.
        let mut kafka = rdkafka::TopicPartitionList::new();
        for p in &touched {
            if let Some(next) = op.next_offset(*p) {
                let (topic, partition) = topic_of(*p);
                let _ =
                    kafka.add_partition_offset(&topic, partition, rdkafka::Offset::Offset(next));
            }
        }
        let _ = consumer.commit(&kafka, rdkafka::consumer::CommitMode::Async);
        for _ in emission.results.iter().filter(|r| !r.late_firing) {
            firing.record(delay, committed);
        }

        let started = *first_batch.get_or_insert_with(Instant::now);
        snap.events += applied;
        snap.events_per_sec = snap.events as f64 / started.elapsed().as_secs_f64().max(1e-3);
        snap.late_events += late.len() as u64;
        snap.dead_letters += new_letters;
        snap.checkpoints += 1;
        snap.last_checkpoint = Some(committed);
        snap.firing_delay_ms = firing.percentiles(committed);
        snap.stats = Some(op.stats());
        snap.watermark_delay_ms =
            snap.stats.as_ref().and_then(|s| s.job_watermark).map(|w| now_ms() - w);
        snapshot.send_replace(snap.clone());
    }
    snap.running = false;
    snapshot.send_replace(snap.clone());
    Ok(snap)
}

/// The job's committed output rows to its output topic, if it has one.
async fn relay(
    sink: &Client,
    producer: &Option<rdkafka::producer::BaseProducer>,
    job: &JobConfig,
    timeout: Duration,
) -> Result<(), ProcessorError> {
    if let (Some(p), Some(topic)) = (producer, &job.output.topic) {
        outbox::relay(sink, p, &job.name, topic, timeout).await.map_err(ProcessorError::Refused)?;
    }
    Ok(())
}

//! A job's start: the sink and source connected and checked, the input topics waited for, the
//! consumer assigned (or subscribed to the group), the output topic made, what a previous run
//! left in the outbox sent, and every partition restored from its checkpoint.

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::producer::BaseProducer;
use tokio::sync::watch;
use tokio_postgres::Client;

use super::error::ProcessorError;
use super::group::GroupContext;
use super::partition_ids::PartitionIds;
use super::run::{JobLoop, Options};
use super::snapshot::ProcessorSnapshot;
use super::{checkpoint, identity, input_topics, output_topic, sink};
use crate::config::Config;
use crate::config::job::JobConfig;
use crate::pipeline::batches;
use crate::pipeline::deadletter;
use crate::pipeline::processor::{ChangeDecoder, Operator};
use crate::pipeline::watermarks::Watermarks;
use crate::stats::SlidingHistogram;

impl<'a> JobLoop<'a> {
    /// Everything before the first batch; `None` when `stop` comes while the input topics do not
    /// exist yet.
    pub(super) async fn start(
        config: &Config,
        job: &'a JobConfig,
        opts: &'a Options,
        snapshot: &'a watch::Sender<ProcessorSnapshot>,
        stop: Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> Result<Option<Self>, ProcessorError> {
        let timeout = config.timeouts.request().max(Duration::from_secs(5));
        let (sink, output) = open_sink(config, job, timeout).await?;
        let waiting = |missing: &[String]| {
            snapshot.send_replace(ProcessorSnapshot {
                waiting_for: missing.to_vec(),
                ..ProcessorSnapshot::of(job)
            });
        };
        let until_idle = opts.until_idle;
        let Some(all_partitions) = input_topics::wait_for(
            config,
            &job.name,
            &job.topics,
            until_idle,
            timeout,
            waiting,
            stop,
        )
        .await?
        else {
            return Ok(None);
        };
        let widest_input = all_partitions.iter().map(|(_, p)| *p as usize + 1).max().unwrap_or(1);
        let consumer = consume(config, job, opts, all_partitions).await?;
        let marks = Watermarks::new(crate::kafka::client_config(config), timeout)?;
        let mut op = Operator::new(job);
        let snap = first_snapshot(&sink, job, &op).await?;
        snapshot.send_replace(snap.clone());
        let results_out = output_topic(config, job, widest_input, timeout).await?;
        // What a previous run committed but did not get to send goes first.
        super::run::relay(&sink, results_out.as_ref(), job, timeout).await?;
        let ids = PartitionIds::new(&job.topics);
        let mut stored = checkpoint::Written::default();
        if !opts.group {
            // Every partition is this instance's from the start: restored before fetching, the
            // first batch's records do not wait for the checkpoints to load.
            let owned: BTreeSet<i32> = ids.of_all(&consumer.context().owned());
            let pid = |t: &str, p: i32| ids.pid(t, p);
            checkpoint::restore_new(&mut op, &sink, &job.name, &owned, &pid, &mut stored).await?;
        }
        Ok(Some(JobLoop {
            job,
            opts,
            timeout,
            ids,
            sink,
            output,
            decoder: ChangeDecoder::for_job(job),
            op,
            stored,
            incoming: batches::spawn(consumer.clone(), opts.max_batch, opts.max_latency),
            give_up: opts.time_limit.map(|d| tokio::time::Instant::now() + d),
            consumer,
            marks,
            results_out,
            snap,
            snapshot,
            firing: SlidingHistogram::new(Duration::from_secs(60), 12),
            first_batch: None,
        }))
    }
}

/// The sink connected, with the job's tables; the source connected and its tables checked.
async fn open_sink(
    config: &Config,
    job: &JobConfig,
    timeout: Duration,
) -> Result<(Client, sink::Output), ProcessorError> {
    let sink = crate::pipeline::connect(&config.sink, timeout, "processor")
        .await
        .map_err(ProcessorError::Sink)?;
    let source = crate::pipeline::connect(&config.source, timeout, "processor")
        .await
        .map_err(ProcessorError::Source)?;
    identity::check(&source, job).await?;
    let ddl = [sink::DDL, checkpoint::DDL, deadletter::DDL].join(";\n");
    crate::pipeline::create_if_missing(&sink, &ddl).await.map_err(ProcessorError::Sink)?;
    let output = sink::ensure_output(&sink, &source, job).await?;
    Ok((sink, output))
}

/// A job's consumer group is this and the job's name.
pub const GROUP_PREFIX: &str = "cdc-console-processor-";

/// Every partition, or with `group` the job's consumer group's share; each partition starts at
/// its checkpoint (see group.rs).
async fn consume(
    config: &Config,
    job: &JobConfig,
    opts: &Options,
    all_partitions: Vec<(String, i32)>,
) -> Result<Arc<StreamConsumer<GroupContext>>, ProcessorError> {
    let consumer: Arc<StreamConsumer<GroupContext>> = Arc::new(
        crate::kafka::client_config(config)
            .set("group.id", format!("{GROUP_PREFIX}{}", job.name))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            // Out of range is said, never a silent jump (`batches::Fetched::out_of_range`).
            .set("auto.offset.reset", "error")
            .set("partition.assignment.strategy", "range,roundrobin")
            .set("max.partition.fetch.bytes", "16777216")
            .create_with_context(GroupContext::new(
                &job.name,
                &config.sink,
                job.on_offset_out_of_range,
            ))?,
    );
    if opts.group {
        let topics: Vec<&str> = job.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics)?;
    } else {
        let c = consumer.clone();
        tokio::task::spawn_blocking(move || c.context().assign_all(&*c, all_partitions)).await??;
    }
    Ok(consumer)
}

/// The snapshot of a started job: its late events and dead letters counted in the sink.
async fn first_snapshot(
    sink: &Client,
    job: &JobConfig,
    op: &Operator,
) -> Result<ProcessorSnapshot, ProcessorError> {
    let late_events = sink
        .query_one("SELECT count(*) FROM cdc.late_events WHERE job = $1", &[&job.name])
        .await
        .map(|r| r.get::<_, i64>(0) as u64)
        .map_err(ProcessorError::Sink)?;
    let dead_letters = deadletter::count(sink, &[deadletter::job(&job.name)])
        .await
        .map_err(ProcessorError::Sink)?;
    let latest_windows =
        super::fired::read_latest(sink, job).await.map_err(ProcessorError::Sink)?;
    Ok(ProcessorSnapshot {
        running: true,
        late_events,
        dead_letters,
        latest_windows,
        stats: Some(op.stats()),
        ..ProcessorSnapshot::of(job)
    })
}

/// The job's output topic made (as wide as its widest input) and a producer for it; none
/// without an output topic.
async fn output_topic(
    config: &Config,
    job: &JobConfig,
    widest_input: usize,
    timeout: Duration,
) -> Result<Option<BaseProducer>, ProcessorError> {
    let Some(topic) = &job.output.topic else { return Ok(None) };
    output_topic::ensure(config, topic, widest_input, timeout).await?;
    Ok(Some(crate::kafka::client_config(config).create()?))
}

//! Setting the replicator up: the connections, the replicas, the consumer and the assignment,
//! then the loop (run.rs) from the stored offsets.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::StreamConsumer;
use rdkafka::error::KafkaError;
use tokio::sync::watch;

use super::committed::Books;
use super::run::ReplicatorLoop;
use super::snapshot::fill;
use super::{Options, ReplicatorError, ReplicatorSnapshot, assign, merger, offsets, replica};
use crate::config::Config;
use crate::pipeline::batches;
use crate::pipeline::deadletter;
use crate::pipeline::watermarks::Watermarks;

/// Runs until `stop` resolves (or, with `until_idle`, until caught up); the snapshot is
/// published after every batch. Returns the last snapshot.
pub async fn run(
    config: &Config,
    opts: &Options,
    stop: impl Future<Output = ()>,
    snapshot: watch::Sender<ReplicatorSnapshot>,
) -> Result<ReplicatorSnapshot, ReplicatorError> {
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    let connect = |ep| crate::pipeline::connect(ep, timeout, "replicator");
    let sink = connect(&config.sink).await.map_err(ReplicatorError::sink("connecting"))?;
    let source = connect(&config.source).await.map_err(ReplicatorError::source("connecting"))?;
    crate::pipeline::create_if_missing(&sink, &[offsets::DDL, deadletter::DDL].join(";\n"))
        .await
        .map_err(ReplicatorError::sink("creating the cdc tables"))?;
    let mut replicas = replica::open(config, &source, &sink, timeout).await?;
    let consumer = Arc::new(consumer(config)?);
    let marks = Watermarks::new(crate::kafka::client_config(config), timeout)?;
    let consumers: Vec<String> =
        replicas.iter().map(|r| deadletter::replica(&r.cfg.name)).collect();
    let dead_letters = deadletter::count(&sink, &consumers)
        .await
        .map_err(ReplicatorError::sink("counting dead letters"))?;
    let mut snap = ReplicatorSnapshot { running: true, dead_letters, ..Default::default() };
    fill(&mut snap, &replicas);
    tokio::pin!(stop);
    let waiting = |missing: &[String]| {
        snapshot.send_replace(ReplicatorSnapshot { waiting_for: missing.to_vec(), ..snap.clone() });
    };
    let Some(assigned) = assign::assign(
        &consumer,
        &mut replicas,
        &marks,
        timeout,
        opts.until_idle,
        waiting,
        stop.as_mut(),
    )
    .await?
    else {
        snap.running = false;
        snapshot.send_replace(snap.clone());
        return Ok(snap);
    };
    let merging = connect(&config.sink).await.map_err(ReplicatorError::sink("connecting"))?;
    ReplicatorLoop {
        opts,
        source,
        sink,
        replicas,
        // Fetching overlaps applying: a task collects the next batches while this one is applied.
        incoming: batches::spawn(consumer.clone(), opts.max_batch, opts.max_latency),
        consumer,
        marks,
        assigned,
        merger: merger::Merger::start(merging),
        books: Books::new(),
        snap,
        snapshot,
        give_up: opts.time_limit.map(|d| tokio::time::Instant::now() + d),
        ahead: None,
        in_flight: None,
        parity: 0,
        busy_since: None,
    }
    .run(stop.as_mut())
    .await
}

/// The replicator's consumer group: it assigns its partitions itself, so the broker lists the
/// group with no members.
pub const GROUP_ID: &str = "cdc-console-replicator";

/// The replicator's consumer: offsets are the sink's (`cdc.progress`), Kafka's only for display.
fn consumer(config: &Config) -> Result<StreamConsumer, KafkaError> {
    crate::kafka::client_config(config)
        .set("group.id", GROUP_ID)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // Out of range is said, never a silent jump (see `batches::Fetched::out_of_range`);
        // partitions are assigned at stored offsets or the beginning, never from a reset.
        .set("auto.offset.reset", "error")
        // Catching up is fetch-bound: fetch and queue more at once.
        .set("max.partition.fetch.bytes", "16777216")
        .set("queued.min.messages", "1000000")
        .create()
}

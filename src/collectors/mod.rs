//! Collectors own all I/O with the backends: one tokio task per backend, each polling on its own
//! interval and sending owned snapshots. A slow or dead backend only ever delays its own task,
//! and every request is bounded by the configured timeout.

pub mod connect;
pub mod events;
pub mod flink;
pub mod groups;
pub mod kafka;
pub mod lag;
pub mod latency;
pub mod postgres;
pub mod snapshot;

use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use crate::config::Config;

/// Why a backend could not be read. `is_retryable` tells the store whether to keep polling
/// quietly (network, timeouts) or to show an error that needs a human (bad credentials, 4xx).
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CollectError {
    #[error("{endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },
    #[error("{endpoint}: no answer within {}", humantime::format_duration(*after))]
    Timeout { endpoint: String, after: Duration },
    #[error("{endpoint}: HTTP {status}: {body}")]
    Http { endpoint: String, status: u16, body: String },
    #[error("{endpoint}: {message}")]
    Backend { endpoint: String, message: String, retryable: bool },
}

impl CollectError {
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::Timeout { .. } => true,
            Self::Http { status, .. } => *status >= 500,
            Self::Backend { retryable, .. } => *retryable,
        }
    }
}

/// Runs `fut` with the request timeout, turning an elapsed timer into `CollectError::Timeout`.
pub async fn bounded<T>(
    endpoint: &str,
    after: Duration,
    fut: impl Future<Output = Result<T, CollectError>>,
) -> Result<T, CollectError> {
    tokio::time::timeout(after, fut)
        .await
        .unwrap_or_else(|_| Err(CollectError::Timeout { endpoint: endpoint.to_string(), after }))
}

/// Why a call run with [`off_thread`] gave no value.
#[derive(Debug)]
pub enum Blocked {
    /// The call panicked or its task was cancelled.
    Failed(String),
    TimedOut,
}

/// Runs a blocking librdkafka call on the blocking pool, bounded by `after`: librdkafka's own
/// timeouts should fire first, and a call that does not return in time is abandoned (its thread
/// finishes on its own), never awaited.
pub async fn off_thread<T: Send + 'static>(
    after: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Blocked> {
    match tokio::time::timeout(after, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Blocked::Failed(e.to_string())),
        Err(_) => Err(Blocked::TimedOut),
    }
}

/// One result from one collector, stamped when it was taken.
#[derive(Debug, Clone)]
pub struct Update {
    pub at: SystemTime,
    pub kind: UpdateKind,
}

#[derive(Debug, Clone)]
pub enum UpdateKind {
    Source(Result<postgres::PostgresSnapshot, CollectError>),
    Sink(Result<postgres::PostgresSnapshot, CollectError>),
    Kafka(Result<kafka::KafkaSnapshot, CollectError>),
    /// Index into `Config::connect`.
    Connect(usize, Result<connect::ConnectSnapshot, CollectError>),
    Latency(Result<latency::LatencySnapshot, CollectError>),
    Groups(Result<groups::GroupsSnapshot, CollectError>),
    /// Incremental snapshots, from the connectors' notification topics.
    Snapshots(Result<snapshot::SnapshotsSnapshot, CollectError>),
    /// The Flink session cluster (optional: refused before it was ever seen is "not running").
    Flink(flink::FlinkPoll),
}

/// A backend poller, one per task. `&mut self` lets a collector keep what it needs between polls
/// (offset history for lag in seconds and rates, a long-lived client).
pub trait Collector: Send + 'static {
    fn poll(&mut self) -> impl Future<Output = UpdateKind> + Send;
}

impl Collector for postgres::Probe {
    async fn poll(&mut self) -> UpdateKind {
        let r = self.collect().await;
        match self.role {
            postgres::Role::Source => UpdateKind::Source(r),
            postgres::Role::Sink => UpdateKind::Sink(r),
        }
    }
}

impl Collector for kafka::Probe {
    async fn poll(&mut self) -> UpdateKind {
        UpdateKind::Kafka(self.collect().await)
    }
}

/// A Connect cluster's probe with its index in `Config::connect`, and the cluster's
/// auto-restart, which acts on each good poll before it is sent.
pub struct ConnectCollector {
    pub index: usize,
    pub probe: connect::Probe,
    pub auto_restart: connect::AutoRestart,
}

impl ConnectCollector {
    /// The collector of cluster `index` (none when the index is not configured).
    pub fn new(config: &Config, index: usize, auto_restart: connect::AutoRestart) -> Option<Self> {
        let cluster = config.connect.get(index)?;
        let probe = connect::Probe::new(cluster, config.timeouts.request());
        Some(Self { index, probe, auto_restart })
    }
}

impl Collector for ConnectCollector {
    async fn poll(&mut self) -> UpdateKind {
        let mut result = self.probe.collect().await;
        if let Ok(snapshot) = &mut result {
            self.auto_restart.after_poll(snapshot).await;
        }
        UpdateKind::Connect(self.index, result)
    }
}

/// Collects every backend once, concurrently; what `status` prints and what the TUI starts with.
/// A one-off look restarts nothing: auto-restart is off here.
pub async fn collect_once(config: &Config) -> Vec<Update> {
    let mut source = postgres::Probe::new(postgres::Role::Source, config);
    let mut sink = postgres::Probe::new(postgres::Role::Sink, config);
    let mut kafka = kafka::Probe::new(config);
    let mut connects: Vec<_> = (0..config.connect.len())
        .filter_map(|i| ConnectCollector::new(config, i, connect::AutoRestart::off()))
        .collect();
    let (s, k, kf, cs) = tokio::join!(
        source.poll(),
        sink.poll(),
        kafka.poll(),
        futures::future::join_all(connects.iter_mut().map(Collector::poll))
    );
    let at = SystemTime::now();
    [s, k, kf].into_iter().chain(cs).map(|kind| Update { at, kind }).collect()
}

/// Spawns one polling task per backend; they stop when the receiver is dropped.
/// `auto_restart` holds each Connect cluster's, in `Config::connect` order (see
/// [`connect::AutoRestart::for_clusters`]); a cluster without one restarts nothing.
pub fn spawn_all(
    config: &Config,
    auto_restart: &[connect::AutoRestart],
    tx: mpsc::Sender<Update>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let every = config.timeouts.refresh();
    let mut tasks = vec![
        spawn(every, tx.clone(), postgres::Probe::new(postgres::Role::Source, config)),
        spawn(every, tx.clone(), postgres::Probe::new(postgres::Role::Sink, config)),
        spawn(every, tx.clone(), kafka::Probe::new(config)),
        spawn(every, tx.clone(), groups::Probe::new(config)),
        spawn(every, tx.clone(), snapshot::SnapshotCollector::new(config)),
        spawn(every, tx.clone(), flink::Probe::new(config)),
    ];
    for i in 0..config.connect.len() {
        let auto = auto_restart.get(i).cloned().unwrap_or_default();
        if let Some(collector) = ConnectCollector::new(config, i, auto) {
            tasks.push(spawn(every, tx.clone(), collector));
        }
    }
    tasks
}

/// Polls `collector` every `every` until the receiver goes away. A poll that overruns delays the
/// next one rather than stacking them up.
pub fn spawn(
    every: Duration,
    tx: mpsc::Sender<Update>,
    mut collector: impl Collector,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let kind = collector.poll().await;
            if tx.send(Update { at: SystemTime::now(), kind }).await.is_err() {
                return;
            }
        }
    })
}

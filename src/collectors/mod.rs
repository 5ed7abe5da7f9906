//! Collectors own all I/O with the backends: one tokio task per backend, each polling on its own
//! interval and sending owned snapshots. A slow or dead backend only ever delays its own task,
//! and every request is bounded by the configured timeout.

pub mod connect;
pub mod kafka;
pub mod postgres;

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
}

/// Collects every backend once, concurrently; what `status` prints and what the TUI starts with.
pub async fn collect_once(config: &Config) -> Vec<Update> {
    let timeout = config.timeouts.request();
    let source = postgres::Probe::new(postgres::Role::Source, config);
    let sink = postgres::Probe::new(postgres::Role::Sink, config);
    let kafka = kafka::Probe::new(config);
    let connects: Vec<_> =
        config.connect.iter().map(|c| connect::Probe::new(c, timeout)).collect();
    let (s, k, kf, cs) = tokio::join!(
        source.collect(),
        sink.collect(),
        kafka.collect(),
        futures::future::join_all(connects.iter().map(|c| c.collect()))
    );
    let at = SystemTime::now();
    let mut out = vec![
        Update { at, kind: UpdateKind::Source(s) },
        Update { at, kind: UpdateKind::Sink(k) },
        Update { at, kind: UpdateKind::Kafka(kf) },
    ];
    out.extend(
        cs.into_iter().enumerate().map(|(i, r)| Update { at, kind: UpdateKind::Connect(i, r) }),
    );
    out
}

/// Spawns one polling task per backend; they stop when the receiver is dropped.
pub fn spawn_all(config: &Config, tx: mpsc::Sender<Update>) -> Vec<tokio::task::JoinHandle<()>> {
    let every = config.timeouts.refresh();
    let timeout = config.timeouts.request();
    let mut tasks = Vec::new();
    for role in [postgres::Role::Source, postgres::Role::Sink] {
        let probe = postgres::Probe::new(role, config);
        tasks.push(poll(every, tx.clone(), move || {
            let probe = probe.clone();
            async move {
                let r = probe.collect().await;
                match role {
                    postgres::Role::Source => UpdateKind::Source(r),
                    postgres::Role::Sink => UpdateKind::Sink(r),
                }
            }
        }));
    }
    let kafka = kafka::Probe::new(config);
    tasks.push(poll(every, tx.clone(), move || {
        let kafka = kafka.clone();
        async move { UpdateKind::Kafka(kafka.collect().await) }
    }));
    for (i, cluster) in config.connect.iter().enumerate() {
        let probe = connect::Probe::new(cluster, timeout);
        tasks.push(poll(every, tx.clone(), move || {
            let probe = probe.clone();
            async move { UpdateKind::Connect(i, probe.collect().await) }
        }));
    }
    tasks
}

fn poll<F, Fut>(every: Duration, tx: mpsc::Sender<Update>, mut collect: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = UpdateKind> + Send,
{
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let kind = collect().await;
            if tx.send(Update { at: SystemTime::now(), kind }).await.is_err() {
                return;
            }
        }
    })
}

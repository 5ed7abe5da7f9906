//! The TUI's view of incremental snapshots: for every connector whose config sends
//! notifications to a topic (the sink channel), the latest snapshot on that topic. One reader per
//! topic, kept between polls and read on a blocking thread (librdkafka's poll); a reader whose
//! read overran the timeout is dropped and made again at the next poll.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::{NotificationReader, Signalling, SnapshotProgress};
use crate::collectors::connect::Probe;
use crate::collectors::{CollectError, Collector, UpdateKind, off_thread};
use crate::config::Config;

/// The latest incremental snapshot of each connector that notifies one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SnapshotsSnapshot {
    pub connectors: Vec<ConnectorSnapshot>,
}

impl SnapshotsSnapshot {
    /// The snapshot state of `connector` on cluster `cluster`, if it notifies any.
    pub fn of(&self, cluster: usize, connector: &str) -> Option<&ConnectorSnapshot> {
        self.connectors.iter().find(|c| c.cluster == cluster && c.connector == connector)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectorSnapshot {
    /// Index into `Config::connect`.
    pub cluster: usize,
    pub connector: String,
    pub topic: String,
    pub latest: Option<SnapshotProgress>,
    /// Why the topic could not be read this time (the last good `latest` is kept).
    pub error: Option<String>,
}

pub struct SnapshotCollector {
    config: Config,
    probes: Vec<Probe>,
    /// Per notification topic: its reader, none while one is out on a blocking thread or lost.
    readers: BTreeMap<String, Option<NotificationReader>>,
    /// The last good progress per topic, kept through a failed read.
    latest: BTreeMap<String, Option<SnapshotProgress>>,
}

impl SnapshotCollector {
    pub fn new(config: &Config) -> Self {
        let probes =
            config.connect.iter().map(|c| Probe::new(c, config.timeouts.request())).collect();
        Self { config: config.clone(), probes, readers: BTreeMap::new(), latest: BTreeMap::new() }
    }

    /// Reads `topic` up to its end (the first time) or what arrived since (later).
    async fn read(&mut self, topic: &str) -> Result<Option<SnapshotProgress>, String> {
        let first = !self.readers.contains_key(topic);
        let reader = match self.readers.remove(topic).flatten() {
            Some(r) => r,
            None => NotificationReader::new(&self.config, topic).map_err(|e| e.to_string())?,
        };
        let limit = self.config.timeouts.request();
        let read = off_thread(limit * 3, move || {
            let mut reader = reader;
            let r = if first {
                reader.catch_up(limit * 2)
            } else {
                reader.poll_for(Duration::from_millis(200)).map(|_| ())
            };
            (reader, r)
        })
        .await;
        let (reader, result) = read.map_err(|_| format!("{topic}: no answer within {limit:?}"))?;
        let latest = reader.history.latest().cloned();
        self.readers.insert(topic.to_string(), Some(reader));
        result.map_err(|e| e.to_string())?;
        Ok(latest)
    }

    async fn collect(&mut self) -> Result<SnapshotsSnapshot, CollectError> {
        let mut wanted = Vec::new();
        for (cluster, probe) in self.probes.iter().enumerate() {
            let configs = probe.configs().await.map_err(|e| CollectError::Backend {
                endpoint: probe.endpoint().to_string(),
                message: e.to_string(),
                retryable: true,
            })?;
            for (name, config) in configs {
                if let Some(topic) =
                    Signalling::of(&name, &config).ok().and_then(|s| s.notification_topic)
                {
                    wanted.push((cluster, name, topic));
                }
            }
        }
        let mut out = SnapshotsSnapshot::default();
        for (cluster, connector, topic) in wanted {
            let (latest, error) = match self.read(&topic).await {
                Ok(l) => {
                    self.latest.insert(topic.clone(), l.clone());
                    (l, None)
                }
                Err(e) => (self.latest.get(&topic).cloned().flatten(), Some(e)),
            };
            out.connectors.push(ConnectorSnapshot { cluster, connector, topic, latest, error });
        }
        Ok(out)
    }
}

impl Collector for SnapshotCollector {
    async fn poll(&mut self) -> UpdateKind {
        UpdateKind::Snapshots(self.collect().await)
    }
}

//! The last good snapshot of every backend with its health. Collectors feed it `Update`s; the
//! TUI and the headless subcommands read it, so a script sees what the screen shows.
//!
//! The screen's only door to backend data: `snapshots` re-exports the types it may name
//! (`Embedded` bundles what the console runs itself), `rows` says which rows each table lists and
//! their identities (what the app acts on).

mod alert_rows;
mod flink;
mod health;
pub mod rows;
mod slot_guard;
pub mod snapshots;
mod stages;

use std::time::SystemTime;

use serde::Serialize;

pub use alert_rows::{StateFilter, state_rank, state_word};
pub use flink::FlinkState;
pub use health::{Backend, Health, rfc3339, ser_opt_time, ser_time};
pub use slot_guard::{GuardLevel, HEARTBEAT_ADVICE, IdleSource, LOST, SlotGuard};
pub use snapshots::Embedded;
pub use stages::{Stage, StageState};

use crate::collectors::{Update, UpdateKind};
use crate::config::Config;
use snapshots::{
    ConnectSnapshot, GroupsSnapshot, KafkaSnapshot, LatencySnapshot, PostgresSnapshot,
    SnapshotsSnapshot,
};

#[derive(Debug, Clone, Serialize)]
pub struct Store {
    pub source: Backend<PostgresSnapshot>,
    pub sink: Backend<PostgresSnapshot>,
    pub kafka: Backend<KafkaSnapshot>,
    pub connect: Vec<Backend<ConnectSnapshot>>,
    /// End-to-end latency, measured on the change topics.
    pub latency: Backend<LatencySnapshot>,
    /// The Debezium topics of the configured captured tables.
    pub captured_topics: Vec<String>,
    /// Consumer groups: members, lag in offsets and seconds, verdicts.
    pub groups: Backend<GroupsSnapshot>,
    /// The slot guard's thresholds (configuration, not data).
    #[serde(skip)]
    pub slot_guard: crate::config::SlotGuardConfig,
    /// The latest incremental snapshot of each connector that notifies (Debezium's sink channel).
    pub snapshots: Backend<SnapshotsSnapshot>,
    /// The Flink session cluster and its jobs; "not running" until it is first seen.
    pub flink: FlinkState,
    /// The alert rules' last evaluation (firing, pending, recently resolved).
    pub alerts: crate::alerts::AlertsSnapshot,
    /// Each notification receiver's counts and last error (the notifier's, copied on each
    /// evaluation; URLs masked).
    pub receivers: Vec<crate::notify::ReceiverStatus>,
    /// When each degraded stage became degraded: a stage's `since` says how long it has been
    /// in its state, and a backend's health only knows since when it answers.
    #[serde(skip)]
    degraded_since: std::collections::BTreeMap<String, SystemTime>,
}

impl Store {
    pub fn new(config: &Config) -> Self {
        Self {
            source: Backend::new("source", config.source.to_string()),
            sink: Backend::new("sink", config.sink.to_string()),
            kafka: Backend::new("kafka", config.kafka.brokers.clone()),
            connect: config
                .connect
                .iter()
                .map(|c| Backend::new(&format!("connect:{}", c.name), c.url.to_string()))
                .collect(),
            latency: Backend::new(
                "latency",
                config.tables.iter().map(|t| t.topic.as_str()).collect::<Vec<_>>().join(","),
            ),
            captured_topics: config.tables.iter().map(|t| t.topic.clone()).collect(),
            groups: Backend::new("groups", config.kafka.brokers.clone()),
            slot_guard: config.slot_guard.clone(),
            snapshots: Backend::new("snapshots", config.kafka.brokers.clone()),
            flink: FlinkState::new(config.flink.rest.to_string()),
            alerts: crate::alerts::AlertsSnapshot::default(),
            receivers: Vec::new(),
            degraded_since: std::collections::BTreeMap::new(),
        }
    }

    /// Applies one collector result; true when anything visible changed (so the screen redraws
    /// only then).
    pub fn apply(&mut self, update: Update) -> bool {
        let at = update.at;
        let changed = match update.kind {
            UpdateKind::Source(r) => self.source.apply(r, at),
            UpdateKind::Sink(r) => self.sink.apply(r, at),
            UpdateKind::Kafka(r) => self.kafka.apply(r, at),
            UpdateKind::Latency(r) => self.latency.apply(r, at),
            UpdateKind::Groups(r) => self.groups.apply(r, at),
            UpdateKind::Snapshots(r) => self.snapshots.apply(r, at),
            UpdateKind::Flink(poll) => self.flink.apply(poll, at),
            UpdateKind::Connect(i, r) => match self.connect.get_mut(i) {
                Some(b) => b.apply(r, at),
                None => false,
            },
        };
        if changed {
            self.track_degraded(at);
        }
        changed
    }

    /// A machine-readable report of everything, as `status -o json` prints it.
    pub fn report(&self, now: SystemTime) -> StatusReport<'_> {
        let stages = self.stages();
        StatusReport {
            generated_at: health::rfc3339(now),
            healthy: stages.iter().all(|s| s.state != StageState::Down),
            stages,
            backends: self,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StatusReport<'a> {
    pub generated_at: String,
    /// False when any stage is down; `status` exits non-zero then.
    pub healthy: bool,
    pub stages: Vec<Stage>,
    #[serde(flatten)]
    pub backends: &'a Store,
}

//! The console's configuration: one TOML file, defaults that match the local stack (and the
//! Docker Compose stack, which uses the same ports), environment overrides on top.
//!
//! Errors name the file, the line and the key, because a config error the user cannot find is
//! worse than none.

mod alerts;
mod connect;
mod connect_auth;
mod contexts;
mod env;
mod flink;
pub mod job;
mod kafka;
pub mod keymap;
mod keymap_file;
mod load;
mod names;
mod postgres;
mod read_only;
mod receivers;
pub mod secret;
mod slot_guard;
pub mod theme;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use alerts::{AlertsConfig, ReceiverConfig, RuleConfig};
pub use connect::{AutoRestartConfig, ConnectCluster, HttpUrl};
pub use connect_auth::{ConnectAuth, Credentials};
pub use contexts::{Context, Contexts, DEFAULT_CONTEXT, parse as parse_contexts};
pub use env::ENV_OVERRIDES;
pub use flink::FlinkConfig;
pub use kafka::{KafkaConfig, KafkaSasl, KafkaTls, SaslMechanism, SecurityProtocol};
pub use load::{
    ConfigError, ConfigSource, Loaded, load, load_context, parse, parse_as, user_config_dir,
};
pub use postgres::{PostgresEndpoint, SslMode};
pub use read_only::ReadOnly;
pub use slot_guard::SlotGuardConfig;

/// Everything the console talks to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub source: PostgresEndpoint,
    pub sink: PostgresEndpoint,
    pub kafka: KafkaConfig,
    /// Several Connect clusters may be watched; the first is the default target of actions.
    pub connect: Vec<ConnectCluster>,
    /// Source tables the pipeline captures, with the topic Debezium writes them to.
    pub tables: Vec<CapturedTable>,
    /// Replica tables the replicator maintains in the sink.
    pub replicas: Vec<ReplicaConfig>,
    /// Windowed aggregations the embedded processor runs.
    pub jobs: Vec<job::JobConfig>,
    pub timeouts: Timeouts,
    /// Amber and red thresholds of the replication-slot guard.
    pub slot_guard: SlotGuardConfig,
    /// Alert rules and the receivers notified of them.
    pub alerts: AlertsConfig,
    /// The Flink session cluster that runs jobs' Flink SQL (`process --on flink`).
    pub flink: FlinkConfig,
    /// Refuse every mutation here, as `--read-only` does: set on a context (e.g. `prod`) so a
    /// slip of the keyboard cannot pause or delete anything in it.
    pub read_only: bool,
    pub ui: UiConfig,
}

/// The console's look and keys. `--theme` / `--keymap` win over these.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// A built-in or user theme name (`default`, `light`, `high-contrast`), or a path to a
    /// theme file. None: `default`.
    pub theme: Option<String>,
    /// A keymap file. None: `<config dir>/keymap.toml` when it exists, else the defaults.
    pub keymap: Option<std::path::PathBuf>,
    /// Mouse support (off by default, so the terminal's own selection keeps working).
    pub mouse: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            source: PostgresEndpoint::local(55432, "source"),
            sink: PostgresEndpoint::local(55433, "sink"),
            kafka: KafkaConfig::default(),
            connect: vec![ConnectCluster::default()],
            tables: ["orders", "order_items"]
                .iter()
                .map(|t| CapturedTable {
                    name: format!("public.{t}"),
                    topic: format!("dbserver1.public.{t}"),
                })
                .collect(),
            replicas: ReplicaConfig::defaults(),
            jobs: vec![job::JobConfig::orders_by_status()],
            timeouts: Timeouts::default(),
            slot_guard: SlotGuardConfig::default(),
            alerts: AlertsConfig::default(),
            flink: FlinkConfig::default(),
            read_only: false,
            ui: UiConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CapturedTable {
    /// `schema.table` in the source.
    pub name: String,
    /// The Debezium topic carrying its changes.
    pub topic: String,
}

/// One replica in the sink: a source table's changes, read from its topic, with columns kept,
/// dropped or renamed and an optional row filter.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaConfig {
    /// Names the replica in `cdc.progress` (the consumer) and in the snapshot.
    pub name: String,
    /// `schema.table` in the source.
    pub source: String,
    /// `schema.table` in the sink (created by the replicator).
    pub sink: String,
    /// The Debezium topic of the source table.
    pub topic: String,
    /// Only these source columns (default: all). The key columns must be kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// Source columns left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
    /// Source column → sink column.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub rename: std::collections::BTreeMap<String, String>,
    /// A SQL boolean expression over the source columns; rows for which it is not true are
    /// kept out of (and removed from) the replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// What to do when an offset stored in the sink lies outside its partition's log (the
    /// topic was recreated, or retention deleted records not yet applied).
    #[serde(default, skip_serializing_if = "OnOffsetOutOfRange::is_fail")]
    pub on_offset_out_of_range: OnOffsetOutOfRange,
}

/// What a replica or a job does when the next offset it stored is above the partition's high
/// watermark (topic recreated or truncated) or below its low watermark (records deleted by
/// retention before they were consumed): data lost either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnOffsetOutOfRange {
    /// Stop with an error naming topic, partition, stored offset and watermarks (the default:
    /// an operator decides).
    #[default]
    Fail,
    /// Warn and go on from the low watermark (everything still in the log).
    Earliest,
    /// Warn and go on from the high watermark (only what comes next).
    Latest,
}

impl OnOffsetOutOfRange {
    pub fn is_fail(&self) -> bool {
        *self == Self::Fail
    }
}

impl ReplicaConfig {
    /// Every column of `source` into `sink`, unfiltered.
    pub fn full(name: &str, source: &str, sink: &str, topic: &str) -> Self {
        Self {
            name: name.into(),
            source: source.into(),
            sink: sink.into(),
            topic: topic.into(),
            columns: None,
            drop: Vec::new(),
            rename: Default::default(),
            filter: None,
            on_offset_out_of_range: OnOffsetOutOfRange::Fail,
        }
    }

    /// A full replica of public.orders and a transformed one without customer_name.
    pub fn defaults() -> Vec<Self> {
        let full = Self::full(
            "orders_replica",
            "public.orders",
            "cdc.orders_replica",
            "dbserver1.public.orders",
        );
        let transformed = Self {
            name: "orders_transformed".into(),
            sink: "cdc.orders_transformed".into(),
            drop: vec!["customer_name".into()],
            ..full.clone()
        };
        vec![full, transformed]
    }
}

/// Every backend request is bounded, so a dead backend can never freeze the console.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// One request to one backend, in milliseconds.
    pub request_ms: Millis,
    /// How often the collectors poll, in milliseconds.
    pub refresh_ms: Millis,
    /// One mutating request (connector pause, restart, delete…), in milliseconds: a Connect
    /// worker serializes requests, so one queued behind a task restart takes seconds.
    pub action_ms: Millis,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { request_ms: Millis(3000), refresh_ms: Millis(2000), action_ms: Millis(15000) }
    }
}

impl Timeouts {
    pub fn request(&self) -> Duration {
        Duration::from_millis(self.request_ms.0)
    }
    pub fn refresh(&self) -> Duration {
        Duration::from_millis(self.refresh_ms.0)
    }
    pub fn action(&self) -> Duration {
        Duration::from_millis(self.action_ms.0)
    }
}

/// A positive number of milliseconds (0 would mean "never wait" or "spin").
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u64::deserialize(d)? {
            0 => Err(serde::de::Error::custom("must be at least 1 millisecond")),
            n => Ok(Millis(n)),
        }
    }
}

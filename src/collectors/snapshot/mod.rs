//! Debezium's incremental snapshots: the signals that start, stop, pause and resume them (through
//! the connector's signal table or its Kafka signal topic) and their progress, read from the
//! connector's notification topic.
//!
//! `Signalling` reads what a connector's config says about its channels; `signal` words and
//! sends a signal; `notifications` reads the notification topic; `progress` folds it (pure).

mod act;
mod collector;
mod notifications;
mod progress;
mod signal;

use std::collections::BTreeMap;

use serde::Serialize;

pub use act::{Ask, signal};
pub use collector::{ConnectorSnapshot, SnapshotCollector, SnapshotsSnapshot};
pub use notifications::{NotificationReader, read_history};
pub use progress::{
    AGGREGATE_TYPE, Notification, SnapshotHistory, SnapshotProgress, SnapshotStatus, TableProgress,
    TableState,
};
pub use signal::{Channel, SnapshotSignal, send};

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("connector {connector}: signalling is not configured: {missing}")]
    NotConfigured { connector: String, missing: String },
    #[error(
        "connector {connector}: the {channel} signal channel is not enabled (signal.enabled.channels = {enabled})"
    )]
    ChannelOff { connector: String, channel: &'static str, enabled: String },
    #[error("signal table {table}: {message}")]
    Source { table: String, message: String },
    #[error("signal topic {topic}: {message}")]
    Kafka { topic: String, message: String },
    #[error("notification topic {topic}: {message}")]
    Notifications { topic: String, message: String },
}

/// A connector's signalling settings, from its config (property names of Debezium 3.x).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signalling {
    pub connector: String,
    /// `topic.prefix`: Debezium's logical name, the key a Kafka signal must carry.
    pub logical_name: String,
    /// `signal.data.collection` (`schema.table`): the source channel, and where an incremental
    /// snapshot writes its watermarks.
    pub signal_table: Option<String>,
    /// `signal.kafka.topic` when `kafka` is among `signal.enabled.channels`.
    pub kafka_topic: Option<String>,
    pub channels: Vec<String>,
    /// `notification.sink.topic.name` when `sink` is among `notification.enabled.channels`.
    pub notification_topic: Option<String>,
    /// `table.include.list`: what an execute-snapshot from the TUI asks for.
    pub captured: Vec<String>,
}

impl Signalling {
    /// What `config` says, or why it cannot carry an incremental snapshot: Debezium's
    /// PostgreSQL connector needs the signal table whichever channel sends the signal.
    pub fn of(connector: &str, config: &BTreeMap<String, String>) -> Result<Self, SnapshotError> {
        let get = |k: &str| config.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let list = |k: &str, default: &str| -> Vec<String> {
            get(k)
                .unwrap_or_else(|| default.to_string())
                .split(',')
                .map(|c| c.trim().to_lowercase())
                .filter(|c| !c.is_empty())
                .collect()
        };
        let not_configured = |missing: &str| SnapshotError::NotConfigured {
            connector: connector.to_string(),
            missing: missing.to_string(),
        };
        let logical_name = get("topic.prefix").ok_or_else(|| not_configured("no topic.prefix"))?;
        let signal_table = get("signal.data.collection");
        if signal_table.is_none() {
            return Err(not_configured(
                "no signal.data.collection (the signal table Debezium needs for incremental snapshots; see README, \"Incremental snapshots\")",
            ));
        }
        let channels = list("signal.enabled.channels", "source");
        let kafka_topic = channels
            .iter()
            .any(|c| c == "kafka")
            .then(|| get("signal.kafka.topic").unwrap_or_else(|| format!("{logical_name}-signal")));
        let notification_topic = list("notification.enabled.channels", "")
            .iter()
            .any(|c| c == "sink")
            .then(|| get("notification.sink.topic.name"))
            .flatten();
        let captured = get("table.include.list")
            .map(|l| l.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect())
            .unwrap_or_default();
        Ok(Self {
            captured,
            connector: connector.to_string(),
            logical_name,
            signal_table,
            kafka_topic,
            channels,
            notification_topic,
        })
    }

    /// The channel asked for, or the default one: the signal table when its channel is on,
    /// else the Kafka topic.
    pub fn channel(&self, asked: Option<Channel>) -> Result<Channel, SnapshotError> {
        let on = |c: Channel| self.channels.iter().any(|x| x == c.name());
        let pick =
            asked.unwrap_or(if on(Channel::Source) { Channel::Source } else { Channel::Kafka });
        if on(pick) {
            Ok(pick)
        } else {
            Err(SnapshotError::ChannelOff {
                connector: self.connector.clone(),
                channel: pick.name(),
                enabled: self.channels.join(","),
            })
        }
    }

    /// The notification topic, or why progress cannot be shown.
    pub fn notifications(&self) -> Result<&str, SnapshotError> {
        self.notification_topic.as_deref().ok_or_else(|| SnapshotError::NotConfigured {
            connector: self.connector.clone(),
            missing: "no sink notification channel (notification.enabled.channels = sink and notification.sink.topic.name): progress cannot be shown".into(),
        })
    }
}

/// A table as Debezium names it: `schema.table`, `public.` when no schema is given.
pub fn qualify(table: &str) -> String {
    if table.contains('.') { table.to_string() } else { format!("public.{table}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
    }

    #[test]
    fn the_stack_connectors_settings_give_both_channels_and_the_notification_topic() {
        let s = Signalling::of(
            "orders-cdc",
            &config(&[
                ("topic.prefix", "dbserver1"),
                ("signal.data.collection", "public.debezium_signal"),
                ("signal.enabled.channels", "source, kafka"),
                ("notification.enabled.channels", "sink"),
                ("notification.sink.topic.name", "dbserver1-notifications"),
            ]),
        )
        .expect("configured");
        assert_eq!(s.kafka_topic.as_deref(), Some("dbserver1-signal"));
        assert_eq!(s.channel(None).ok(), Some(Channel::Source));
        assert_eq!(s.channel(Some(Channel::Kafka)).ok(), Some(Channel::Kafka));
        assert_eq!(s.notifications().ok(), Some("dbserver1-notifications"));
    }

    #[test]
    fn a_connector_without_signalling_says_what_is_missing() {
        let err = Signalling::of("c", &config(&[("topic.prefix", "p")])).unwrap_err();
        assert!(
            err.to_string().contains("signalling is not configured: no signal.data.collection"),
            "{err}"
        );
        let s = Signalling::of(
            "c",
            &config(&[("topic.prefix", "p"), ("signal.data.collection", "public.s")]),
        )
        .expect("source channel by default");
        let err = s.channel(Some(Channel::Kafka)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "connector c: the kafka signal channel is not enabled (signal.enabled.channels = source)"
        );
        assert!(s.notifications().is_err());
        assert_eq!(qualify("order_items"), "public.order_items");
    }
}

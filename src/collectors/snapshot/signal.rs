//! A snapshot signal, worded as Debezium 3.x reads it, and sent through one of the connector's
//! channels: a row in its signal table (`source`) or a record on its signal topic (`kafka`,
//! keyed by the connector's `topic.prefix`, partition 0, the only one Debezium reads).

use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use serde::Serialize;
use serde_json::json;

use super::{Signalling, SnapshotError};
use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Source,
    Kafka,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Kafka => "kafka",
        }
    }
}

/// What the console asks of an incremental snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotSignal {
    /// `execute-snapshot` of these tables (`schema.table`), type incremental.
    Execute(Vec<String>),
    /// `stop-snapshot`: of these tables, or of the whole snapshot when empty.
    Stop(Vec<String>),
    Pause,
    Resume,
}

impl SnapshotSignal {
    /// Debezium's signal type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Execute(_) => "execute-snapshot",
            Self::Stop(_) => "stop-snapshot",
            Self::Pause => "pause-snapshot",
            Self::Resume => "resume-snapshot",
        }
    }

    /// The signal's `data` (JSON text; none for pause and resume).
    pub fn data(&self) -> Option<String> {
        match self {
            Self::Execute(tables) => {
                Some(json!({"data-collections": tables, "type": "incremental"}).to_string())
            }
            Self::Stop(tables) if tables.is_empty() => {
                Some(json!({"type": "incremental"}).to_string())
            }
            Self::Stop(tables) => {
                Some(json!({"data-collections": tables, "type": "incremental"}).to_string())
            }
            Self::Pause | Self::Resume => None,
        }
    }
}

/// A fresh signal id: Debezium names the snapshot an execute-snapshot starts by it (its
/// notifications carry it), so the console can follow its own snapshot.
pub fn new_id() -> String {
    format!("cdc-console-{:016x}", rand::random::<u64>())
}

/// Sends `signal` through `channel`; returns the signal's id.
pub async fn send(
    config: &Config,
    signalling: &Signalling,
    channel: Channel,
    signal: &SnapshotSignal,
) -> Result<String, SnapshotError> {
    let id = new_id();
    match channel {
        Channel::Source => insert(config, signalling, &id, signal).await?,
        Channel::Kafka => produce(config, signalling, &id, signal).await?,
    }
    Ok(id)
}

async fn insert(
    config: &Config,
    signalling: &Signalling,
    id: &str,
    signal: &SnapshotSignal,
) -> Result<(), SnapshotError> {
    let table = signalling.signal_table.clone().unwrap_or_default();
    let fail = |message: String| SnapshotError::Source { table: table.clone(), message };
    let (client, connection) = crate::pg::connect(&config.source, config.timeouts.request())
        .await
        .map_err(|e| fail(crate::pg::message(&e)))?;
    let driver = tokio::spawn(connection);
    let sql = format!(
        "INSERT INTO {} (id, type, data) VALUES ($1, $2, $3)",
        crate::pg::qualified(&table)
    );
    let result = client.execute(&sql, &[&id, &signal.kind(), &signal.data()]).await;
    drop(client);
    let _ = driver.await;
    result.map(|_| ()).map_err(|e| fail(crate::pg::message(&e)))
}

async fn produce(
    config: &Config,
    signalling: &Signalling,
    id: &str,
    signal: &SnapshotSignal,
) -> Result<(), SnapshotError> {
    let topic = signalling.kafka_topic.clone().unwrap_or_default();
    let fail = |message: String| SnapshotError::Kafka { topic: topic.clone(), message };
    let producer: FutureProducer = crate::kafka::client_config(config)
        .set("message.timeout.ms", config.timeouts.action().as_millis().max(1000).to_string())
        .create()
        .map_err(|e| fail(e.to_string()))?;
    let data = signal.data().map(|d| serde_json::from_str::<serde_json::Value>(&d)).transpose();
    let data = data.map_err(|e| fail(e.to_string()))?.unwrap_or_else(|| json!({}));
    let value = json!({"id": id, "type": signal.kind(), "data": data}).to_string();
    let record =
        FutureRecord::to(&topic).partition(0).key(&signalling.logical_name).payload(&value);
    producer
        .send(record, Duration::from_secs(0))
        .await
        .map(|_| ())
        .map_err(|(e, _)| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_carry_debeziums_types_and_data() {
        let exec = SnapshotSignal::Execute(vec!["public.order_items".into()]);
        assert_eq!(exec.kind(), "execute-snapshot");
        assert_eq!(
            exec.data().as_deref(),
            Some(r#"{"data-collections":["public.order_items"],"type":"incremental"}"#)
        );
        assert_eq!(
            SnapshotSignal::Stop(vec![]).data().as_deref(),
            Some(r#"{"type":"incremental"}"#)
        );
        assert_eq!(
            (SnapshotSignal::Pause.kind(), SnapshotSignal::Pause.data()),
            ("pause-snapshot", None)
        );
        assert_eq!(SnapshotSignal::Resume.kind(), "resume-snapshot");
        assert!(new_id().len() <= 64, "fits the signal table's id column");
    }
}

//! The Kafka cluster as metadata shows it: brokers and topics with their partitions.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde::Serialize;

use super::{CollectError, bounded};
use crate::config::Config;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KafkaSnapshot {
    pub brokers: Vec<Broker>,
    pub topics: Vec<Topic>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broker {
    pub id: i32,
    pub host: String,
    pub port: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    pub name: String,
    pub partitions: usize,
    /// Kafka's own and Connect's bookkeeping topics (`_connect-offsets`, `__consumer_offsets`).
    pub internal: bool,
    /// A per-topic metadata error, such as a leader not available.
    pub error: Option<String>,
}

/// Holds one librdkafka client for the life of the collector: it reconnects by itself, and
/// creating a client per poll would leak threads and connections.
#[derive(Clone)]
pub struct Probe {
    brokers: String,
    timeout: Duration,
    client: Arc<Result<BaseConsumer, String>>,
}

/// librdkafka properties for every client the console makes: the configured extras on top of
/// quiet, bounded defaults.
pub fn client_config(config: &Config) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &config.kafka.brokers)
        .set("client.id", "cdc-console")
        .set("socket.timeout.ms", config.timeouts.request().as_millis().max(10).to_string())
        .set("log_level", "3");
    for (k, v) in &config.kafka.properties {
        c.set(k, v);
    }
    c
}

impl Probe {
    pub fn new(config: &Config) -> Self {
        let client = client_config(config).create::<BaseConsumer>().map_err(|e| e.to_string());
        Self {
            brokers: config.kafka.brokers.clone(),
            timeout: config.timeouts.request(),
            client: Arc::new(client),
        }
    }

    pub async fn collect(&self) -> Result<KafkaSnapshot, CollectError> {
        let client = self.client.clone();
        let timeout = self.timeout;
        let endpoint = self.brokers.clone();
        // librdkafka's metadata call blocks a thread; keep it off the async workers.
        let fetched = bounded(&self.brokers, timeout + Duration::from_millis(500), async move {
            tokio::task::spawn_blocking(move || {
                let client = client.as_ref().as_ref().map_err(|e| CollectError::Backend {
                    endpoint: endpoint.clone(),
                    message: format!("cannot create a Kafka client: {e}"),
                    retryable: false,
                })?;
                client
                    .fetch_metadata(None, timeout)
                    .map(|m| snapshot(&m))
                    .map_err(|e| CollectError::Unreachable { endpoint, reason: e.to_string() })
            })
            .await
            .unwrap_or_else(|e| Err(CollectError::Backend {
                endpoint: String::new(),
                message: format!("metadata task failed: {e}"),
                retryable: true,
            }))
        })
        .await;
        match fetched {
            Ok(s) => Ok(s),
            // librdkafka's errors are generic ("broker transport failure"); a plain TCP connect
            // says why, which is what someone looking at a down broker wants to read.
            Err(e) => Err(match tcp_reason(&self.brokers, self.timeout).await {
                Some(reason) => CollectError::Unreachable { endpoint: self.brokers.clone(), reason },
                None => e,
            }),
        }
    }
}

fn snapshot(m: &rdkafka::metadata::Metadata) -> KafkaSnapshot {
    let mut brokers: Vec<Broker> = m
        .brokers()
        .iter()
        .map(|b| Broker { id: b.id(), host: b.host().to_string(), port: b.port() })
        .collect();
    brokers.sort_by_key(|b| b.id);
    let mut topics: Vec<Topic> = m
        .topics()
        .iter()
        .map(|t| Topic {
            name: t.name().to_string(),
            partitions: t.partitions().len(),
            internal: t.name().starts_with('_'),
            error: t.error().map(|e| rdkafka::error::RDKafkaErrorCode::from(e).to_string()),
        })
        .collect();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    KafkaSnapshot { brokers, topics }
}

/// Why no bootstrap server accepts a TCP connection, or None when one does.
async fn tcp_reason(brokers: &str, timeout: Duration) -> Option<String> {
    let mut reasons = Vec::new();
    for addr in brokers.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return None,
            Ok(Err(e)) => reasons.push(format!("{addr}: {e}")),
            Err(_) => reasons.push(format!("{addr}: connect timed out")),
        }
    }
    Some(reasons.join("; "))
}

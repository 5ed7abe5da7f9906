//! Kafka Connect REST: worker version, connectors with their tasks and states.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{CollectError, bounded};
use crate::config::ConnectCluster;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectSnapshot {
    pub version: String,
    pub commit: String,
    pub kafka_cluster_id: String,
    pub connectors: Vec<Connector>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connector {
    pub name: String,
    /// `source` or `sink`.
    #[serde(rename = "type")]
    pub kind: String,
    pub class: String,
    pub state: String,
    pub worker_id: String,
    pub trace: Option<String>,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: u32,
    pub state: String,
    pub worker_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl Connector {
    /// RUNNING with every task RUNNING.
    pub fn is_running(&self) -> bool {
        self.state == "RUNNING" && !self.tasks.is_empty() && self.tasks.iter().all(|t| t.state == "RUNNING")
    }

    pub fn has_failed(&self) -> bool {
        self.state == "FAILED" || self.tasks.iter().any(|t| t.state == "FAILED")
    }
}

/// A reusable client for one Connect cluster.
#[derive(Clone)]
pub struct Probe {
    base: String,
    http: reqwest::Client,
    timeout: Duration,
}

impl Probe {
    pub fn new(cluster: &ConnectCluster, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .unwrap_or_default();
        Self { base: cluster.url.to_string(), http, timeout }
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    pub async fn collect(&self) -> Result<ConnectSnapshot, CollectError> {
        bounded(&self.base, self.timeout, async {
            let root: Root = self.get("/").await?;
            let listed: BTreeMap<String, Expanded> =
                self.get("/connectors?expand=status&expand=info").await?;
            let connectors = listed.into_iter().map(|(name, e)| e.into_connector(name)).collect();
            Ok(ConnectSnapshot {
                version: root.version,
                commit: root.commit,
                kafka_cluster_id: root.kafka_cluster_id,
                connectors,
            })
        })
        .await
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, CollectError> {
        let url = format!("{}{path}", self.base);
        let resp = self.http.get(&url).send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| self.transport(e))?;
        if !status.is_success() {
            return Err(CollectError::Http { endpoint: url, status: status.as_u16(), body });
        }
        serde_json::from_str(&body).map_err(|e| CollectError::Backend {
            endpoint: url,
            message: format!("unexpected response: {e}"),
            retryable: false,
        })
    }

    fn transport(&self, e: reqwest::Error) -> CollectError {
        let endpoint = self.base.clone();
        if e.is_timeout() {
            return CollectError::Timeout { endpoint, after: self.timeout };
        }
        CollectError::Unreachable { endpoint, reason: root_cause(&e) }
    }
}

/// reqwest wraps the OS error several levels deep; the innermost says what happened
/// ("Connection refused (os error 111)").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[derive(Deserialize)]
struct Root {
    version: String,
    #[serde(default)]
    commit: String,
    #[serde(default)]
    kafka_cluster_id: String,
}

#[derive(Deserialize)]
struct Expanded {
    info: Option<Info>,
    status: Option<Status>,
}

#[derive(Deserialize)]
struct Info {
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Status {
    connector: ConnectorState,
    #[serde(default)]
    tasks: Vec<Task>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct ConnectorState {
    state: String,
    #[serde(default)]
    worker_id: String,
    #[serde(default)]
    trace: Option<String>,
}

impl Expanded {
    fn into_connector(self, name: String) -> Connector {
        let class = self
            .info
            .as_ref()
            .and_then(|i| i.config.get("connector.class").cloned())
            .unwrap_or_default();
        let kind = self
            .status
            .as_ref()
            .and_then(|s| s.kind.clone())
            .or_else(|| self.info.as_ref().and_then(|i| i.kind.clone()))
            .unwrap_or_default();
        let (state, worker_id, trace, mut tasks) = match self.status {
            Some(s) => (s.connector.state, s.connector.worker_id, s.connector.trace, s.tasks),
            None => ("UNKNOWN".into(), String::new(), None, Vec::new()),
        };
        tasks.sort_by_key(|t| t.id);
        Connector { name, kind, class, state, worker_id, trace, tasks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expanded_listing_decodes_states_tasks_and_traces() {
        let body = r#"{"orders-cdc":{"info":{"name":"orders-cdc","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","database.password":"x"},"tasks":[{"connector":"orders-cdc","task":0}],"type":"source"},
            "status":{"name":"orders-cdc","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083"},
            "tasks":[{"id":1,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"boom"},{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:8083"}],"type":"source"}}}"#;
        let listed: BTreeMap<String, Expanded> = serde_json::from_str(body).unwrap();
        let c: Vec<Connector> = listed.into_iter().map(|(n, e)| e.into_connector(n)).collect();
        assert_eq!(c[0].kind, "source");
        assert_eq!(c[0].class, "io.debezium.connector.postgresql.PostgresConnector");
        assert_eq!(c[0].tasks.iter().map(|t| t.id).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(c[0].tasks[1].trace.as_deref(), Some("boom"));
        assert!(c[0].has_failed() && !c[0].is_running());
    }
}

//! Kafka Connect REST: worker version, plugins, connectors with their tasks, states and
//! (masked) configs, and the actions that change them.
//!
//! Layout: `rest` sends one bounded request and turns error answers into [`ConnectError`];
//! `http` makes each cluster's client (CA, credentials, headers); `explain` words 401/403 and
//! TLS failures; `wire` decodes the worker's JSON; `mask` hides secrets before anything leaves
//! this module; `actions` is the typed API that mutates connectors (CLI now, TUI later);
//! `offsets` is Connect's offsets API (KIP-875), `offsets_flow` the guided stop → change → resume,
//! `lsn_check` and `offsets_report` the three-way LSN check of a Debezium PostgreSQL connector; `restart_policy`
//! decides when an opted-in FAILED connector is restarted on its own, `autorestart` does it.

mod actions;
mod autorestart;
mod explain;
mod http;
pub mod lsn_check;
mod mask;
pub mod offsets;
mod offsets_flow;
mod offsets_report;
mod rest;
mod restart_policy;
mod validate;
mod wire;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use actions::{
    ActionOutcome, Applied, ConnectorAction, ConnectorSpec, RestartScope, TaskStates,
};
pub use autorestart::AutoRestart;
pub use mask::{MASK, is_secret_key, mask_config};
pub use offsets_flow::{OffsetChange, Step};
pub use offsets_report::{DEBEZIUM_POSTGRES, OffsetsReport, Target};
pub use rest::ConnectError;
pub use restart_policy::AutoRestartStatus;

use super::{CollectError, bounded};
use crate::config::{Config, ConnectCluster};

/// One poll of a Connect cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectSnapshot {
    pub version: String,
    pub commit: String,
    pub kafka_cluster_id: String,
    /// Installed connector plugins; a connector whose class is missing here cannot start.
    pub plugins: Vec<Plugin>,
    pub connectors: Vec<Connector>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plugin {
    pub class: String,
    /// `source`, `sink`, or (3.x workers list them too) `transformation`, `converter`….
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    /// The connector's config with every secret replaced by [`MASK`] (see `mask`).
    pub config: BTreeMap<String, String>,
    /// Set for a connector opted in to auto-restart, by the collector that restarts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_restart: Option<AutoRestartStatus>,
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
        self.state == "RUNNING"
            && !self.tasks.is_empty()
            && self.tasks.iter().all(|t| t.state == "RUNNING")
    }

    pub fn has_failed(&self) -> bool {
        self.state == "FAILED" || self.tasks.iter().any(|t| t.state == "FAILED")
    }
}

/// Everything `describe` shows about one connector. Topics and offsets are best effort: a
/// worker with topic tracking disabled, or a connector between states, may not answer them, and
/// that must not hide the state and tasks, so their errors land in `notes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectorDetail {
    #[serde(flatten)]
    pub connector: Connector,
    /// Topics the connector has used since it was created (or its topics were last reset).
    pub topics: Option<Vec<String>>,
    /// Committed offsets: per source partition for a source connector (Debezium's LSNs), per
    /// topic partition for a sink.
    pub offsets: Option<Vec<Offset>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One committed offset, as the worker reports it (its shape belongs to the connector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offset {
    pub partition: serde_json::Value,
    pub offset: serde_json::Value,
}

/// The Connect cluster called `name`, or the first one configured.
pub fn select_cluster<'a>(
    config: &'a Config,
    name: Option<&str>,
) -> Result<&'a ConnectCluster, ConnectError> {
    let Some(name) = name else {
        return config.connect.first().ok_or(ConnectError::NoCluster);
    };
    config.connect.iter().find(|c| c.name == name).ok_or_else(|| ConnectError::UnknownCluster {
        name: name.to_string(),
        known: config.connect.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
    })
}

/// A reusable client for one Connect cluster. Cheap to clone (the HTTP pool is shared).
#[derive(Clone)]
pub struct Probe {
    cluster: String,
    base: String,
    /// The cluster's client, or why its settings cannot make one: then every request fails with
    /// that reason, so the view and the CLI show it where the cluster's state would be.
    http: Result<reqwest::Client, ConnectError>,
    /// The credentials requests carry, for the hint of a 401.
    sent: Option<&'static str>,
    timeout: Duration,
}

impl Probe {
    pub fn new(cluster: &ConnectCluster, timeout: Duration) -> Self {
        Self {
            cluster: cluster.name.clone(),
            base: cluster.url.to_string(),
            http: http::client(cluster, timeout),
            sent: cluster.auth.credentials.as_ref().map(crate::config::Credentials::kind),
            timeout,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// One poll for the store: [`Probe::snapshot`], the whole poll bounded by the request timeout.
    pub async fn collect(&self) -> Result<ConnectSnapshot, CollectError> {
        bounded(&self.base, self.timeout, async { Ok(self.snapshot().await?) }).await
    }

    /// Version, plugins and every connector with status and masked config: three requests in
    /// parallel. Errors keep the worker's answer and a retry hint (what `connectors get` prints).
    pub async fn snapshot(&self) -> Result<ConnectSnapshot, ConnectError> {
        let (root, plugins, listed) = tokio::try_join!(
            self.get::<wire::Root>(&[], &[]),
            self.get::<Vec<Plugin>>(&["connector-plugins"], &[]),
            self.get::<BTreeMap<String, wire::Expanded>>(
                &["connectors"],
                &[("expand", "status"), ("expand", "info")]
            ),
        )?;
        Ok(ConnectSnapshot {
            version: root.version,
            commit: root.commit,
            kafka_cluster_id: root.kafka_cluster_id,
            plugins,
            connectors: listed.into_iter().map(|(name, e)| e.into_connector(name)).collect(),
        })
    }

    /// Every connector's (masked) config, one request: what the snapshot collector needs to
    /// find the connectors' notification topics.
    pub async fn configs(
        &self,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ConnectError> {
        let listed = self
            .get::<BTreeMap<String, wire::Expanded>>(&["connectors"], &[("expand", "info")])
            .await?;
        Ok(listed
            .into_iter()
            .map(|(name, e)| (name.clone(), e.into_connector(name).config))
            .collect())
    }

    /// One connector in full. Fails only when the connector itself cannot be read (a 404 for an
    /// unknown name comes back verbatim); status, topics and offsets are best effort.
    pub async fn describe(&self, name: &str) -> Result<ConnectorDetail, ConnectError> {
        let (info, status, topics, offsets) = tokio::join!(
            self.get::<wire::Info>(&["connectors", name], &[]),
            self.get::<wire::Status>(&["connectors", name, "status"], &[]),
            self.get::<BTreeMap<String, wire::Topics>>(&["connectors", name, "topics"], &[]),
            self.get::<wire::Offsets>(&["connectors", name, "offsets"], &[]),
        );
        let mut notes = Vec::new();
        let mut note = |what: &str, e: ConnectError| notes.push(format!("{what}: {e}"));
        let status = status.map_err(|e| note("status", e)).ok();
        let connector =
            wire::Expanded { info: Some(info?), status }.into_connector(name.to_string());
        let topics = topics
            .map_err(|e| note("topics", e))
            .ok()
            .map(|t| t.into_values().flat_map(|t| t.topics).collect());
        let offsets = offsets.map_err(|e| note("offsets", e)).ok().map(|o| o.offsets);
        Ok(ConnectorDetail { connector, topics, offsets, notes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HttpUrl;

    #[test]
    fn clusters_are_picked_by_name_or_the_first_is_the_default() {
        let mut config = Config::default();
        let url = HttpUrl::parse("http://10.0.0.2:8083").expect("valid URL");
        config.connect.push(ConnectCluster {
            name: "west".into(),
            url,
            ..ConnectCluster::default()
        });
        assert_eq!(select_cluster(&config, None).map(|c| c.name.as_str()), Ok("local"));
        assert_eq!(
            select_cluster(&config, Some("west")).map(|c| c.url.as_str()),
            Ok("http://10.0.0.2:8083")
        );
        let err = select_cluster(&config, Some("north")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown Connect cluster `north`; configured clusters: local, west"
        );
        config.connect.clear();
        assert_eq!(select_cluster(&config, None).unwrap_err(), ConnectError::NoCluster);
    }
}

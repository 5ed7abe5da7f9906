//! The worker's JSON, decoded into the collector's own types. Configs are masked here, the
//! moment they are decoded, so the unmasked map never outlives the response.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::mask::mask_config;
use super::{Connector, Offset, Task};

/// `GET /`.
#[derive(Deserialize)]
pub(super) struct Root {
    pub version: String,
    #[serde(default)]
    pub commit: String,
    #[serde(default)]
    pub kafka_cluster_id: String,
}

/// One entry of `GET /connectors?expand=status&expand=info`; also built from `GET
/// /connectors/N` and `/status` for `describe`.
#[derive(Deserialize)]
pub(super) struct Expanded {
    pub info: Option<Info>,
    pub status: Option<Status>,
}

/// `GET /connectors/N`.
#[derive(Deserialize)]
pub(super) struct Info {
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

/// `GET /connectors/N/status`, and the body of a 202 from `POST …/restart`.
#[derive(Deserialize)]
pub(super) struct Status {
    pub connector: ConnectorState,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ConnectorState {
    pub state: String,
    #[serde(default)]
    pub worker_id: String,
    #[serde(default)]
    pub trace: Option<String>,
}

/// One value of `GET /connectors/N/topics` (keyed by connector name).
#[derive(Deserialize)]
pub(super) struct Topics {
    #[serde(default)]
    pub topics: Vec<String>,
}

/// `GET /connectors/N/offsets`.
#[derive(Deserialize)]
pub(super) struct Offsets {
    #[serde(default)]
    pub offsets: Vec<Offset>,
}

impl Expanded {
    /// A connector without a status (just created, or its worker gone) is `UNKNOWN`, not
    /// dropped: it exists, and hiding it would be worse.
    pub fn into_connector(self, name: String) -> Connector {
        let (config, info_kind) = match self.info {
            Some(i) => (mask_config(i.config), i.kind),
            None => (BTreeMap::new(), None),
        };
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let kind =
            self.status.as_ref().and_then(|s| s.kind.clone()).or(info_kind).unwrap_or_default();
        let (state, worker_id, trace, mut tasks) = match self.status {
            Some(s) => (s.connector.state, s.connector.worker_id, s.connector.trace, s.tasks),
            None => ("UNKNOWN".into(), String::new(), None, Vec::new()),
        };
        tasks.sort_by_key(|t| t.id);
        Connector { name, kind, class, state, worker_id, trace, tasks, config, auto_restart: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::connect::MASK;

    #[test]
    fn expanded_listing_decodes_states_tasks_traces_and_masks_config() {
        let body = r#"{"orders-cdc":{"info":{"name":"orders-cdc","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","database.password":"hunter2","key.converter":"org.apache.kafka.connect.json.JsonConverter"},"tasks":[{"connector":"orders-cdc","task":0}],"type":"source"},
            "status":{"name":"orders-cdc","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083"},
            "tasks":[{"id":1,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"boom"},{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:8083"}],"type":"source"}}}"#;
        let listed: BTreeMap<String, Expanded> = serde_json::from_str(body).unwrap();
        let c: Vec<Connector> = listed.into_iter().map(|(n, e)| e.into_connector(n)).collect();
        assert_eq!(c[0].kind, "source");
        assert_eq!(c[0].class, "io.debezium.connector.postgresql.PostgresConnector");
        assert_eq!(c[0].tasks.iter().map(|t| t.id).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(c[0].tasks[1].trace.as_deref(), Some("boom"));
        assert!(c[0].has_failed() && !c[0].is_running());
        assert_eq!(c[0].config["database.password"], MASK);
        assert_eq!(c[0].config["key.converter"], "org.apache.kafka.connect.json.JsonConverter");
        assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
    }

    #[test]
    fn a_connector_without_status_is_unknown() {
        let e: Expanded =
            serde_json::from_str(r#"{"info":{"config":{"connector.class":"X"},"type":"sink"}}"#)
                .unwrap();
        let c = e.into_connector("s".into());
        assert_eq!((c.state.as_str(), c.kind.as_str(), c.class.as_str()), ("UNKNOWN", "sink", "X"));
    }

    #[test]
    fn offsets_and_topics_decode() {
        let o: Offsets =
            serde_json::from_str(r#"{"offsets":[{"partition":{"server":"dbserver1"},"offset":{"lsn":151237168,"txId":27205}}]}"#)
                .unwrap();
        assert_eq!(o.offsets[0].offset["lsn"], 151_237_168);
        let t: BTreeMap<String, Topics> =
            serde_json::from_str(r#"{"orders-cdc":{"topics":["a","b"]}}"#).unwrap();
        assert_eq!(t["orders-cdc"].topics, ["a", "b"]);
    }
}

//! What the console can do to connectors: a typed API over the REST verbs, shared by the
//! `connectors` subcommands and (through [`ConnectorAction`]) the TUI's key bindings.
//!
//! Connect answers pause, resume and restart with 202 Accepted: the request is queued, not done.
//! Outcomes say so ("pause requested"); callers that need the new state poll the status.

use std::collections::BTreeMap;
use std::fmt;

use reqwest::{Method, StatusCode};
use serde::Serialize;

use super::mask::mask_config;
use super::{ConnectError, Probe, Task, wire};

/// A connector as an apply file declares it: `{"name": …, "config": {…}}`.
#[derive(Clone, PartialEq)]
pub struct ConnectorSpec {
    pub name: String,
    /// Unmasked: this goes to the worker. `Debug` masks it, so it cannot leak into a log.
    pub config: BTreeMap<String, String>,
}

impl fmt::Debug for ConnectorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorSpec")
            .field("name", &self.name)
            .field("config", &mask_config(self.config.clone()))
            .finish()
    }
}

impl ConnectorSpec {
    /// Parses an apply file: one `{"name","config"}` object or a list of them. Config values
    /// may be JSON numbers or booleans (sent as strings, as Connect stores them); anything else
    /// is an error naming the connector and key. `origin` (the file name) prefixes every error.
    pub fn parse_all(text: &str, origin: &str) -> Result<Vec<ConnectorSpec>, ConnectError> {
        let err = |message: String| ConnectError::Spec { origin: origin.to_string(), message };
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
        let items = match doc {
            serde_json::Value::Array(items) => items,
            one @ serde_json::Value::Object(_) => vec![one],
            _ => {
                return Err(
                    err("expected {\"name\": …, \"config\": {…}} or a list of them".into()),
                );
            }
        };
        if items.is_empty() {
            return Err(err("the list holds no connectors".into()));
        }
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                Self::from_value(item).map_err(|m| err(format!("connector #{}: {m}", i + 1)))
            })
            .collect()
    }

    fn from_value(item: serde_json::Value) -> Result<ConnectorSpec, String> {
        let serde_json::Value::Object(mut fields) = item else {
            return Err("not a JSON object".into());
        };
        if let Some(unknown) = fields.keys().find(|k| !matches!(k.as_str(), "name" | "config")) {
            return Err(format!("unknown field `{unknown}` (expected `name` and `config`)"));
        }
        let name = match fields.remove("name") {
            Some(serde_json::Value::String(n)) if !n.trim().is_empty() => n,
            _ => return Err("`name` must be a non-empty string".into()),
        };
        let Some(serde_json::Value::Object(raw)) = fields.remove("config") else {
            return Err(format!("{name}: `config` must be an object"));
        };
        let mut config = BTreeMap::new();
        for (key, value) in raw {
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => {
                    return Err(format!(
                        "{name}: config `{key}` must be a string, number or boolean, not {other}"
                    ));
                }
            };
            config.insert(key, value);
        }
        if let Some(inner) = config.get("name").filter(|n| **n != name) {
            return Err(format!("config.name `{inner}` differs from name `{name}`"));
        }
        Ok(ConnectorSpec { name, config })
    }
}

/// What `apply` did. `Unchanged` skips the PUT, so re-applying a file restarts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    Created,
    Updated,
    Unchanged,
}

impl Applied {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
        }
    }
}

/// Which tasks a connector restart takes along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartScope {
    AllTasks,
    FailedOnly,
}

/// Every mutation, as a value: the TUI binds keys to these and the CLI builds them from verbs.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectorAction {
    Apply(ConnectorSpec),
    Pause(String),
    Resume(String),
    Stop(String),
    Restart { name: String, scope: RestartScope },
    RestartTask { name: String, task: u32 },
    Delete(String),
}

impl ConnectorAction {
    pub fn connector(&self) -> &str {
        match self {
            Self::Apply(s) => &s.name,
            Self::Pause(n) | Self::Resume(n) | Self::Stop(n) | Self::Delete(n) => n,
            Self::Restart { name, .. } | Self::RestartTask { name, .. } => name,
        }
    }
}

/// "restart orders-cdc with all tasks": for confirmations, refusals and the log (no config).
impl fmt::Display for ConnectorAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Apply(s) => write!(f, "apply {}", s.name),
            Self::Pause(n) => write!(f, "pause {n}"),
            Self::Resume(n) => write!(f, "resume {n}"),
            Self::Stop(n) => write!(f, "stop {n}"),
            Self::Restart { name, scope: RestartScope::AllTasks } => {
                write!(f, "restart {name} with all tasks")
            }
            Self::Restart { name, scope: RestartScope::FailedOnly } => {
                write!(f, "restart {name} and its failed tasks")
            }
            Self::RestartTask { name, task } => write!(f, "restart task {task} of {name}"),
            Self::Delete(n) => write!(f, "delete {n}"),
        }
    }
}

/// Connector and task states as a restart left them (usually RESTARTING).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskStates {
    pub connector: String,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionOutcome {
    Applied {
        name: String,
        how: Applied,
    },
    /// The worker queued the request (202/204); the state changes shortly after.
    Requested {
        name: String,
        verb: &'static str,
    },
    /// `None` when the worker had nothing to restart and said so with 204.
    Restarted {
        name: String,
        states: Option<TaskStates>,
    },
    Deleted {
        name: String,
    },
}

impl fmt::Display for ActionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Applied { name, how } => write!(f, "connector {name} {}", how.as_str()),
            Self::Requested { name, verb } => write!(f, "connector {name}: {verb} requested"),
            Self::Restarted { name, states: None } => {
                write!(f, "connector {name}: nothing to restart")
            }
            Self::Restarted { name, states: Some(s) } => {
                // With onlyFailed=true and nothing failed, the worker still answers 202 but marks
                // nothing RESTARTING; saying "restart requested" then would be a lie.
                let restarting =
                    s.connector == "RESTARTING" || s.tasks.iter().any(|t| t.state == "RESTARTING");
                let what = if restarting { "restart requested" } else { "nothing to restart" };
                let tasks: Vec<String> =
                    s.tasks.iter().map(|t| format!("{}:{}", t.id, t.state)).collect();
                write!(
                    f,
                    "connector {name}: {what} (connector {}, tasks [{}])",
                    s.connector,
                    tasks.join(" ")
                )
            }
            Self::Deleted { name } => write!(f, "connector {name} deleted"),
        }
    }
}

impl Probe {
    /// Performs `action`; every request bounded by the timeout, errors verbatim.
    pub async fn perform(&self, action: &ConnectorAction) -> Result<ActionOutcome, ConnectError> {
        tracing::info!(%action, cluster = %self.endpoint(), "connector action");
        match action {
            ConnectorAction::Apply(spec) => {
                Ok(ActionOutcome::Applied { name: spec.name.clone(), how: self.apply(spec).await? })
            }
            ConnectorAction::Pause(n) => self.put_state(n, "pause").await,
            ConnectorAction::Resume(n) => self.put_state(n, "resume").await,
            ConnectorAction::Stop(n) => self.put_state(n, "stop").await,
            ConnectorAction::Restart { name, scope } => {
                let only_failed = if *scope == RestartScope::FailedOnly { "true" } else { "false" };
                let query = [("includeTasks", "true"), ("onlyFailed", only_failed)];
                let answer =
                    self.call(Method::POST, &["connectors", name, "restart"], &query).await?;
                let states = (answer.status != StatusCode::NO_CONTENT)
                    .then(|| serde_json::from_str::<wire::Status>(&answer.body).ok())
                    .flatten()
                    .map(|s| TaskStates { connector: s.connector.state, tasks: s.tasks });
                Ok(ActionOutcome::Restarted { name: name.clone(), states })
            }
            ConnectorAction::RestartTask { name, task } => {
                let task = task.to_string();
                self.call(Method::POST, &["connectors", name, "tasks", &task, "restart"], &[])
                    .await?;
                Ok(ActionOutcome::Requested { name: name.clone(), verb: "task restart" })
            }
            ConnectorAction::Delete(n) => {
                self.call(Method::DELETE, &["connectors", n], &[]).await?;
                Ok(ActionOutcome::Deleted { name: n.clone() })
            }
        }
    }

    /// Creates or updates through `PUT /connectors/N/config`, which answers 201 on create and
    /// 200 on update. The current config is read first so an identical apply changes nothing
    /// (an update would restart the connector for no reason).
    pub async fn apply(&self, spec: &ConnectorSpec) -> Result<Applied, ConnectError> {
        let current = match self
            .get::<BTreeMap<String, String>>(&["connectors", &spec.name, "config"], &[])
            .await
        {
            Ok(c) => Some(c),
            Err(ConnectError::Rest { status: 404, .. }) => None,
            Err(e) => return Err(e),
        };
        let without_name = |c: &BTreeMap<String, String>| {
            c.iter()
                .filter(|(k, _)| *k != "name")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        if current.as_ref().is_some_and(|c| without_name(c) == without_name(&spec.config)) {
            return Ok(Applied::Unchanged);
        }
        let url = self.url(&["connectors", &spec.name, "config"], &[])?;
        let body = serde_json::to_value(&spec.config).map_err(|e| ConnectError::Spec {
            origin: spec.name.clone(),
            message: e.to_string(),
        })?;
        let answer = match self.send(Method::PUT, url, Some(&body)).await {
            Ok(a) => a,
            Err(e) => return Err(self.rejection(spec, e).await),
        };
        Ok(if answer.status == StatusCode::CREATED { Applied::Created } else { Applied::Updated })
    }

    /// `PUT /connectors/N/pause|resume|stop`.
    async fn put_state(
        &self,
        name: &str,
        verb: &'static str,
    ) -> Result<ActionOutcome, ConnectError> {
        self.call(Method::PUT, &["connectors", name, verb], &[]).await?;
        Ok(ActionOutcome::Requested { name: name.to_string(), verb })
    }

    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<super::rest::Answer, ConnectError> {
        let url = self.url(segments, query)?;
        self.send(method, url, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_files_hold_one_connector_or_a_list() {
        let one = ConnectorSpec::parse_all(
            r#"{"name":"a","config":{"tasks.max":1,"x":"y","b":true}}"#,
            "f.json",
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].config["tasks.max"], "1");
        assert_eq!(one[0].config["b"], "true");
        let two = ConnectorSpec::parse_all(
            r#"[{"name":"a","config":{}},{"name":"b","config":{"name":"b"}}]"#,
            "f.json",
        )
        .unwrap();
        assert_eq!(two.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn bad_apply_files_name_the_file_and_the_problem() {
        let err = |text: &str| ConnectorSpec::parse_all(text, "f.json").unwrap_err().to_string();
        assert!(err("{").starts_with("f.json: not valid JSON"), "{}", err("{"));
        assert_eq!(err("[]"), "f.json: the list holds no connectors");
        assert_eq!(
            err(r#"{"name":"a","configs":{}}"#),
            "f.json: connector #1: unknown field `configs` (expected `name` and `config`)"
        );
        assert_eq!(
            err(r#"{"config":{}}"#),
            "f.json: connector #1: `name` must be a non-empty string"
        );
        assert_eq!(
            err(r#"{"name":"a","config":{"k":null}}"#),
            "f.json: connector #1: a: config `k` must be a string, number or boolean, not null"
        );
        assert_eq!(
            err(r#"{"name":"a","config":{"name":"b"}}"#),
            "f.json: connector #1: config.name `b` differs from name `a`"
        );
    }

    #[test]
    fn spec_debug_masks_secrets() {
        let s = ConnectorSpec::parse_all(
            r#"{"name":"a","config":{"database.password":"hunter2"}}"#,
            "f",
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}

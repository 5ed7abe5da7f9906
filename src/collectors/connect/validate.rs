//! Why Connect refused a connector's config. A refused `PUT /connectors/N/config` answers with
//! one JSON line (or, on some workers, a 500 from the worker's own validation code); the
//! plugin's validation endpoint lists every rejected setting with its message, which is what
//! the user needs to fix the file.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;

use super::mask::is_secret_key;
use super::{ConnectError, ConnectorSpec, MASK, Probe};

/// `PUT /connector-plugins/C/config/validate`.
#[derive(Deserialize)]
struct Validation {
    #[serde(default)]
    configs: Vec<Config>,
}

#[derive(Deserialize)]
struct Config {
    value: Option<Value>,
}

#[derive(Deserialize)]
struct Value {
    name: String,
    #[serde(default)]
    errors: Vec<String>,
}

/// The `message` of Connect's error body, else the body as it came.
fn message_of(body: &str) -> String {
    #[derive(Deserialize)]
    struct Body {
        message: String,
    }
    serde_json::from_str::<Body>(body).map_or_else(|_| body.trim().to_string(), |b| b.message)
}

/// `messages` with the spec's secret values hidden (a worker may quote a value it refuses).
fn masked(spec: &ConnectorSpec, messages: Vec<String>) -> Vec<String> {
    let secrets: Vec<&String> = spec
        .config
        .iter()
        .filter(|(k, v)| is_secret_key(k) && v.len() >= 3)
        .map(|(_, v)| v)
        .collect();
    messages
        .into_iter()
        .map(|m| secrets.iter().fold(m, |m, s| m.replace(s.as_str(), MASK)))
        .collect()
}

impl Probe {
    /// What to report when Connect refused `spec`: for a 400 or a 500, the validation's
    /// messages (`setting: message`, one each), else those of the answer, one a line; any
    /// other error as it is.
    pub(super) async fn rejection(
        &self,
        spec: &ConnectorSpec,
        refused: ConnectError,
    ) -> ConnectError {
        let ConnectError::Rest { status, body, .. } = &refused else { return refused };
        if !matches!(status, 400 | 500) {
            return refused;
        }
        let mut messages = self.validate(spec).await.unwrap_or_default();
        if messages.is_empty() {
            if *status == 500 {
                return refused;
            }
            messages = message_of(body).lines().map(str::to_string).collect();
        }
        ConnectError::Rejected {
            name: spec.name.clone(),
            status: *status,
            messages: masked(spec, messages),
        }
    }

    /// The plugin's verdict on `spec`'s config: `setting: message` per error, none when valid
    /// (or when the worker cannot say).
    async fn validate(&self, spec: &ConnectorSpec) -> Result<Vec<String>, ConnectError> {
        let Some(class) = spec.config.get("connector.class") else { return Ok(Vec::new()) };
        let mut config: BTreeMap<&str, &str> =
            spec.config.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        config.insert("name", &spec.name);
        let url = self.url(&["connector-plugins", class, "config", "validate"], &[])?;
        let body = serde_json::to_value(&config).unwrap_or_default();
        let answer = self.send(Method::PUT, url, Some(&body)).await?;
        let v: Validation =
            serde_json::from_str(&answer.body).unwrap_or(Validation { configs: Vec::new() });
        Ok(v.configs
            .into_iter()
            .filter_map(|c| c.value)
            .flat_map(|v| {
                let name = v.name;
                v.errors.into_iter().map(move |e| format!("{name}: {e}"))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_gives_its_message_and_secrets_are_hidden() {
        assert_eq!(
            message_of(r#"{"error_code":400,"message":"a\nb"}"#).lines().collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(message_of("not json "), "not json");
        let spec = ConnectorSpec {
            name: "x".into(),
            config: [("database.password".to_string(), "hunter2".to_string())].into(),
        };
        assert_eq!(
            masked(&spec, vec!["Invalid value hunter2 for database.password".into()]),
            [format!("Invalid value {MASK} for database.password")]
        );
    }
}

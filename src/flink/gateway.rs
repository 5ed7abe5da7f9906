//! The SQL gateway's REST API (v1/v2): open a session with the job's settings, run statements,
//! and read the Flink job id an INSERT starts. Owned by the `--on flink` submission and the
//! restart-from-savepoint action.
//!
//! A statement runs as an operation: submitted (`POST …/statements`), polled until it leaves
//! RUNNING, then its first result page read (`GET /v2/…/result/0?rowFormat=JSON`): for an
//! INSERT it holds the job id (`jobID`, and the one row `job id`). A failed operation answers
//! HTTP 500 with Flink's Java stack trace; the error keeps its first cause that is not the
//! gateway's own wrapping, with any secret of the session's statements cut out.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::FlinkError;
use crate::config::FlinkConfig;

/// How to start the gateway when it does not answer.
const START_HINT: &str = "start it: compose/local/stack up flink";

/// A client of one SQL gateway.
#[derive(Debug, Clone)]
pub struct Gateway {
    http: reqwest::Client,
    base: String,
}

/// An open session; statements run in it share its settings and temporary tables.
#[derive(Debug)]
pub struct Session<'g> {
    gateway: &'g Gateway,
    handle: String,
    /// Text cut out of every error (the sink password the statements carry).
    redact: Option<String>,
}

/// What a finished statement returned: the job it started, if any, and its first rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementResult {
    pub job_id: Option<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Gateway {
    pub fn new(config: &FlinkConfig, timeout: Duration) -> Self {
        let http = reqwest::Client::builder().timeout(timeout).build().unwrap_or_default();
        Self { http, base: config.sql_gateway.as_str().trim_end_matches('/').to_string() }
    }

    /// Opens a session with `properties` (Flink configuration: `pipeline.name`, checkpointing,
    /// `execution.state-recovery.path`…); `redact` is cut out of every error of the session.
    pub async fn open(
        &self,
        name: &str,
        properties: &[(String, String)],
        redact: Option<&str>,
    ) -> Result<Session<'_>, FlinkError> {
        let props: serde_json::Map<String, Value> =
            properties.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let body = serde_json::json!({ "sessionName": name, "properties": props });
        let answer =
            self.call(reqwest::Method::POST, "/v1/sessions", Some(&body), "open a session").await?;
        let handle = text(&answer, "sessionHandle", "open a session")?;
        Ok(Session {
            gateway: self,
            handle,
            redact: redact.filter(|r| !r.is_empty()).map(Into::into),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, FlinkError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let what = format!("SQL gateway {}: {what}", self.base);
        let response = request.send().await.map_err(|source| FlinkError::Unreachable {
            what: format!("{what} ({START_HINT})"),
            source,
        })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|source| FlinkError::Unreachable { what: what.clone(), source })?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(FlinkError::Status {
                what,
                status: status.as_u16(),
                reason: cause(&value),
            });
        }
        Ok(value)
    }
}

impl Session<'_> {
    pub fn handle(&self) -> &str {
        &self.handle
    }

    /// Runs one statement and waits up to `wait` for it to finish; `what` names it in errors.
    pub async fn execute(
        &self,
        statement: &str,
        what: &str,
        wait: Duration,
    ) -> Result<StatementResult, FlinkError> {
        let s = &self.handle;
        let body = serde_json::json!({ "statement": statement });
        let path = format!("/v1/sessions/{s}/statements");
        let answer = self.call(reqwest::Method::POST, &path, Some(&body), what).await?;
        let op = text(&answer, "operationHandle", what)?;
        let started = Instant::now();
        let status = loop {
            let path = format!("/v1/sessions/{s}/operations/{op}/status");
            let answer = self.call(reqwest::Method::GET, &path, None, what).await?;
            let status = text(&answer, "status", what)?;
            if !matches!(status.as_str(), "INITIALIZED" | "PENDING" | "RUNNING") {
                break status;
            }
            if started.elapsed() > wait {
                return Err(FlinkError::Refused {
                    what: what.into(),
                    reason: format!("still {status} after {}s", wait.as_secs()),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let path = format!("/v2/sessions/{s}/operations/{op}/result/0?rowFormat=JSON");
        let result = self.call(reqwest::Method::GET, &path, None, what).await;
        let result = match (status.as_str(), result) {
            ("FINISHED", Ok(v)) => v,
            (_, Err(FlinkError::Status { reason, .. })) => {
                return Err(FlinkError::Refused { what: what.into(), reason });
            }
            (_, Err(e)) => return Err(e),
            (other, Ok(_)) => {
                return Err(FlinkError::Refused { what: what.into(), reason: other.into() });
            }
        };
        Ok(statement_result(&result))
    }

    /// Closes the session (its temporary tables go with it; jobs it started keep running).
    pub async fn close(self) {
        let path = format!("/v1/sessions/{}", self.handle);
        let _ = self.gateway.call(reqwest::Method::DELETE, &path, None, "close the session").await;
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, FlinkError> {
        let redact = |text: String| match &self.redact {
            Some(secret) => text.replace(secret.as_str(), super::sql::PASSWORD_PLACEHOLDER),
            None => text,
        };
        self.gateway.call(method, path, body, what).await.map_err(|e| match e {
            FlinkError::Status { what, status, reason } => {
                FlinkError::Status { what, status, reason: redact(reason) }
            }
            FlinkError::Refused { what, reason } => {
                FlinkError::Refused { what, reason: redact(reason) }
            }
            other => other,
        })
    }
}

/// The job id and rows of a result page.
fn statement_result(page: &Value) -> StatementResult {
    let rows: Vec<Vec<Value>> = page["results"]["data"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["fields"].as_array().cloned()).collect())
        .unwrap_or_default();
    let job_id = page["jobID"]
        .as_str()
        .map(str::to_string)
        .or_else(|| rows.first().and_then(|r| r.first()).and_then(|v| v.as_str()).map(Into::into));
    StatementResult { job_id, rows }
}

fn text(v: &Value, key: &str, what: &str) -> Result<String, FlinkError> {
    v[key].as_str().map(str::to_string).ok_or_else(|| FlinkError::Decode {
        what: what.into(),
        reason: format!("no `{key}` in {}", cut(&v.to_string())),
    })
}

/// Flink's reason in an error answer: the first `Caused by:` that is not the gateway's own
/// wrapping, without its package; else the first line.
fn cause(v: &Value) -> String {
    let errors: Vec<&str> = v["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let lines = errors.iter().flat_map(|e| e.lines()).map(str::trim);
    let found = lines
        .clone()
        .filter_map(|l| l.strip_prefix("Caused by: "))
        .find(|l| !l.starts_with("org.apache.flink.table.gateway."))
        .or_else(|| lines.clone().find(|l| !l.is_empty() && *l != "Internal server error."));
    let reason = found.unwrap_or("no reason given");
    // `org.apache.flink.table.api.ValidationException: …` → `ValidationException: …`
    let reason = match reason.split_once(": ") {
        Some((class, rest)) if !class.contains(' ') => {
            format!("{}: {rest}", class.rsplit('.').next().unwrap_or(class))
        }
        _ => reason.to_string(),
    };
    cut(&reason)
}

fn cut(text: &str) -> String {
    const MAX: usize = 600;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_is_flinks_own_not_the_gateways() {
        let v = serde_json::json!({ "errors": ["Internal server error.", "org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n\tat x\nCaused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute.\nCaused by: org.apache.flink.table.api.ValidationException: SQL validation failed. Object 'nowhere' not found\nCaused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nowhere' not found"] });
        assert_eq!(
            cause(&v),
            "ValidationException: SQL validation failed. Object 'nowhere' not found"
        );
        assert_eq!(cause(&serde_json::json!({})), "no reason given");
    }

    #[test]
    fn an_inserts_job_id_is_read_from_its_result() {
        let page = serde_json::json!({ "jobID": "abc", "results": { "data": [{ "kind": "INSERT", "fields": ["abc"] }] } });
        assert_eq!(statement_result(&page).job_id.as_deref(), Some("abc"));
        let page =
            serde_json::json!({ "results": { "data": [{ "kind": "INSERT", "fields": ["def"] }] } });
        assert_eq!(statement_result(&page).job_id.as_deref(), Some("def"));
    }
}

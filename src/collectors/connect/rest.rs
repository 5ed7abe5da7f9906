//! One request to the Connect REST API: URL built from path segments (connector names are
//! escaped), bounded by the request timeout, error answers kept verbatim.

use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::Probe;
use crate::collectors::CollectError;

/// Why a Connect request failed. The worker's own answer is never reworded: operators search
/// for its exact message, so `Rest` prints the status and the body as received.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error("{method} {url}: {status} {}: {body}{}", reason(*status), rest_hint(*status))]
    Rest { method: String, url: String, status: u16, body: String },
    /// Connect refused a connector's config: what it said, one message a line (the plugin's
    /// validation when it has any, `setting: message`).
    #[error("connector {name}: Connect refused its config ({status} {}):{}", reason(*status), lines(messages))]
    Rejected { name: String, status: u16, messages: Vec<String> },
    #[error("{endpoint}: {reason} (is the Connect worker running? retry once it answers)")]
    Unreachable { endpoint: String, reason: String },
    /// `request` is the method and path ("PUT /connectors/x/pause"): after a timeout a mutation
    /// may still be carried out, and the hint says so.
    #[error("{endpoint}: no answer to {request} within {}{}", humantime::format_duration(*after), timeout_hint(request))]
    Timeout { endpoint: String, request: String, after: Duration },
    #[error("{url}: unexpected answer: {message}")]
    Decode { url: String, message: String },
    #[error("unknown Connect cluster `{name}`; configured clusters: {known}")]
    UnknownCluster { name: String, known: String },
    #[error("no Connect cluster is configured: add a [[connect]] section with name and url")]
    NoCluster,
    #[error("{origin}: {message}")]
    Spec { origin: String, message: String },
    /// 401 or 403: the worker wants other credentials, or more rights, than those sent.
    #[error("Connect cluster `{cluster}` at {endpoint} {}", super::explain::refusal(*status, request, *sent))]
    Refused {
        cluster: String,
        endpoint: String,
        request: String,
        status: u16,
        /// The credentials the request carried ("username and password", "token"), if any:
        /// the hint differs.
        sent: Option<&'static str>,
    },
    /// The worker's certificate was not accepted (unknown CA, wrong host name…).
    #[error("Connect cluster `{cluster}` at {endpoint}: {reason}")]
    Tls { cluster: String, endpoint: String, reason: String },
    /// The cluster's settings cannot make a client (an unreadable CA file, a header value).
    #[error("Connect cluster `{cluster}`: {message}")]
    Setup { cluster: String, message: String },
}

impl ConnectError {
    /// Worth retrying unchanged: the worker was away, busy (409 during a rebalance) or broken.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::Timeout { .. } => true,
            Self::Rest { status, .. } => *status == 409 || *status >= 500,
            Self::Decode { .. }
            | Self::Rejected { .. }
            | Self::UnknownCluster { .. }
            | Self::NoCluster
            | Self::Spec { .. }
            | Self::Refused { .. }
            | Self::Tls { .. }
            | Self::Setup { .. } => false,
        }
    }

    /// The worker's answer (status, reason, body) without the request it answered, for a place
    /// that already names the request; any other error whole.
    pub fn answer(&self) -> String {
        match self {
            Self::Rest { status, body, .. } => format!("{status} {}: {body}", reason(*status)),
            other => other.to_string(),
        }
    }

    /// The HTTP status when the worker answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rest { status, .. }
            | Self::Refused { status, .. }
            | Self::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub(super) fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}

/// Each message on a line of its own, indented.
fn lines(messages: &[String]) -> String {
    messages.iter().map(|m| format!("\n  {m}")).collect()
}

fn timeout_hint(request: &str) -> &'static str {
    if request.starts_with("GET ") {
        " (a busy or rebalancing worker answers slowly: retry, or raise timeouts.request_ms)"
    } else {
        " (the worker may still carry it out: check with `connectors describe` before retrying, or raise timeouts.request_ms)"
    }
}

fn rest_hint(status: u16) -> &'static str {
    match status {
        409 => " (the worker is rebalancing or its config is stale: retry in a few seconds)",
        500..=599 => " (worker-side error: retry, and read the worker log if it persists)",
        _ => "",
    }
}

/// The store keeps `CollectError`; the mapping keeps endpoints and wording unchanged.
impl From<ConnectError> for CollectError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Rest { url, status, body, .. } => {
                CollectError::Http { endpoint: url, status, body }
            }
            ConnectError::Unreachable { endpoint, reason } => {
                CollectError::Unreachable { endpoint, reason }
            }
            ConnectError::Timeout { endpoint, after, .. } => {
                CollectError::Timeout { endpoint, after }
            }
            ConnectError::Decode { url, message } => {
                CollectError::Backend { endpoint: url, message, retryable: false }
            }
            // The store's views name the cluster; the endpoint leads, the cause follows.
            ConnectError::Refused { endpoint, request, status, sent, .. } => {
                let message = super::explain::refusal(status, &request, sent);
                CollectError::Backend { endpoint, message, retryable: false }
            }
            ConnectError::Tls { endpoint, reason, .. } => {
                CollectError::Backend { endpoint, message: reason, retryable: false }
            }
            other => CollectError::Backend {
                endpoint: String::new(),
                message: other.to_string(),
                retryable: false,
            },
        }
    }
}

/// A successful answer: status and body.
pub(super) struct Answer {
    pub status: StatusCode,
    pub body: String,
}

/// How often a 409 ("rebalance in progress") is retried before it is reported: Connect itself
/// says to try again, and a rebalance after a create or delete usually ends within a second.
const CONFLICT_ATTEMPTS: u32 = 3;

impl Probe {
    pub(super) fn url(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Url, ConnectError> {
        let bad = |message: String| ConnectError::Decode { url: self.base.clone(), message };
        let mut url = Url::parse(&self.base).map_err(|e| bad(format!("not a URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| bad("cannot be a base URL".into()))?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// GET and decode. The URL is built before the future starts, so the future borrows only
    /// `self` and callers can join several GETs built from temporary segment lists.
    pub(super) fn get<'a, T: DeserializeOwned>(
        &'a self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> impl Future<Output = Result<T, ConnectError>> + use<'a, T> {
        let url = self.url(segments, query);
        async move {
            let url = url?;
            let answer = self.send(Method::GET, url.clone(), None).await?;
            serde_json::from_str(&answer.body)
                .map_err(|e| ConnectError::Decode { url: url.to_string(), message: e.to_string() })
        }
    }

    /// Sends one request, each attempt bounded by the timeout; a 409 is retried a few times.
    pub(super) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, ConnectError> {
        let http = self.http.as_ref().map_err(Clone::clone)?;
        let mut attempt = 1;
        loop {
            let mut req = http.request(method.clone(), url.clone());
            if let Some(b) = body {
                req = req.json(b);
            }
            let sent = tokio::time::timeout(self.timeout, async {
                let resp = req.send().await?;
                let status = resp.status();
                Ok::<_, reqwest::Error>(Answer { status, body: resp.text().await? })
            });
            let answer = match sent.await {
                Err(_) => return Err(self.timed_out(&method, &url)),
                Ok(Err(e)) if e.is_timeout() => return Err(self.timed_out(&method, &url)),
                Ok(Err(e)) => return Err(super::explain::failure(&self.cluster, &self.base, &e)),
                Ok(Ok(a)) => a,
            };
            if answer.status.is_success() {
                return Ok(answer);
            }
            if answer.status == StatusCode::CONFLICT && attempt < CONFLICT_ATTEMPTS {
                tracing::info!(%method, %url, attempt, "Connect answered 409, retrying");
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                attempt += 1;
                continue;
            }
            if matches!(answer.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                return Err(ConnectError::Refused {
                    cluster: self.cluster.clone(),
                    endpoint: self.base.clone(),
                    request: format!("{method} {}", url.path()),
                    status: answer.status.as_u16(),
                    sent: self.sent,
                });
            }
            return Err(ConnectError::Rest {
                method: method.to_string(),
                url: url.to_string(),
                status: answer.status.as_u16(),
                body: answer.body,
            });
        }
    }

    fn timed_out(&self, method: &Method, url: &Url) -> ConnectError {
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        let request = format!("{method} {}{query}", url.path());
        ConnectError::Timeout { endpoint: self.base.clone(), request, after: self.timeout }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_errors_show_status_reason_and_body_verbatim() {
        let body = r#"{"error_code":404,"message":"Connector x not found"}"#;
        let e = ConnectError::Rest {
            method: "GET".into(),
            url: "http://h:8083/connectors/x".into(),
            status: 404,
            body: body.into(),
        };
        assert_eq!(e.to_string(), format!("GET http://h:8083/connectors/x: 404 Not Found: {body}"));
        assert_eq!(e.answer(), format!("404 Not Found: {body}"));
        assert!(!e.is_retryable());
        let busy = ConnectError::Rest {
            method: "PUT".into(),
            url: "u".into(),
            status: 409,
            body: "{}".into(),
        };
        assert!(busy.is_retryable() && busy.to_string().contains("retry"));
        let slow = |request: &str| ConnectError::Timeout {
            endpoint: "http://h".into(),
            request: request.into(),
            after: Duration::from_secs(3),
        };
        assert!(
            slow("GET /connectors")
                .to_string()
                .starts_with("http://h: no answer to GET /connectors within 3s (a busy")
        );
        assert!(slow("PUT /connectors/x/pause").to_string().contains("may still carry it out"));
    }

    #[test]
    fn connector_names_are_escaped_as_one_path_segment() {
        let cluster = crate::config::ConnectCluster::default();
        let p = Probe::new(&cluster, Duration::from_secs(1));
        let url = p.url(&["connectors", "a b/c", "restart"], &[("includeTasks", "true")]).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8083/connectors/a%20b%2Fc/restart?includeTasks=true"
        );
    }
}

//! What a receiver is sent: Slack's incoming-webhook format (a `text` fallback, an attachment
//! coloured by severity with blocks inside) or a generic JSON document modelled on
//! Alertmanager's webhook, simplified to one alert a message.

use std::time::SystemTime;

use serde_json::{Value, json};

use crate::alerts::{Alert, Severity};
use crate::store::rfc3339;

/// The generic document's version; it changes only when a field changes meaning.
pub const VERSION: &str = "1";

/// Slack's limits: a header's text and the fields of one section.
const HEADER_MAX: usize = 150;
const FIELDS_MAX: usize = 10;

/// Whether a message says an alert fires (first time or a reminder) or has resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Firing,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Resolved => "resolved",
        }
    }
}

/// One message for one receiver, before it is rendered in the receiver's format.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub status: Status,
    pub alert: Alert,
    /// A reminder that the alert still fires (sent every `repeat`).
    pub reminder: bool,
}

/// The attachment's colour: by severity while firing, green once resolved.
pub fn colour(status: Status, severity: Severity) -> &'static str {
    match (status, severity) {
        (Status::Resolved, _) => "#2eb886",
        (Status::Firing, Severity::Critical) => "#d00000",
        (Status::Firing, Severity::Warning) => "#e0a000",
        (Status::Firing, Severity::Info) => "#2f7bbf",
    }
}

/// `FIRING: rule` / `RESOLVED: rule`.
pub fn title(m: &Message) -> String {
    let word = match m.status {
        Status::Firing => "FIRING",
        Status::Resolved => "RESOLVED",
    };
    format!("{word}: {}", m.alert.rule)
}

/// The Slack-compatible body.
pub fn slack(m: &Message) -> Value {
    let title = title(m);
    let header: String = title.chars().take(HEADER_MAX).collect();
    let reminder = if m.reminder { " (still firing)" } else { "" };
    let text = format!("{title}{reminder}: {}", m.alert.summary);
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": header, "emoji": false }
    })];
    if !m.alert.summary.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": format!("{}{reminder}", m.alert.summary) }
        }));
    }
    blocks.push(json!({ "type": "section", "fields": fields(m) }));
    json!({
        "text": text,
        "attachments": [{
            "color": colour(m.status, m.alert.severity),
            "fallback": text,
            "blocks": blocks,
        }]
    })
}

/// The section's fields: severity, value, since (and resolved at), then the labels.
fn fields(m: &Message) -> Vec<Value> {
    let a = &m.alert;
    let severity = serde_plain(a.severity);
    let mut pairs = vec![
        ("severity".to_string(), severity),
        ("value".to_string(), a.value.clone()),
        ("since".to_string(), rfc3339(a.active_since)),
    ];
    if let Some(at) = a.resolved_at.filter(|_| m.status == Status::Resolved) {
        pairs.push(("resolved".to_string(), rfc3339(at)));
    }
    pairs.extend(a.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    pairs
        .into_iter()
        .take(FIELDS_MAX)
        .map(|(k, v)| json!({ "type": "mrkdwn", "text": format!("*{k}*\n{v}") }))
        .collect()
}

fn serde_plain(s: Severity) -> String {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
    .to_string()
}

/// The generic JSON body.
pub fn generic(m: &Message, receiver: &str, sent_at: SystemTime) -> Value {
    json!({
        "version": VERSION,
        "status": m.status.as_str(),
        "reminder": m.reminder,
        "receiver": receiver,
        "fingerprint": m.alert.fingerprint(),
        "sent_at": rfc3339(sent_at),
        "alert": m.alert,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::alerts::AlertState;

    fn alert(state: AlertState) -> Alert {
        let since = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        Alert {
            rule: "lag_high".into(),
            severity: Severity::Critical,
            state,
            labels: BTreeMap::from([("group".into(), "orders".into())]),
            value: "42s".into(),
            summary: "group orders is 42s behind".into(),
            active_since: since,
            fired_at: Some(since),
            resolved_at: (state == AlertState::Resolved).then_some(since + Duration::from_secs(60)),
        }
    }

    #[test]
    fn slack_firing_is_red_with_a_header_and_the_labels_as_fields() {
        let m =
            Message { status: Status::Firing, alert: alert(AlertState::Firing), reminder: false };
        let v = slack(&m);
        assert_eq!(v["text"], "FIRING: lag_high: group orders is 42s behind");
        let att = &v["attachments"][0];
        assert_eq!(att["color"], "#d00000");
        assert_eq!(att["blocks"][0]["type"], "header");
        assert_eq!(att["blocks"][0]["text"]["text"], "FIRING: lag_high");
        let fields: Vec<&str> = att["blocks"][2]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "*severity*\ncritical",
                "*value*\n42s",
                "*since*\n2023-11-14T22:13:20.000Z",
                "*group*\norders"
            ]
        );
    }

    #[test]
    fn slack_resolved_is_green_and_colours_follow_severity() {
        let m = Message {
            status: Status::Resolved,
            alert: alert(AlertState::Resolved),
            reminder: false,
        };
        let v = slack(&m);
        assert_eq!(v["attachments"][0]["color"], "#2eb886");
        assert_eq!(v["attachments"][0]["blocks"][0]["text"]["text"], "RESOLVED: lag_high");
        assert_eq!(colour(Status::Firing, Severity::Warning), "#e0a000");
        assert_eq!(colour(Status::Firing, Severity::Info), "#2f7bbf");
    }

    #[test]
    fn generic_carries_status_receiver_time_and_the_alert() {
        let m =
            Message { status: Status::Firing, alert: alert(AlertState::Firing), reminder: true };
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_100);
        let v = generic(&m, "ops", at);
        assert_eq!(v["version"], "1");
        assert_eq!((v["status"].as_str(), v["receiver"].as_str()), (Some("firing"), Some("ops")));
        assert_eq!(v["reminder"], true);
        assert_eq!(v["sent_at"], "2023-11-14T22:15:00.000Z");
        assert_eq!(v["fingerprint"], "lag_high{group=\"orders\"}");
        assert_eq!(v["alert"]["labels"]["group"], "orders");
        assert_eq!(v["alert"]["severity"], "critical");
    }
}

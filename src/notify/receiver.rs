//! A receiver as the dispatcher uses it: the config's table with its defaults filled in, and
//! its URL kept secret. Display and Debug show only the scheme and host
//! (`ops (slack, https://hooks.slack.com/****)`): the rest of a webhook URL is the credential.

use std::time::Duration;

use crate::alerts::Severity;
use crate::config::ReceiverConfig;
use crate::config::secret::{MASK, Secret};

/// A reminder while an alert keeps firing, unless the receiver says otherwise.
pub const DEFAULT_REPEAT: Duration = Duration::from_secs(4 * 3600);
/// Messages a minute to one receiver, unless it says otherwise.
pub const DEFAULT_PER_MINUTE: u32 = 20;

/// The payload a receiver takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Slack's incoming-webhook format (attachments coloured by severity, blocks inside).
    Slack,
    /// The generic JSON document (`version`, `status`, `alert`, `sent_at`, `receiver`).
    Webhook,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slack => "slack",
            Self::Webhook => "webhook",
        }
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub name: String,
    pub kind: Kind,
    url: Secret,
    pub send_resolved: bool,
    pub repeat: Duration,
    pub max_per_minute: u32,
    /// Alerts quieter than this are not sent.
    pub min_severity: Severity,
}

impl Receiver {
    /// The receiver of a `[[alerts.receivers]]` table (checked when the file was read; a table
    /// built otherwise is checked again here). Errors never show the URL.
    pub fn from_config(c: &ReceiverConfig) -> Result<Self, String> {
        let kind = match c.kind.as_str() {
            "slack" => Kind::Slack,
            "webhook" => Kind::Webhook,
            other => return Err(format!("receiver `{}`: unknown kind `{other}`", c.name)),
        };
        let url = [&c.url, &c.url_env, &c.url_file]
            .into_iter()
            .find_map(Option::as_ref)
            .cloned()
            .ok_or_else(|| format!("receiver `{}` has no URL", c.name))?;
        if masked(url.expose()).is_none() {
            return Err(format!("receiver `{}`: its URL is not an http(s) URL", c.name));
        }
        let repeat = match &c.repeat {
            Some(text) => humantime::parse_duration(text)
                .map_err(|e| format!("receiver `{}`: repeat `{text}`: {e}", c.name))?,
            None => DEFAULT_REPEAT,
        };
        let min_severity = match c.min_severity.as_deref() {
            None | Some("info") => Severity::Info,
            Some("warning") => Severity::Warning,
            Some("critical") => Severity::Critical,
            Some(other) => {
                return Err(format!("receiver `{}`: unknown severity `{other}`", c.name));
            }
        };
        Ok(Self {
            name: c.name.clone(),
            kind,
            url,
            send_resolved: c.send_resolved.unwrap_or(true),
            repeat: repeat.max(Duration::from_secs(1)),
            max_per_minute: c.max_per_minute.unwrap_or(DEFAULT_PER_MINUTE).max(1),
            min_severity,
        })
    }

    /// The URL, for the request that sends to it and nothing else.
    pub(super) fn url(&self) -> &str {
        self.url.expose()
    }

    /// `scheme://host[:port]/****`: what the screen, logs and errors may show of the URL.
    pub fn masked_url(&self) -> String {
        masked(self.url.expose()).unwrap_or_else(|| MASK.to_string())
    }

    /// Whether an alert of `severity` goes to this receiver.
    pub fn wants(&self, severity: Severity) -> bool {
        severity >= self.min_severity
    }
}

/// `scheme://host[:port]/****` of an http(s) URL (no user info, path or query); `None` if it
/// is not one.
fn masked(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?;
    Some(match u.port() {
        Some(port) => format!("{}://{host}:{port}/{MASK}", u.scheme()),
        None => format!("{}://{host}/{MASK}", u.scheme()),
    })
}

impl std::fmt::Display for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {})", self.name, self.kind.as_str(), self.masked_url())
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Receiver({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> ReceiverConfig {
        ReceiverConfig {
            name: "ops".into(),
            kind: "slack".into(),
            url: Some(Secret::new(url)),
            url_env: None,
            url_file: None,
            send_resolved: None,
            repeat: None,
            max_per_minute: None,
            min_severity: Some("warning".into()),
        }
    }

    #[test]
    fn the_url_shows_only_its_scheme_and_host() {
        let r = Receiver::from_config(&config("https://u:pw@hooks.slack.com/services/T0/B0/XyZ"))
            .unwrap();
        assert_eq!(r.to_string(), "ops (slack, https://hooks.slack.com/****)");
        assert_eq!(format!("{r:?}"), "Receiver(ops (slack, https://hooks.slack.com/****))");
        let r = Receiver::from_config(&config("http://127.0.0.1:9000/hook/secret")).unwrap();
        assert_eq!(r.masked_url(), "http://127.0.0.1:9000/****");
        assert_eq!(r.url(), "http://127.0.0.1:9000/hook/secret");
    }

    #[test]
    fn defaults_fill_in_and_severity_filters() {
        let r = Receiver::from_config(&config("https://h/x")).unwrap();
        assert_eq!((r.repeat, r.max_per_minute, r.send_resolved), (DEFAULT_REPEAT, 20, true));
        assert!(!r.wants(Severity::Info) && r.wants(Severity::Warning));
        assert!(r.wants(Severity::Critical));
    }

    #[test]
    fn a_bad_url_is_refused_without_being_shown() {
        let e = Receiver::from_config(&config("ftp://h/secret-path")).unwrap_err();
        assert!(!e.contains("secret-path"), "{e}");
    }
}

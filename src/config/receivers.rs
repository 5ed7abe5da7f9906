//! Checks on `[[alerts.receivers]]` made when the file is read, so a mistake shows at start
//! with its file, line and key instead of as a notification that never arrives. A receiver's
//! URL is a secret (Slack's path is the credential): no message here ever shows it.

use std::collections::BTreeSet;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::alerts::ReceiverConfig;
use super::secret::{self, Secret};

/// The kinds of receiver: a Slack-compatible incoming webhook, or generic JSON.
pub const KINDS: [&str; 2] = ["slack", "webhook"];

/// The severities a receiver may filter on, quietest first.
pub const SEVERITIES: [&str; 3] = ["info", "warning", "critical"];

/// `kind`: one of [`KINDS`].
pub fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let kind = String::deserialize(d)?;
    if KINDS.contains(&kind.as_str()) {
        Ok(kind)
    } else {
        Err(D::Error::custom(format!("unknown receiver kind `{kind}`: use `slack` or `webhook`")))
    }
}

/// `repeat`: a humantime duration of at least a second.
pub fn repeat<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    match humantime::parse_duration(&text) {
        Ok(span) if span.as_secs() >= 1 => Ok(Some(text)),
        Ok(_) => Err(D::Error::custom(format!("`{text}` is shorter than a second"))),
        Err(e) => Err(D::Error::custom(format!("`{text}` is not a duration like \"4h\": {e}"))),
    }
}

/// `max_per_minute`: at least one.
pub fn per_minute<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match u32::deserialize(d)? {
        0 => Err(D::Error::custom("must be at least 1")),
        n => Ok(Some(n)),
    }
}

/// `min_severity`: one of [`SEVERITIES`].
pub fn min_severity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let severity = String::deserialize(d)?;
    if SEVERITIES.contains(&severity.as_str()) {
        Ok(Some(severity))
    } else {
        Err(D::Error::custom(format!(
            "unknown severity `{severity}`: use `info`, `warning` or `critical`"
        )))
    }
}

/// `url`: an http(s) URL, written in the file.
pub fn url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let value = Secret::deserialize(d)?;
    checked(value, "the value").map(Some).map_err(D::Error::custom)
}

/// `url_env`: an http(s) URL, in the environment variable named.
pub fn url_env<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let Some(value) = secret::from_env(d)? else { return Ok(None) };
    checked(value, "the variable's value").map(Some).map_err(D::Error::custom)
}

/// `url_file`: an http(s) URL, in the file named.
pub fn url_file<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let Some(value) = secret::from_file(d)? else { return Ok(None) };
    checked(value, "the file's content").map(Some).map_err(D::Error::custom)
}

/// `value` when it is an http(s) URL with a host; the error says so without showing it.
fn checked(value: Secret, what: &str) -> Result<Secret, String> {
    match reqwest::Url::parse(value.expose()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(value),
        _ => Err(format!(
            "{what} is not an http:// or https:// URL (not shown: a webhook URL is a secret)"
        )),
    }
}

/// `receivers`: each one complete, and no name used twice.
pub fn receivers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ReceiverConfig>, D::Error> {
    let list: Vec<ReceiverConfig> =
        Vec::<Complete>::deserialize(d)?.into_iter().map(|c| c.0).collect();
    let mut seen = BTreeSet::new();
    for r in &list {
        if !seen.insert(r.name.as_str()) {
            return Err(D::Error::custom(format!("two receivers are named `{}`", r.name)));
        }
    }
    Ok(list)
}

/// A receiver with exactly one of its URL keys, checked as its table is read (so the error
/// points at that table).
struct Complete(ReceiverConfig);

impl<'de> Deserialize<'de> for Complete {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = ReceiverConfig::deserialize(d)?;
        let set = [r.url.is_some(), r.url_env.is_some(), r.url_file.is_some()];
        match set.iter().filter(|s| **s).count() {
            1 => Ok(Self(r)),
            0 => Err(D::Error::custom(format!(
                "receiver `{}` needs one of url, url_env or url_file",
                r.name
            ))),
            _ => Err(D::Error::custom(format!(
                "receiver `{}` sets more than one of url, url_env and url_file",
                r.name
            ))),
        }
    }
}

#[cfg(test)]
#[path = "receivers_tests.rs"]
mod tests;

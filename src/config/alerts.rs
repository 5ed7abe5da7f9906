//! `[alerts]`: the rules the console evaluates wherever it runs (TUI and `serve`) and the
//! receivers it notifies. Durations are humantime strings ("30s", "5m", "4h").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::secret::Secret;

mod valid {
    //! Each rule key checked as it is read, so a mistake is reported at its file, line and key
    //! (`alerts.rules[1].when: unknown fact "grup_lag" (known: …)`).
    use serde::{Deserialize, Deserializer, de::Error};

    use crate::alerts::{defaults, rule};

    pub fn condition<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let text = String::deserialize(d)?;
        rule::parse_condition(&text).map_err(D::Error::custom)?;
        Ok(text)
    }

    pub fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let text = String::deserialize(d)?;
        rule::parse_duration(&text).map_err(D::Error::custom)?;
        Ok(Some(text))
    }

    pub fn severity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let text = String::deserialize(d)?;
        rule::parse_severity(&text).map_err(D::Error::custom)?;
        Ok(Some(text))
    }

    pub fn builtin_names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let known = defaults::names();
        match names.iter().find(|n| !known.contains(&n.as_str())) {
            Some(n) => Err(D::Error::custom(format!(
                "no built-in rule {n:?} (built-in: {})",
                known.join(", ")
            ))),
            None => Ok(names),
        }
    }
}

/// `[alerts]` in the config file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// The built-in rules are on unless this is false.
    pub defaults: bool,
    /// Built-in rules switched off by name.
    #[serde(deserialize_with = "valid::builtin_names")]
    pub disable: Vec<String>,
    /// The user's rules (`[[alerts.rules]]`); one named like a built-in replaces it.
    pub rules: Vec<RuleConfig>,
    /// Where firing and resolved alerts are sent (`[[alerts.receivers]]`).
    #[serde(deserialize_with = "super::receivers::receivers")]
    pub receivers: Vec<ReceiverConfig>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self { defaults: true, disable: Vec::new(), rules: Vec::new(), receivers: Vec::new() }
    }
}

/// One `[[alerts.rules]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    /// The condition: `FACT OP VALUE`, e.g. `group_lag_seconds > 30`, `connector_state ==
    /// "FAILED"` (the facts are listed in `alerts::facts`).
    #[serde(deserialize_with = "valid::condition")]
    pub when: String,
    /// How long the condition must hold before the alert fires ("0s" by default).
    #[serde(default, rename = "for", deserialize_with = "valid::duration")]
    pub for_: Option<String>,
    /// info, warning or critical (warning by default).
    #[serde(default, deserialize_with = "valid::severity")]
    pub severity: Option<String>,
    /// Labels the rule adds to each of its alerts (the fact's own labels come first).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Only subjects whose labels match these globs (`*` any run): e.g. `{ group = "orders-*" }`.
    #[serde(default, rename = "match")]
    pub matches: BTreeMap<String, String>,
    /// One line said of an alert; `{label}` and `{value}` are filled in.
    #[serde(default)]
    pub summary: Option<String>,
}

/// One `[[alerts.receivers]]` table. The URL is a secret: `url`, `url_env` or `url_file`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    pub name: String,
    /// `slack` (Slack-compatible blocks, colour by severity) or `webhook` (generic JSON).
    #[serde(deserialize_with = "super::receivers::kind")]
    pub kind: String,
    #[serde(default, deserialize_with = "super::receivers::url")]
    pub url: Option<Secret>,
    #[serde(default, deserialize_with = "super::receivers::url_env")]
    pub url_env: Option<Secret>,
    #[serde(default, deserialize_with = "super::receivers::url_file")]
    pub url_file: Option<Secret>,
    /// Send a message when an alert resolves (true by default).
    #[serde(default)]
    pub send_resolved: Option<bool>,
    /// A reminder while an alert keeps firing ("4h" by default).
    #[serde(default, deserialize_with = "super::receivers::repeat")]
    pub repeat: Option<String>,
    /// At most this many messages a minute to this receiver (20 by default); the rest wait.
    #[serde(default, deserialize_with = "super::receivers::per_minute")]
    pub max_per_minute: Option<u32>,
    /// Only alerts of at least this severity (all by default).
    #[serde(default, deserialize_with = "super::receivers::min_severity")]
    pub min_severity: Option<String>,
}

//! Alert rules evaluated against the store wherever the console runs: a condition on a fact
//! (lag, a connector's state, a slot's WAL…), how long it must hold, a severity and labels.
//! Evaluation yields the alerts (pending, firing, resolved in the last hour) and the
//! transitions the notifier sends.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

/// How loud an alert is; receivers colour by it and may filter on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// Where an alert stands: its condition holds but not yet for `for` (pending), it has held
/// long enough (firing), or it held and no longer does (resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Pending,
    Firing,
    Resolved,
}

/// One alert: a rule applied to one subject (a group, a connector, a slot…), named by its
/// labels. `rule` + `labels` identify it (its fingerprint).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: String,
    pub severity: Severity,
    pub state: AlertState,
    /// The subject's labels (e.g. `group`, `connector`, `slot`) and the rule's own.
    pub labels: BTreeMap<String, String>,
    /// The fact's value when last evaluated, as shown ("42s", "FAILED", "3 partitions").
    pub value: String,
    /// One line for a human.
    pub summary: String,
    /// When the condition started to hold.
    #[serde(serialize_with = "crate::store::ser_time")]
    pub active_since: SystemTime,
    /// When it began to fire.
    #[serde(serialize_with = "crate::store::ser_opt_time")]
    pub fired_at: Option<SystemTime>,
    /// When it resolved.
    #[serde(serialize_with = "crate::store::ser_opt_time")]
    pub resolved_at: Option<SystemTime>,
}

impl Alert {
    /// `rule{k="v",…}`: the alert's identity, for deduplication.
    pub fn fingerprint(&self) -> String {
        let labels: Vec<String> = self.labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        format!("{}{{{}}}", self.rule, labels.join(","))
    }
}

/// What changed in one evaluation that a receiver hears of.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "alert", rename_all = "lowercase")]
pub enum Transition {
    Firing(Alert),
    Resolved(Alert),
}

/// The alerts as the screen, `alerts -o json` and the metrics show them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlertsSnapshot {
    /// Firing first, then pending, then resolved within the last hour; newest first in each.
    pub alerts: Vec<Alert>,
    /// Rules that could not be evaluated, with the reason (an unknown fact…).
    pub errors: Vec<String>,
}

impl AlertsSnapshot {
    pub fn firing(&self) -> usize {
        self.alerts.iter().filter(|a| a.state == AlertState::Firing).count()
    }
}

pub mod defaults;
mod embedded;
mod eval;
mod extract;
pub mod facts;
mod growth;
pub mod rule;

pub use eval::{Engine, RESOLVED_KEPT, read_facts};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_eval;
pub use growth::WINDOW as GROWTH_WINDOW;

/// The least time between two evaluations that no clock tick asked for, wherever rules run (the
/// TUI, `serve`): a backend or stage reporting many times a second costs no more than this.
pub const EVALUATE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

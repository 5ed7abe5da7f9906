//! The evaluator: a state machine per alert (a rule applied to one subject, by fingerprint),
//! with no I/O and the time passed in, so tests drive it with fake clocks.
//!
//! - the condition holds: a new alert is pending from now; pending turns firing once it has
//!   held for `for` (at once for `0s`), and a firing one follows the value;
//! - it stops holding (or the subject is gone): pending disappears, firing resolves;
//! - resolved alerts stay an hour, then go; holding again starts a new pending alert;
//! - the subject cannot be read now (its backend down, a diff running): the alert keeps its
//!   last state, neither resolved falsely nor fired anew. `backend_up` itself is always read.
//!
//! Each evaluation returns the snapshot and the transitions: `Firing` once when an alert
//! starts firing, `Resolved` once when it resolves.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, SystemTime};

use super::facts::{Facts, Sample};
use super::growth::Growth;
use super::rule::Rule;
use super::{Alert, AlertState, AlertsSnapshot, Transition};
use crate::config::AlertsConfig;
use crate::store::{Embedded, Store};

/// How long a resolved alert stays listed.
pub const RESOLVED_KEPT: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Default)]
pub struct Engine {
    rules: Vec<Rule>,
    /// Rules that do not parse.
    rule_errors: Vec<String>,
    alerts: HashMap<String, Alert>,
    growth: Growth,
}

impl Engine {
    pub fn new(config: &AlertsConfig) -> Self {
        let (rules, rule_errors) = super::defaults::rules(config);
        Self { rules, rule_errors, ..Self::default() }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Reads the facts of the store (and the embedded stages, in the TUI) and evaluates.
    pub fn evaluate(
        &mut self,
        store: &Store,
        embedded: Option<&Embedded>,
        now: SystemTime,
    ) -> (AlertsSnapshot, Vec<Transition>) {
        let mut facts = read_facts(store, embedded, now);
        self.growth.apply(&mut facts, now);
        self.evaluate_facts(&facts, now)
    }

    /// One step of the state machine on the facts read at `now`.
    pub fn evaluate_facts(
        &mut self,
        facts: &Facts,
        now: SystemTime,
    ) -> (AlertsSnapshot, Vec<Transition>) {
        let mut errors = self.rule_errors.clone();
        let mut transitions = Vec::new();
        let rules = std::mem::take(&mut self.rules);
        for rule in &rules {
            let Some(reading) = facts.get(rule.condition.fact.name) else {
                continue;
            };
            // Subjects that hold or cannot be judged; the others, and subjects gone, stop.
            let mut seen = HashSet::new();
            for sample in reading.samples.iter().filter(|s| rule.matches(&s.labels)) {
                let holds = match &sample.value {
                    Some(v) if rule.condition.holds(v) => true,
                    Some(_) => continue,
                    None => false,
                };
                let labels = labels_of(rule, sample);
                let fingerprint = fingerprint(&rule.name, &labels);
                if holds {
                    self.held(rule, (sample, labels), &fingerprint, now, &mut transitions);
                }
                seen.insert(fingerprint);
            }
            if let Some((_, why)) = reading.unreadable.iter().find(|(s, _)| s.is_empty()) {
                errors.push(format!("rule {}: {why}; its alerts keep their state", rule.name));
            }
            self.gone(rule, reading, &seen, now, &mut transitions);
        }
        self.rules = rules;
        self.alerts.retain(|_, a| {
            a.resolved_at.is_none_or(|r| now.duration_since(r).unwrap_or_default() < RESOLVED_KEPT)
        });
        (AlertsSnapshot { alerts: self.ordered(), errors }, transitions)
    }

    /// The condition holds: pending from now, firing once held for `for`.
    fn held(
        &mut self,
        rule: &Rule,
        (sample, labels): (&Sample, BTreeMap<String, String>),
        fingerprint: &str,
        now: SystemTime,
        transitions: &mut Vec<Transition>,
    ) {
        let alert = match self.alerts.get_mut(fingerprint) {
            Some(a) if a.state != AlertState::Resolved => {
                let value = sample.shown(rule.condition.fact.unit);
                if a.value != value {
                    a.summary = summary(rule, &a.labels, &value);
                    a.value = value;
                }
                a
            }
            _ => {
                let fresh = alert_of(rule, sample, labels, now);
                self.alerts.entry(fingerprint.to_string()).insert_entry(fresh).into_mut()
            }
        };
        let held_for = now.duration_since(alert.active_since).unwrap_or_default();
        if alert.state == AlertState::Pending && held_for >= rule.for_ {
            alert.state = AlertState::Firing;
            alert.fired_at = Some(now);
            transitions.push(Transition::Firing(alert.clone()));
        }
    }

    /// The condition no longer holds: pending goes, firing resolves.
    fn stopped(&mut self, fingerprint: &str, now: SystemTime, transitions: &mut Vec<Transition>) {
        match self.alerts.get(fingerprint).map(|a| a.state) {
            Some(AlertState::Pending) => {
                self.alerts.remove(fingerprint);
            }
            Some(AlertState::Firing) => {
                if let Some(a) = self.alerts.get_mut(fingerprint) {
                    a.state = AlertState::Resolved;
                    a.resolved_at = Some(now);
                    transitions.push(Transition::Resolved(a.clone()));
                }
            }
            _ => {}
        }
    }

    /// The rule's alerts whose condition no longer holds or whose subject is gone: stopped,
    /// unless the subject is one that could not be read.
    fn gone(
        &mut self,
        rule: &Rule,
        reading: &super::facts::Reading,
        seen: &HashSet<String>,
        now: SystemTime,
        transitions: &mut Vec<Transition>,
    ) {
        let gone: Vec<String> = self
            .alerts
            .iter()
            .filter(|(f, a)| a.rule == rule.name && !seen.contains(*f))
            .filter(|(_, a)| reading.unreadable_for(&a.labels).is_none())
            .map(|(f, _)| f.clone())
            .collect();
        for fingerprint in gone {
            self.stopped(&fingerprint, now, transitions);
        }
    }

    /// Firing, then pending, then resolved; newest first in each (ties by fingerprint).
    fn ordered(&self) -> Vec<Alert> {
        let mut alerts: Vec<(&String, &Alert)> = self.alerts.iter().collect();
        let key = |a: &Alert| match a.state {
            AlertState::Firing => (0, a.fired_at.unwrap_or(a.active_since)),
            AlertState::Pending => (1, a.active_since),
            AlertState::Resolved => (2, a.resolved_at.unwrap_or(a.active_since)),
        };
        alerts.sort_by(|(fa, a), (fb, b)| {
            let ((sa, ta), (sb, tb)) = (key(a), key(b));
            sa.cmp(&sb).then(tb.cmp(&ta)).then_with(|| fa.cmp(fb))
        });
        alerts.into_iter().map(|(_, a)| a.clone()).collect()
    }
}

/// Every fact at `now`, the growth facts still as running totals.
pub fn read_facts(store: &Store, embedded: Option<&Embedded>, now: SystemTime) -> Facts {
    let mut facts = super::extract::read(store, now);
    super::embedded::read(embedded, now, &mut facts);
    facts
}

/// The subject's labels, then the rule's own.
fn labels_of(rule: &Rule, sample: &Sample) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> =
        sample.labels.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect();
    for (k, v) in &rule.labels {
        labels.entry(k.clone()).or_insert_with(|| v.clone());
    }
    labels
}

/// As [`Alert::fingerprint`], before there is an alert.
fn fingerprint(rule: &str, labels: &BTreeMap<String, String>) -> String {
    use std::fmt::Write;
    let mut out = format!("{rule}{{");
    for (i, (k, v)) in labels.iter().enumerate() {
        let _ = write!(out, "{}{k}={v:?}", if i == 0 { "" } else { "," });
    }
    out.push('}');
    out
}

/// A new pending alert of `rule` for this subject.
fn alert_of(
    rule: &Rule,
    sample: &Sample,
    labels: BTreeMap<String, String>,
    now: SystemTime,
) -> Alert {
    let value = sample.shown(rule.condition.fact.unit);
    let summary = summary(rule, &labels, &value);
    Alert {
        rule: rule.name.clone(),
        severity: rule.severity,
        state: AlertState::Pending,
        labels,
        value,
        summary,
        active_since: now,
        fired_at: None,
        resolved_at: None,
    }
}

/// The rule's template with `{label}` and `{value}` filled in; without one, the condition
/// and the subject.
fn summary(rule: &Rule, labels: &BTreeMap<String, String>, value: &str) -> String {
    let Some(template) = &rule.summary else {
        let subject: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        return format!("{} ({}): {value}", rule.condition, subject.join(" "));
    };
    let mut out = template.replace("{value}", value);
    for (k, v) in labels {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

//! The built-in rules, on unless `defaults = false`; each can be switched off by name
//! (`disable`) or replaced by a user rule of the same name. Thresholds follow what Prometheus
//! and Burrow users expect: failures at once, outages after 30 s (a restart or leader election
//! passes), lag after minutes.

use std::collections::BTreeMap;

use super::rule::Rule;
use crate::config::{AlertsConfig, RuleConfig};

/// (name, when, for, severity, summary)
pub const BUILTIN: &[(&str, &str, &str, &str, &str)] = &[
    (
        "connector_failed",
        r#"connector_state == "FAILED""#,
        "0s",
        "critical",
        "connector {connector} on {cluster} FAILED",
    ),
    (
        "task_failed",
        r#"task_state == "FAILED""#,
        "0s",
        "critical",
        "task {connector}/{task} on {cluster} FAILED",
    ),
    ("backend_down", "backend_up == 0", "30s", "critical", "{backend} is down: {value}"),
    ("broker_down", "broker_up == 0", "30s", "critical", "broker {broker} ({address}) is down"),
    (
        "partitions_offline",
        "offline_partitions > 0",
        "0s",
        "critical",
        "{topic}: {value} partitions offline",
    ),
    (
        "partitions_under_replicated",
        "under_replicated_partitions > 0",
        "1m",
        "warning",
        "{topic}: {value} partitions under-replicated",
    ),
    (
        "group_lag_high",
        "group_lag_seconds > 300",
        "2m",
        "warning",
        "group {group} is {value} behind",
    ),
    (
        "group_stalled",
        r#"group_verdict >= "ERR""#,
        "2m",
        "warning",
        "group {group}: Burrow says {value}",
    ),
    (
        "slot_lost",
        r#"slot_wal_status == "lost""#,
        "0s",
        "critical",
        "slot {slot} lost: the connector must re-snapshot",
    ),
    (
        "slot_at_risk",
        r#"slot_guard_level == "red""#,
        "0s",
        "critical",
        "slot {slot} is about to be invalidated",
    ),
    (
        "slot_amber",
        r#"slot_guard_level == "amber""#,
        "5m",
        "warning",
        "slot {slot} retains WAL unsafely",
    ),
    (
        "dead_letters_growing",
        "dead_letters_growth > 0",
        "0s",
        "warning",
        "{consumer}: {value} dead letters in 5 min",
    ),
    (
        "late_events_growing",
        "late_events_growth > 0",
        "0s",
        "info",
        "job {job}: {value} late events in 5 min",
    ),
    (
        "diff_diverged",
        "diff_diverged_rows > 0",
        "0s",
        "critical",
        "{table}: {value} rows diverged from the source",
    ),
    (
        "stage_retrying",
        "stage_retrying_seconds > 120",
        "0s",
        "warning",
        "{stage} has retried for {value}",
    ),
];

pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|b| b.0).collect()
}

/// The built-in rules as config tables.
pub fn configs() -> Vec<RuleConfig> {
    BUILTIN
        .iter()
        .map(|(name, when, for_, severity, summary)| RuleConfig {
            name: (*name).into(),
            when: (*when).into(),
            for_: Some((*for_).into()),
            severity: Some((*severity).into()),
            labels: BTreeMap::new(),
            matches: BTreeMap::new(),
            summary: Some((*summary).into()),
        })
        .collect()
}

/// One rule of the effective set, with whether it is on.
#[derive(Debug, Clone)]
pub struct Effective {
    pub config: RuleConfig,
    pub builtin: bool,
    /// Off by `disable` or `defaults = false`.
    pub disabled: bool,
}

/// The built-ins (marked off where disabled; those the user replaced left out), then the
/// user's rules.
pub fn effective(config: &AlertsConfig) -> Vec<Effective> {
    let replaced = |name: &str| config.rules.iter().any(|r| r.name == name);
    let builtins = configs().into_iter().filter(|r| !replaced(&r.name)).map(|r| Effective {
        disabled: !config.defaults || config.disable.contains(&r.name),
        config: r,
        builtin: true,
    });
    let user = config.rules.iter().map(|r| Effective {
        config: r.clone(),
        builtin: false,
        disabled: false,
    });
    builtins.chain(user).collect()
}

/// The rules to evaluate, and the errors of those that do not parse (a config built in code;
/// a loaded one was validated).
pub fn rules(config: &AlertsConfig) -> (Vec<Rule>, Vec<String>) {
    let (mut rules, mut errors) = (Vec::new(), Vec::new());
    for e in effective(config).into_iter().filter(|e| !e.disabled) {
        match Rule::from_config(&e.config, e.builtin) {
            Ok(r) => rules.push(r),
            Err(why) => errors.push(format!("rule {}: {why}", e.config.name)),
        }
    }
    (rules, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_user_rules_replace_and_disable_works() {
        let (rules, errors) = rules(&AlertsConfig::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rules.len(), BUILTIN.len());
        let mine = RuleConfig {
            name: "group_lag_high".into(),
            when: "group_lag > 5".into(),
            ..configs()[0].clone()
        };
        let config = AlertsConfig {
            disable: vec!["slot_amber".into()],
            rules: vec![mine],
            ..AlertsConfig::default()
        };
        let (rules, _) = super::rules(&config);
        assert_eq!(rules.len(), BUILTIN.len() - 1);
        let lag = rules.iter().find(|r| r.name == "group_lag_high").unwrap();
        assert_eq!(lag.condition.to_string(), "group_lag > 5");
        assert!(!lag.builtin);
        let off = AlertsConfig { defaults: false, ..config };
        assert_eq!(super::rules(&off).0.len(), 1);
    }
}

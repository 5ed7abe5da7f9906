//! The state machine with fake times: `for`, firing, resolving, retention, one transition
//! each, unreadable subjects keeping their state, ordering.

use std::time::{Duration, SystemTime};

use super::facts::{Facts, Reading, Sample, Value};
use super::{AlertState, Engine, Transition};
use crate::config::{AlertsConfig, RuleConfig};

fn at(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
}

fn engine(when: &str, for_: &str) -> Engine {
    let rule = RuleConfig {
        name: "lag".into(),
        when: when.into(),
        for_: Some(for_.into()),
        severity: Some("critical".into()),
        labels: [("team".to_string(), "data".to_string())].into(),
        matches: [("group".to_string(), "orders-*".to_string())].into(),
        summary: Some("{group} is {value} behind".into()),
    };
    Engine::new(&AlertsConfig { defaults: false, rules: vec![rule], ..AlertsConfig::default() })
}

fn lag(groups: &[(&str, Option<f64>)]) -> Facts {
    let mut f = Facts::default();
    let samples = groups
        .iter()
        .map(|(g, v)| Sample::new(vec![("group", (*g).into())], v.map(Value::Number)))
        .collect();
    f.set("group_lag", Reading { samples, unreadable: Vec::new() });
    f
}

fn kinds(t: &[Transition]) -> Vec<&'static str> {
    t.iter()
        .map(|t| if matches!(t, Transition::Firing(_)) { "firing" } else { "resolved" })
        .collect()
}

#[test]
fn pending_fires_after_for_once_then_resolves_once_and_is_kept_an_hour() {
    let mut e = engine("group_lag > 10", "30s");
    let (s, t) = e.evaluate_facts(&lag(&[("orders-sink", Some(50.0))]), at(0));
    assert!(t.is_empty());
    assert_eq!(s.alerts[0].state, AlertState::Pending);
    assert_eq!(s.alerts[0].summary, "orders-sink is 50 behind");
    assert_eq!(s.alerts[0].fingerprint(), r#"lag{group="orders-sink",team="data"}"#);
    let (s, t) = e.evaluate_facts(&lag(&[("orders-sink", Some(60.0))]), at(29));
    assert!(t.is_empty() && s.alerts[0].state == AlertState::Pending);
    let (s, t) = e.evaluate_facts(&lag(&[("orders-sink", Some(70.0))]), at(30));
    assert_eq!(kinds(&t), ["firing"]);
    assert_eq!((s.firing(), s.alerts[0].value.as_str()), (1, "70"));
    assert_eq!((s.alerts[0].active_since, s.alerts[0].fired_at), (at(0), Some(at(30))));
    let (s, t) = e.evaluate_facts(&lag(&[("orders-sink", Some(80.0))]), at(40));
    assert!(t.is_empty(), "firing is told once");
    assert_eq!(s.alerts[0].value, "80");
    let (s, t) = e.evaluate_facts(&lag(&[("orders-sink", Some(3.0))]), at(50));
    assert_eq!(kinds(&t), ["resolved"]);
    assert_eq!((s.alerts[0].state, s.alerts[0].resolved_at), (AlertState::Resolved, Some(at(50))));
    let (s, t) = e.evaluate_facts(&lag(&[("orders-sink", Some(3.0))]), at(50 + 3599));
    assert!(t.is_empty() && s.alerts.len() == 1, "resolved is told once, kept for an hour");
    let (s, _) = e.evaluate_facts(&lag(&[("orders-sink", Some(3.0))]), at(50 + 3600));
    assert!(s.alerts.is_empty(), "then dropped");
}

#[test]
fn a_pending_alert_that_stops_holding_disappears_and_zero_for_fires_at_once() {
    let mut e = engine("group_lag > 10", "1m");
    e.evaluate_facts(&lag(&[("orders-a", Some(50.0))]), at(0));
    let (s, t) = e.evaluate_facts(&lag(&[("orders-a", Some(1.0))]), at(10));
    assert!(s.alerts.is_empty() && t.is_empty());
    let mut e = engine("group_lag > 10", "0s");
    let (s, t) = e.evaluate_facts(&lag(&[("orders-a", Some(50.0)), ("audit", Some(99.0))]), at(0));
    assert_eq!(kinds(&t), ["firing"], "audit does not match the rule's glob");
    assert_eq!(s.alerts[0].labels["group"], "orders-a");
    // Holding again after resolving starts a new alert.
    e.evaluate_facts(&lag(&[("orders-a", Some(1.0))]), at(5));
    let (s, t) = e.evaluate_facts(&lag(&[("orders-a", Some(20.0))]), at(9));
    assert_eq!(kinds(&t), ["firing"]);
    assert_eq!((s.alerts.len(), s.alerts[0].active_since), (1, at(9)));
}

#[test]
fn an_unreadable_subject_keeps_its_state_and_a_gone_one_resolves() {
    let mut e = engine("group_lag > 10", "0s");
    e.evaluate_facts(&lag(&[("orders-a", Some(50.0)), ("orders-b", Some(50.0))]), at(0));
    // Unknown value, and the whole fact unreadable: no resolve, no new firing.
    let (s, t) = e.evaluate_facts(&lag(&[("orders-a", None), ("orders-b", Some(50.0))]), at(1));
    assert!(t.is_empty() && s.firing() == 2);
    let mut down = Facts::default();
    down.set("group_lag", Reading::unreadable("groups down: refused"));
    let (s, t) = e.evaluate_facts(&down, at(2));
    assert!(t.is_empty() && s.firing() == 2, "{s:?}");
    assert_eq!(s.errors, ["rule lag: groups down: refused; its alerts keep their state"]);
    // orders-b deleted: its subject is gone, so it resolves.
    let (s, t) = e.evaluate_facts(&lag(&[("orders-a", Some(50.0))]), at(3));
    assert_eq!(kinds(&t), ["resolved"]);
    assert_eq!(s.alerts[1].labels["group"], "orders-b");
    assert!(s.errors.is_empty());
}

#[test]
fn ordering_is_firing_pending_resolved_newest_first() {
    let mut e = engine("group_lag > 10", "20s");
    e.evaluate_facts(&lag(&[("orders-1", Some(50.0)), ("orders-2", Some(50.0))]), at(0));
    e.evaluate_facts(&lag(&[("orders-1", Some(50.0)), ("orders-2", Some(50.0))]), at(20));
    let all = |v| lag(&[("orders-1", v), ("orders-2", Some(50.0)), ("orders-3", Some(50.0))]);
    e.evaluate_facts(&all(Some(1.0)), at(25));
    e.evaluate_facts(&lag(&[("orders-1", Some(1.0)), ("orders-2", Some(50.0))]), at(30));
    let (s, _) = e.evaluate_facts(
        &lag(&[
            ("orders-1", Some(1.0)),
            ("orders-2", Some(50.0)),
            ("orders-4", Some(50.0)),
            ("orders-5", Some(50.0)),
        ]),
        at(35),
    );
    let shown: Vec<(&str, AlertState)> =
        s.alerts.iter().map(|a| (a.labels["group"].as_str(), a.state)).collect();
    assert_eq!(
        shown,
        [
            ("orders-2", AlertState::Firing),
            ("orders-4", AlertState::Pending),
            ("orders-5", AlertState::Pending),
            ("orders-1", AlertState::Resolved),
        ]
    );
}

#[test]
fn rules_that_do_not_parse_are_reported_every_evaluation() {
    let rule = RuleConfig { when: "nope > 1".into(), ..super::defaults::configs()[0].clone() };
    let mut e = Engine::new(&AlertsConfig { rules: vec![rule], ..AlertsConfig::default() });
    let (s, _) = e.evaluate_facts(&Facts::default(), at(0));
    assert_eq!(s.errors.len(), 1);
    assert!(s.errors[0].starts_with("rule connector_failed: when: unknown fact \"nope\""));
}

//! Time to evaluate the alert rules once, as the console does on every reading and every
//! second: the built-in rules plus two of the user's, over a store with 200 consumer groups
//! and 200 connectors of two tasks each (and the fixtures' brokers, topics and slot), with a
//! third of the groups lagging so alerts are held. Target: well under a millisecond.
//!
//! `cargo bench --bench alerts_eval`.

#[path = "../tests/offline_render/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use cdc_console::alerts::Engine;
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::config::{AlertsConfig, RuleConfig};
use cdc_console::store::{Embedded, Store};

fn store(n: usize) -> Store {
    let mut groups = fixtures::groups();
    let template = groups.groups[0].clone();
    groups.groups = (0..n)
        .map(|i| {
            let mut g = template.clone();
            g.name = format!("group-{i}");
            g.max_lag_seconds = Some(if i % 3 == 0 { 900.0 } else { 2.0 });
            g
        })
        .collect();
    let mut connect = fixtures::connect();
    let template = connect.connectors[0].clone();
    connect.connectors = (0..n)
        .map(|i| {
            let mut c = template.clone();
            c.name = format!("connector-{i}");
            c.tasks.push(c.tasks[0].clone());
            c
        })
        .collect();
    let mut store = fixtures::healthy_full();
    store.apply(Update { at: fixtures::t(1), kind: UpdateKind::Groups(Ok(groups)) });
    store.apply(Update { at: fixtures::t(1), kind: UpdateKind::Connect(0, Ok(connect)) });
    store
}

fn main() {
    let store = store(200);
    let rule = |name: &str, when: &str| RuleConfig {
        name: name.into(),
        when: when.into(),
        for_: Some("1m".into()),
        severity: None,
        labels: Default::default(),
        matches: [("group".to_string(), "group-1*".to_string())].into(),
        summary: None,
    };
    let config = AlertsConfig {
        rules: vec![rule("lag", "group_lag > 10"), rule("verdict", r#"group_verdict != "OK""#)],
        ..AlertsConfig::default()
    };
    let mut engine = Engine::new(&config);
    let embedded = Embedded::default();
    let runs = 2_000u32;
    let start = Instant::now();
    let mut held = 0;
    for i in 0..runs {
        let now = fixtures::t(2) + Duration::from_secs(u64::from(i));
        held = engine.evaluate(&store, Some(&embedded), now).0.alerts.len();
    }
    let per = start.elapsed() / runs;
    println!(
        "alerts evaluation, 200 groups + 200 connectors, {} rules: {:.1} µs per evaluation ({held} alerts held)",
        engine.rules().len(),
        per.as_secs_f64() * 1e6
    );
    facts_only(&store, runs);
}

/// Of which reading the facts from the store.
fn facts_only(store: &Store, runs: u32) {
    let start = Instant::now();
    for _ in 0..runs {
        let _ = cdc_console::alerts::read_facts(store, None, fixtures::t(3));
    }
    let per = start.elapsed() / runs;
    println!("  of which reading the facts: {:.1} µs", per.as_secs_f64() * 1e6);
}

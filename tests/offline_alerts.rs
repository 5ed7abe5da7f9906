//! The alert facts read from known stores (the render fixtures): each fact's subjects, labels
//! and values; a backend down makes its facts unreadable (not empty), so the engine keeps the
//! alerts' state instead of resolving them; the built-in rules on a troubled store.

#[path = "offline_render/fixtures.rs"]
mod fixtures;

use std::time::Duration;

use cdc_console::alerts::facts::{Facts, Reading, Value};
use cdc_console::alerts::{AlertState, Engine, read_facts};
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::config::AlertsConfig;
use cdc_console::pipeline::diff::report::TableReport;
use cdc_console::store::{Embedded, Store};
use fixtures::t;

/// `fact`'s values as (labels joined by ',', shown value).
fn values(facts: &Facts, fact: &str) -> Vec<(String, Option<Value>)> {
    let reading = facts.get(fact).unwrap_or_else(|| panic!("{fact} not read"));
    reading
        .samples
        .iter()
        .map(|s| {
            let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (labels.join(","), s.value.clone())
        })
        .collect()
}

#[expect(clippy::unnecessary_wraps, reason = "compared with a sample's optional value")]
fn n(v: f64) -> Option<Value> {
    Some(Value::Number(v))
}

#[expect(clippy::unnecessary_wraps, reason = "compared with a sample's optional value")]
fn s(v: &str) -> Option<Value> {
    Some(Value::Text(v.into()))
}

fn facts(store: &Store) -> Facts {
    read_facts(store, None, t(40))
}

#[test]
fn group_facts_per_group_with_unknown_lag_left_unknown() {
    let f = facts(&fixtures::healthy_full());
    assert_eq!(
        values(&f, "group_lag"),
        [
            ("group=cdc-replicator".into(), n(500.0)),
            ("group=orders-sink".into(), n(3020.0)),
            ("group=idle-audit".into(), None)
        ]
    );
    assert_eq!(values(&f, "group_lag_seconds")[1], ("group=orders-sink".into(), n(310.0)));
    assert_eq!(values(&f, "group_verdict")[1], ("group=orders-sink".into(), s("ERR")));
}

#[test]
fn backends_brokers_partitions_connectors_and_tasks() {
    let f = facts(&fixtures::troubled());
    let up = values(&f, "backend_up");
    assert!(
        up.contains(&("backend=source".into(), n(1.0)))
            && up.contains(&("backend=connect:local".into(), n(1.0))),
        "{up:?}"
    );
    assert_eq!(
        values(&f, "broker_up").iter().map(|(l, v)| (l.as_str(), v.clone())).collect::<Vec<_>>()[2],
        ("broker=113,address=10.0.0.13:9092", n(0.0))
    );
    let offline = values(&f, "offline_partitions");
    assert!(offline.contains(&("topic=dbserver1.public.orders".into(), n(1.0))), "{offline:?}");
    let under = values(&f, "under_replicated_partitions");
    assert!(under.contains(&("topic=dbserver1.public.orders".into(), n(2.0))), "{under:?}");
    let tasks = values(&f, "task_state");
    assert!(
        tasks.contains(&("cluster=local,connector=orders-sink,task=1".into(), s("FAILED"))),
        "{tasks:?}"
    );
    let connectors = values(&f, "connector_state");
    assert!(connectors.contains(&("cluster=local,connector=audit-export".into(), s("PAUSED"))));
}

#[test]
fn a_backend_down_makes_its_facts_unreadable_but_backend_up_reads_zero_with_the_reason() {
    let f = facts(&fixtures::kafka_down());
    for fact in ["group_lag", "group_verdict", "broker_up", "offline_partitions"] {
        let r: &Reading = f.get(fact).unwrap();
        assert!(r.samples.is_empty() && r.unreadable.len() == 1, "{fact}: {r:?}");
        assert!(r.unreadable[0].1.contains("down: "), "{fact}: {r:?}");
    }
    let kafka = &f.get("backend_up").unwrap().samples[2];
    assert_eq!(
        (
            kafka.value.clone(),
            kafka.shown(cdc_console::alerts::facts::Unit::Up).contains("Connection refused")
        ),
        (n(0.0), true)
    );
    let f = facts(&fixtures::connect_down());
    let r = f.get("connector_state").unwrap();
    assert_eq!(r.unreadable[0].0, vec![("cluster", "local".to_string())], "only that cluster's");
    assert!(
        facts(&fixtures::empty())
            .get("backend_up")
            .unwrap()
            .samples
            .iter()
            .all(|s| s.value.is_none())
    );
}

#[test]
fn slots_and_dead_letters() {
    let mut store = fixtures::healthy();
    let f = facts(&store);
    assert_eq!(values(&f, "slot_retained_bytes"), [("slot=cdc_console".into(), n(3012.0))]);
    assert_eq!(values(&f, "slot_wal_status"), [("slot=cdc_console".into(), s("reserved"))]);
    assert_eq!(values(&f, "slot_guard_level"), [("slot=cdc_console".into(), s("ok"))]);
    let mut pg = fixtures::pg(true);
    pg.slots[0].wal_status = Some("lost".into());
    store.apply(Update { at: t(1), kind: UpdateKind::Source(Ok(pg)) });
    let mut sink = fixtures::pg(false);
    sink.dead_letters.consumers.push(cdc_console::pipeline::deadletter::ConsumerLetters {
        consumer: "replica:orders_replica".into(),
        count: 7,
        redriven: 3,
        ..Default::default()
    });
    store.apply(Update { at: t(1), kind: UpdateKind::Sink(Ok(sink)) });
    let f = facts(&store);
    assert_eq!(values(&f, "slot_guard_level"), [("slot=cdc_console".into(), s("lost"))]);
    assert_eq!(
        values(&f, "dead_letters_growth"),
        [("consumer=replica:orders_replica".into(), n(10.0))],
        "the total, before growth"
    );
}

#[test]
fn embedded_stages_diff_and_retrying() {
    let mut e = Embedded::default();
    let report = |table: &str, diverged: usize| TableReport {
        source_table: "public.orders".into(),
        sink_table: table.into(),
        key_columns: vec!["id".into()],
        differences: vec![
            cdc_console::store::snapshots::RowDiff::Missing { key: vec!["1".into()] };
            diverged
        ],
        in_flight: vec![
            cdc_console::store::snapshots::RowDiff::Missing { key: vec!["1".into()] };
            5
        ],
        stats: Default::default(),
    };
    e.diff.reports = vec![report("cdc.orders_replica", 2), report("cdc.orders_transformed", 0)];
    assert!(
        read_facts(&fixtures::healthy(), Some(&e), t(40))
            .get("diff_diverged_rows")
            .unwrap()
            .samples
            .is_empty(),
        "no finished diff"
    );
    e.diff.finished = Some(t(30));
    let f = read_facts(&fixtures::healthy(), Some(&e), t(40));
    assert_eq!(
        values(&f, "diff_diverged_rows"),
        [
            ("table=cdc.orders_replica".into(), n(2.0)),
            ("table=cdc.orders_transformed".into(), n(0.0))
        ],
        "in-flight rows are not divergence"
    );
    e.diff.running = true;
    assert!(
        !read_facts(&fixtures::healthy(), Some(&e), t(40))
            .get("diff_diverged_rows")
            .unwrap()
            .unreadable
            .is_empty()
    );
    e.replicator.retrying = Some(cdc_console::store::snapshots::Retrying {
        attempt: 3,
        reason: "sink refused".into(),
        next_attempt_at_ms: 0,
        since_ms: u64::try_from((t(0)).duration_since(std::time::UNIX_EPOCH).unwrap().as_millis())
            .unwrap(),
    });
    let f = read_facts(&fixtures::healthy(), Some(&e), t(150));
    assert_eq!(values(&f, "stage_retrying_seconds")[1], ("stage=replicator".into(), n(150.0)));
    assert_eq!(values(&f, "stage_retrying_seconds")[0], ("stage=generator".into(), n(0.0)));
}

#[test]
fn built_in_rules_on_a_troubled_store_and_state_kept_while_kafka_is_down() {
    let mut engine = Engine::new(&AlertsConfig::default());
    let (snap, transitions) = engine.evaluate(&fixtures::troubled(), None, t(40));
    let firing: Vec<&str> = snap
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .map(|a| a.rule.as_str())
        .collect();
    assert!(
        firing.contains(&"task_failed") && firing.contains(&"partitions_offline"),
        "{firing:?}"
    );
    assert_eq!(transitions.len(), firing.len());
    let pending: Vec<&str> = snap
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Pending)
        .map(|a| a.rule.as_str())
        .collect();
    assert!(
        pending.contains(&"broker_down") && pending.contains(&"partitions_under_replicated"),
        "{pending:?}"
    );
    let task = snap.alerts.iter().find(|a| a.rule == "task_failed").unwrap();
    assert_eq!(task.summary, "task orders-sink/1 on local FAILED");

    // Kafka goes down: its facts cannot be read, so nothing of Kafka resolves or fires anew.
    let mut down = fixtures::troubled();
    let refused = || cdc_console::collectors::CollectError::Unreachable {
        endpoint: "k".into(),
        reason: "refused".into(),
    };
    down.apply(Update { at: t(41), kind: UpdateKind::Kafka(Err(refused())) });
    let (snap, transitions) = engine.evaluate(&down, None, t(40) + Duration::from_secs(10));
    assert!(transitions.is_empty(), "{transitions:?}");
    let offline = snap.alerts.iter().find(|a| a.rule == "partitions_offline").unwrap();
    assert_eq!(offline.state, AlertState::Firing);
    assert!(
        snap.errors.iter().any(|e| e.contains("partitions_offline") && e.contains("kafka down")),
        "{:?}",
        snap.errors
    );
}

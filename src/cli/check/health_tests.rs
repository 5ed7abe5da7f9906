use std::time::{Duration, SystemTime};

use super::*;
use crate::collectors::connect::{Connector, Task};
use crate::collectors::kafka::{Broker, BrokerState, Partition, Topic};
use crate::collectors::{CollectError, Update, UpdateKind};
use crate::config::Config;

fn judged(updates: Vec<UpdateKind>) -> Vec<Check> {
    let mut store = Store::new(&Config::default());
    for kind in updates {
        store.apply(Update { at: SystemTime::now(), kind });
    }
    checks(&store, Duration::from_millis(5))
}

fn named<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks.iter().find(|c| c.name == name).unwrap()
}

fn broker(id: i32, state: BrokerState) -> Broker {
    Broker { id, host: format!("k{id}"), port: 9092, state, ..Broker::default() }
}

/// Topic `orders` with one partition on brokers 1–3 and in-sync replicas `isr`.
fn kafka(brokers: Vec<Broker>, isr: &[i32], min_isr: i32) -> UpdateKind {
    let mut topic = Topic {
        name: "orders".into(),
        partitions: 1,
        partition_details: vec![Partition::from_metadata(0, isr[0], &[1, 2, 3], isr, None)],
        ..Topic::default()
    };
    topic.apply_min_isr(Some(min_isr));
    UpdateKind::Kafka(Ok(KafkaSnapshot {
        brokers,
        topics: vec![topic],
        ..KafkaSnapshot::default()
    }))
}

#[test]
fn under_replicated_partitions_warn_and_a_broker_down_or_writes_refused_fail() {
    let up = || vec![broker(1, BrokerState::Up), broker(2, BrokerState::Up)];
    let c = judged(vec![kafka(up(), &[1, 2], 2)]);
    let k = named(&c, "kafka");
    assert_eq!(k.result, Outcome::Pass);
    assert_eq!(k.reason, "warning: orders: 1 partition(s) under-replicated");
    assert_eq!(k.took, Duration::from_millis(5));

    let c = judged(vec![kafka(
        vec![broker(1, BrokerState::Up), broker(3, BrokerState::Down)],
        &[1],
        2,
    )]);
    let k = named(&c, "kafka");
    assert_eq!(k.result, Outcome::Fail);
    assert_eq!(k.reason, "broker 3 at k3:9092 is down and 1 more");
    assert_eq!(
        k.details,
        [
            "broker 3 at k3:9092 is down",
            "orders: 1 partition(s) refuse writes: fewer in-sync replicas than min.insync.replicas",
            "orders: 1 partition(s) under-replicated",
        ]
    );
}

#[test]
fn a_connector_or_task_not_running_fails_and_an_unreachable_worker_is_down_with_why() {
    let task =
        |state: &str| Task { id: 0, state: state.into(), worker_id: "w".into(), trace: None };
    let connector = |name: &str, state: &str, task_state: &str| Connector {
        name: name.into(),
        state: state.into(),
        tasks: vec![task(task_state)],
        ..Connector::default()
    };
    let snapshot = ConnectSnapshot {
        connectors: vec![
            connector("orders-cdc", "RUNNING", "RUNNING"),
            connector("audit", "RUNNING", "FAILED"),
            connector("billing", "PAUSED", "PAUSED"),
        ],
        ..ConnectSnapshot::default()
    };
    let c = judged(vec![UpdateKind::Connect(0, Ok(snapshot))]);
    let k = named(&c, "connect:local");
    assert_eq!(k.result, Outcome::Fail);
    assert_eq!(k.reason, "connector audit is RUNNING (tasks: 0 FAILED) and 1 more");
    assert_eq!(k.details[1], "connector billing is PAUSED (tasks: 0 PAUSED)");
    // Not polled at all: the check could not tell.
    assert_eq!(named(&c, "source").result, Outcome::Error);

    let refused = CollectError::Unreachable {
        endpoint: "http://127.0.0.1:1".into(),
        reason: "connection refused".into(),
    };
    let c = judged(vec![UpdateKind::Connect(0, Err(refused))]);
    let k = named(&c, "connect:local");
    assert_eq!(k.result, Outcome::Fail);
    assert!(
        k.reason.starts_with("down: ") && k.reason.contains("connection refused"),
        "{}",
        k.reason
    );
}

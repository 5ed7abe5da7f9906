//! `cdc-console brokers` and `topics` against the local stack's three Apache Kafka brokers
//! (node ids 1, 2, 3 on ports 9092–9094), checked against what a plain rdkafka client reads.
//!
//! Offsets are compared on a topic this test creates and fills itself, because Debezium may be
//! writing to its own topics while the test runs.

mod common;

use std::net::TcpStream;
use std::time::Duration;

use common::kafka::ScratchTopic;
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde_json::Value;

fn require_broker() {
    for addr in common::config().kafka.brokers.split(',') {
        let sock = addr.parse().unwrap_or_else(|e| panic!("{addr}: {e}"));
        assert!(
            TcpStream::connect_timeout(&sock, Duration::from_secs(2)).is_ok(),
            "the broker at {addr} is not reachable: bring the local stack up with `compose/local/stack up`"
        );
    }
}

/// A partition's replica or ISR list as a sorted set of broker ids.
fn ids(v: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = v.as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
    ids.sort_unstable();
    ids
}

fn run_json(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, Value) {
    let out = common::console(args, env);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), json)
}

fn find<'a>(list: &'a Value, key: &str, value: impl Into<Value>) -> Option<&'a Value> {
    let value = value.into();
    list.as_array()?.iter().find(|v| v[key] == value)
}

#[test]
fn brokers_json_shows_the_three_local_brokers_up() {
    require_broker();
    let (code, json) = run_json(&["brokers", "-o", "json"], &[]);
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["brokers"].as_array().map(Vec::len), Some(3), "{json:#}");
    for (id, port) in [(1, 9092), (2, 9093), (3, 9094)] {
        let b =
            find(&json["brokers"], "id", id).unwrap_or_else(|| panic!("no broker {id}: {json:#}"));
        assert_eq!((b["host"].as_str(), b["port"].as_i64()), (Some("127.0.0.1"), Some(port)));
        assert_eq!(b["state"], "UP");
        assert_eq!(b["client_state"], "UP");
        assert!(b["rtt_avg_ms"].as_f64().is_some(), "{b:#}");
        // KRaft: DescribeCluster names a live broker as the "controller" (the quorum's
        // controllers are not reachable by clients); exactly one broker is marked.
        assert_eq!(b["controller"] == true, json["controller"] == id, "{json:#}");
    }
    assert!([1, 2, 3].iter().any(|id| json["controller"] == *id), "{json:#}");
    assert!(
        json["cluster_id"].as_str().is_some_and(|id| id.len() == 22),
        "a KRaft cluster id: {json:#}"
    );
    assert_eq!(json["problems"], Value::Array(vec![]));
}

#[test]
fn topics_json_shows_the_orders_topic_with_leaders() {
    require_broker();
    let (code, json) = run_json(&["topics", "-o", "json"], &[]);
    assert_eq!(code, Some(0), "{json:#}");
    let orders = find(&json["topics"], "name", "dbserver1.public.orders")
        .unwrap_or_else(|| panic!("no orders topic: {json:#}"));
    let parts = orders["partition_details"].as_array().cloned().unwrap_or_default();
    assert!(
        !parts.is_empty() && parts.len() as u64 == orders["partitions"].as_u64().unwrap_or(0),
        "{orders:#}"
    );
    for p in &parts {
        assert_eq!(ids(&p["replicas"]), [1, 2, 3], "three replicas: {p:#}");
        assert!(p["leader"].as_i64().is_some_and(|l| ids(&p["replicas"]).contains(&l)), "{p:#}");
        assert_eq!(ids(&p["isr"]), ids(&p["replicas"]), "{p:#}");
        assert_eq!(
            (p["offline"].as_bool(), p["under_replicated"].as_bool()),
            (Some(false), Some(false))
        );
        assert!(p["log_end_offset"].as_i64().is_some_and(|e| e >= 0), "{p:#}");
    }
    assert!(
        orders["messages_per_sec"].as_f64().is_some_and(|r| r >= 0.0),
        "two reads make a rate: {orders:#}"
    );
    assert!(
        find(&json["topics"], "name", "_connect-offsets").is_none(),
        "internal topics only with --internal"
    );

    let (_, all) = run_json(&["topics", "--internal", "-o", "json"], &[]);
    assert!(find(&all["topics"], "name", "_connect-offsets").is_some(), "{all:#}");
}

/// The local stack sets min.insync.replicas=2 on its brokers; with all three in sync no
/// partition refuses writes.
#[test]
fn topics_json_reads_min_insync_replicas_from_the_cluster() {
    require_broker();
    let (code, json) = run_json(&["topics", "-o", "json"], &[]);
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["warnings"], Value::Array(vec![]), "DescribeConfigs answered: {json:#}");
    let orders = find(&json["topics"], "name", "dbserver1.public.orders")
        .unwrap_or_else(|| panic!("no orders topic: {json:#}"));
    assert_eq!(orders["min_insync_replicas"], 2, "{orders:#}");
    let parts = orders["partition_details"].as_array().cloned().unwrap_or_default();
    assert!(!parts.is_empty(), "{orders:#}");
    for p in &parts {
        assert_eq!(p["below_min_isr"], false, "{p:#}");
        assert_eq!(p["error"], Value::Null, "{p:#}");
    }
}

#[test]
fn topics_offsets_equal_what_a_plain_client_reads() {
    require_broker();
    let config = common::config();
    let name = format!("cdc-console-test-topics-{}", std::process::id());
    let scratch = ScratchTopic::create(&name, 3);
    scratch.produce(&[(0, 3), (1, 7), (2, 0)]);

    let (code, json) = run_json(&["topics", "-o", "json"], &[]);
    assert_eq!(code, Some(0), "{json:#}");
    let topic = find(&json["topics"], "name", name.as_str())
        .unwrap_or_else(|| panic!("no {name}: {json:#}"));
    assert_eq!(topic["partitions"], 3);

    let plain: BaseConsumer =
        cdc_console::kafka::client_config(&config).create().expect("consumer");
    for (partition, expected_end) in [(0, 3), (1, 7), (2, 0)] {
        let (low, high) =
            plain.fetch_watermarks(&name, partition, Duration::from_secs(5)).expect("watermarks");
        assert_eq!(high, expected_end, "the plain client sees what was produced");
        let p = find(&topic["partition_details"], "id", partition)
            .unwrap_or_else(|| panic!("no partition {partition}: {topic:#}"));
        assert_eq!(ids(&p["replicas"]), [1, 2, 3], "{p:#}");
        assert_eq!(
            (p["log_start_offset"].as_i64(), p["log_end_offset"].as_i64()),
            (Some(low), Some(high)),
            "partition {partition}: {p:#}"
        );
    }
    drop(scratch);
}

#[test]
fn an_unreachable_cluster_exits_2_and_says_why() {
    let out = common::console(
        &["brokers"],
        &[("CDC_CONSOLE_BROKERS", "127.0.0.1:1"), ("CDC_CONSOLE_REQUEST_TIMEOUT_MS", "1000")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1") && stderr.contains("refused"), "{stderr}");
}

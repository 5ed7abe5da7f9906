//! `cdc-console lag <group> -o json` against the local stack equals the broker's log-end offsets
//! minus the group's committed offsets, read independently with a plain rdkafka client
//! (`fetch_watermarks` + `committed_offsets`), partition by partition.
//!
//! The test owns its topic and group (`cdc-lag-test-<pid>`) and deletes both at the end.

mod common;

use std::time::{Duration, Instant};

use common::kafka::{ScratchTopic, TIMEOUT, plain_config as client_config};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::Value;

/// Records produced and consumed-then-committed per partition: lags 7, 0 and 12.
const PRODUCED: [i64; 3] = [10, 20, 30];
const CONSUMED: [i64; 3] = [3, 20, 18];

/// Reads the first `CONSUMED[p]` records of each partition as group `group` and commits there.
fn consume_and_commit(topic: &str, group: &str) {
    let consumer: BaseConsumer = client_config()
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("session.timeout.ms", "6000")
        .create()
        .expect("consumer");
    let mut commits = TopicPartitionList::new();
    for (partition, want) in CONSUMED.iter().enumerate() {
        let partition = partition as i32;
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, partition, Offset::Beginning).expect("tpl");
        consumer.assign(&tpl).expect("assign");
        let deadline = Instant::now() + TIMEOUT;
        let mut next = 0;
        while next < *want {
            assert!(
                Instant::now() < deadline,
                "partition {partition}: only {next} of {want} records read"
            );
            if let Some(m) = consumer.poll(Duration::from_millis(200)) {
                let m = m.expect("record");
                assert_eq!((m.partition(), m.offset()), (partition, next), "records in order");
                next += 1;
            }
        }
        commits.add_partition_offset(topic, partition, Offset::Offset(next)).expect("tpl");
    }
    consumer.commit(&commits, CommitMode::Sync).expect("commit");
}

/// Log end minus committed per partition, with a client that shares no code with the console.
fn independent_lags(topic: &str, group: &str) -> Vec<(i32, i64, i64, i64)> {
    let consumer: BaseConsumer = client_config().set("group.id", group).create().expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..3 {
        tpl.add_partition(topic, p);
    }
    let committed = consumer.committed_offsets(tpl, TIMEOUT).expect("committed offsets");
    (0..3)
        .map(|p| {
            let (_, high) = consumer.fetch_watermarks(topic, p, TIMEOUT).expect("watermarks");
            let offset = match committed.find_partition(topic, p).map(|e| e.offset()) {
                Some(Offset::Offset(o)) => o,
                other => panic!("partition {p}: no commit ({other:?})"),
            };
            (p, offset, high, high - offset)
        })
        .collect()
}

#[test]
fn lag_json_equals_log_end_minus_committed_read_independently() {
    common::require_stack();
    let name = format!("cdc-lag-test-{}", std::process::id());
    let mut topic = ScratchTopic::create(&name, 3);
    topic.owns_group(&name);
    topic.produce(&[(0, PRODUCED[0]), (1, PRODUCED[1]), (2, PRODUCED[2])]);
    consume_and_commit(&name, &name);

    let expected = independent_lags(&name, &name);
    assert_eq!(
        expected.iter().map(|e| e.3).collect::<Vec<_>>(),
        PRODUCED.iter().zip(CONSUMED).map(|(p, c)| p - c).collect::<Vec<_>>(),
        "the broker agrees with what the test produced and committed"
    );

    let out = common::console(&["lag", &name, "-o", "json"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("cdc-console stderr: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["lag_seconds_method"], "record_timestamp");
    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "only the named group: {stdout}");
    let group = &groups[0];
    assert_eq!(group["name"], name.as_str());

    let rows: Vec<(i32, i64, i64, i64)> = group["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| {
            assert_eq!(p["topic"], name.as_str());
            let n = |k: &str| p[k].as_i64().unwrap_or_else(|| panic!("{k} in {p}"));
            (n("partition") as i32, n("current_offset"), n("log_end_offset"), n("lag"))
        })
        .collect();
    assert_eq!(rows, expected, "console (partition, committed, log end, lag) vs independent read");
    assert_eq!(group["total_lag"], 19);
    assert_eq!(group["max_lag"], 12);

    let table = common::console(&["lag", &name], &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert_eq!(table.status.code(), Some(0), "{text}");
    let header: Vec<&str> = text.lines().next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(
        header[..9],
        [
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID"
        ],
        "kafka-consumer-groups --describe columns first:\n{text}"
    );
    let second: Vec<&str> = text.lines().nth(2).unwrap_or_default().split_whitespace().collect();
    assert_eq!(
        second[..9],
        [name.as_str(), name.as_str(), "1", "20", "20", "0", "-", "-", "-"],
        "{text}"
    );

    let listed = common::console(&["groups", "-o", "json"], &[]);
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("groups JSON");
    let ours =
        listed["groups"].as_array().into_iter().flatten().find(|g| g["name"] == name.as_str());
    let ours = ours.unwrap_or_else(|| panic!("{name} in `groups`: {listed}"));
    assert_eq!((ours["total_lag"].as_i64(), ours["partition_count"].as_i64()), (Some(19), Some(3)));

    for p in group["partitions"].as_array().into_iter().flatten() {
        let seconds = p["lag_seconds"]["seconds"].as_f64();
        if let Some(0) = p["lag"].as_i64() {
            assert_eq!(seconds, Some(0.0), "{p}");
        } else {
            let s = seconds.unwrap_or_else(|| panic!("lag seconds of a lagging partition: {p}"));
            assert!((0.0..300.0).contains(&s), "produced moments ago: {s} s");
            assert_eq!(p["lag_seconds"]["estimate"], "record_timestamp");
        }
    }
}

#[test]
fn lag_of_an_unknown_group_exits_2() {
    common::require_stack();
    let out = common::console(&["lag", "cdc-lag-test-no-such-group", "-o", "json"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

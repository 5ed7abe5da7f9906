//! Committed offsets outside the log are data lost, and `cdc-console lag` says so (issue 19):
//! - the topic deleted and recreated with fewer records, the group's commits beyond the new log
//!   ends → ERR with the reason for each partition, never LAG 0 / OK;
//! - records deleted (DeleteRecords, as retention does) past the group's commit → ERR with the
//!   count of records lost.
//!
//! Log starts and ends are compared with a plain rdkafka client's watermarks. The test owns its
//! topics and groups (`cdc-oor-test-<pid>`, `cdc-oor-del-test-<pid>`) and deletes them.

mod common;

use std::time::Duration;

use common::kafka::{ScratchTopic, TIMEOUT, commit, plain_config};
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;

/// (low, high) watermarks of each partition, read by a plain client.
fn watermarks(topic: &str, partitions: i32) -> Vec<(i64, i64)> {
    let c: BaseConsumer = plain_config().create().expect("consumer");
    (0..partitions).map(|p| c.fetch_watermarks(topic, p, TIMEOUT).expect("watermarks")).collect()
}

/// `lag GROUP -o json`'s group, polled up to twice until its verdict is ERR (a recreated topic
/// may take a metadata refresh to show); asserts the exit code 1 that ERR gives.
fn lag_until_err(group: &str) -> Value {
    let mut last = String::new();
    for _ in 0..2 {
        let out = common::console(&["lag", group, "-o", "json"], &[]);
        last = String::from_utf8_lossy(&out.stdout).into_owned();
        let report: Value = serde_json::from_str(&last).unwrap_or_else(|e| panic!("{e}: {last}"));
        let g = report["groups"][0].clone();
        if g["verdict"] == "ERR" {
            assert_eq!(out.status.code(), Some(1), "ERR exits 1: {last}");
            return g;
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    panic!("{group} never ERR in 2 polls: {last}");
}

#[test]
fn commits_beyond_a_recreated_topics_end_are_err_with_the_reason() {
    common::require_stack();
    let name = format!("cdc-oor-test-{}", std::process::id());
    let mut topic = ScratchTopic::create(&name, 3);
    topic.owns_group(&name);
    topic.produce(&[(0, 40), (1, 40), (2, 40)]);
    commit(&name, &name, &[38, 40, 35]);

    topic.recreate(3);
    topic.produce(&[(0, 5), (1, 6), (2, 7)]);
    // Kafka drops a deleted topic's commits; the consumer that still holds its old positions
    // commits them again (as the replicator and any committing consumer do).
    commit(&name, &name, &[38, 40, 35]);
    let marks = watermarks(&name, 3);
    assert_eq!(marks.iter().map(|m| m.1).collect::<Vec<_>>(), [5, 6, 7], "the new log ends");

    let g = lag_until_err(&name);
    assert_eq!(g["name"], name.as_str());
    let parts = g["partitions"].as_array().expect("partitions");
    assert_eq!(parts.len(), 3, "{g:#}");
    for (p, (committed, (_, end))) in parts.iter().zip([38, 40, 35].into_iter().zip(&marks)) {
        assert_eq!(
            (p["current_offset"].as_i64(), p["log_end_offset"].as_i64()),
            (Some(committed), Some(*end)),
            "{p:#}"
        );
        assert_eq!((p["verdict"].as_str(), p["lag"].as_i64()), (Some("ERR"), None), "{p:#}");
        assert_eq!(
            p["reason"].as_str(),
            Some(
                format!(
                    "committed offset {committed} is beyond the log end {end}: the topic was \
                     recreated or truncated; records written since are not being consumed"
                )
                .as_str()
            ),
            "{p:#}"
        );
        assert!(p["lost"].is_null(), "{p:#}");
    }
    let reason = g["reason"].as_str().expect("group reason");
    assert!(reason.contains("beyond the log end") && reason.contains("(and 2 more partitions)"));

    let table = common::console(&["lag", &name], &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert_eq!(table.status.code(), Some(1), "{text}");
    let rows = text.lines().skip(1).take(3);
    assert!(rows.clone().count() == 3 && rows.clone().all(|l| l.ends_with("ERR")), "{text}");
    assert!(
        text.contains(&format!("{name} {name}/0 ERR: committed offset 38 is beyond")),
        "{text}"
    );

    let listed = common::console(&["groups", "-o", "json"], &[]);
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("groups JSON");
    let ours =
        listed["groups"].as_array().into_iter().flatten().find(|g| g["name"] == name.as_str());
    let ours = ours.unwrap_or_else(|| panic!("{name} in `groups`: {listed}"));
    assert_eq!((ours["verdict"].as_str(), ours["reason"].as_str()), (Some("ERR"), Some(reason)));
}

#[test]
fn records_deleted_past_the_commit_are_err_with_the_count_lost() {
    common::require_stack();
    let name = format!("cdc-oor-del-test-{}", std::process::id());
    let mut topic = ScratchTopic::create(&name, 3);
    topic.owns_group(&name);
    topic.produce(&[(0, 30), (1, 30), (2, 30)]);
    commit(&name, &name, &[10, 25, 30]);

    // As retention would: the first 20 records of partitions 0 and 1 go.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let admin: AdminClient<DefaultClientContext> = plain_config().create().expect("admin");
    let mut tpl = TopicPartitionList::new();
    for p in 0..2 {
        tpl.add_partition_offset(&name, p, Offset::Offset(20)).expect("tpl");
    }
    let opts = AdminOptions::new().request_timeout(Some(TIMEOUT));
    let done = rt.block_on(admin.delete_records(&tpl, &opts)).expect("delete records");
    assert!(done.elements().iter().all(|e| e.error().is_ok()), "{done:?}");
    let marks = watermarks(&name, 3);
    assert_eq!(marks, [(20, 30), (20, 30), (0, 30)], "log start and end per partition");

    let g = lag_until_err(&name);
    let rows: Vec<_> = g["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| {
            (
                p["log_start_offset"].as_i64(),
                p["lag"].as_i64(),
                p["verdict"].as_str().map(str::to_string),
                p["lost"].as_u64(),
            )
        })
        .collect();
    let row =
        |start, lag, verdict: &str, lost| (Some(start), Some(lag), Some(verdict.into()), lost);
    assert_eq!(rows, [row(20, 20, "ERR", Some(10)), row(20, 5, "OK", None), row(0, 0, "OK", None)]);
    assert_eq!(
        g["partitions"][0]["reason"].as_str(),
        Some(
            "committed offset 10 is before the log start 20: 10 records were deleted by \
             retention before they were consumed"
        )
    );
    assert_eq!(g["lost"].as_u64(), Some(10));
}

//! `cdc-console lag GROUP -o json` against Kafka's own `kafka-consumer-groups --describe`, the
//! independent reference, column by column: for each partition CURRENT-OFFSET, LOG-END-OFFSET,
//! LAG, CONSUMER-ID, HOST and CLIENT-ID; for each member (`--members --verbose`) CONSUMER-ID,
//! HOST, CLIENT-ID, #PARTITIONS and ASSIGNMENT. The group is live: two consumers of the test's
//! own, with client ids of their own, split a scratch topic and commit offsets of their choice.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::kafka::{ScratchTopic, plain_config};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;

const PRODUCED: [(i32, i64); 4] = [(0, 10), (1, 20), (2, 5), (3, 0)];

/// A group member: polls on its own thread until dropped, committing half of what each of its
/// partitions holds once it has them.
struct Member {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Member {
    fn join(topic: &str, group: &str, client_id: &str) -> Member {
        let consumer: BaseConsumer = plain_config()
            .set("group.id", group)
            .set("client.id", client_id)
            .set("enable.auto.commit", "false")
            .set("session.timeout.ms", "10000")
            .create()
            .expect("consumer");
        consumer.subscribe(&[topic]).expect("subscribe");
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, topic) = (stop.clone(), topic.to_string());
            std::thread::spawn(move || {
                let mut committed = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let _ = consumer.poll(Duration::from_millis(100));
                    let assigned = consumer
                        .assignment()
                        .map(|a| a.elements().iter().map(rdkafka::topic_partition_list::TopicPartitionListElem::partition).collect::<Vec<_>>())
                        .unwrap_or_default();
                    if assigned != committed && !assigned.is_empty() {
                        let mut tpl = TopicPartitionList::new();
                        for &p in &assigned {
                            let half =
                                PRODUCED.iter().find(|(q, _)| *q == p).map_or(0, |(_, n)| n / 2);
                            tpl.add_partition_offset(&topic, p, Offset::Offset(half)).expect("tpl");
                        }
                        if consumer.commit(&tpl, CommitMode::Sync).is_ok() {
                            committed = assigned;
                        }
                    }
                }
                consumer.unsubscribe();
            })
        };
        Member { stop, thread: Some(thread) }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `compose/local/stack tool kafka-consumer-groups ARGS… --group GROUP`: the group's rows of
/// whitespace-separated columns keyed by the header's names, "-" as empty (notices such as
/// "Consumer group … has no active members." are not rows).
fn kafka_consumer_groups(group: &str, args: &[&str]) -> Vec<BTreeMap<String, String>> {
    let out = Command::new(common::repo_root().join("compose/local/stack"))
        .args([
            "tool",
            "kafka-consumer-groups",
            "--bootstrap-server",
            &common::config().kafka.brokers,
        ])
        .args(["--describe", "--group", group])
        .args(args)
        .output()
        .expect("run compose/local/stack tool");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "kafka-consumer-groups {args:?}: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> =
        lines.next().unwrap_or_default().split_whitespace().map(str::to_string).collect();
    lines
        .filter(|l| l.split_whitespace().next() == Some(group))
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(
                    l.split_whitespace()
                        .map(|v| if v == "-" { String::new() } else { v.to_string() }),
                )
                .collect()
        })
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Kafka 4's tool prints `topic:0,1` per topic (the test's group reads one topic).
fn assignment(member: &Value) -> String {
    let mut parts: Vec<String> = member["assignment"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let ps: Vec<String> =
                a["partitions"].as_array().into_iter().flatten().map(text).collect();
            format!("{}:{}", text(&a["topic"]), ps.join(","))
        })
        .collect();
    parts.sort();
    parts.join(";")
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
fn lag_and_members_equal_kafka_consumer_groups_column_by_column() {
    common::require_stack();
    let name = format!("cdc-console-test-groups-{}", std::process::id());
    let group = format!("{name}-group");
    let mut scratch = ScratchTopic::create(&name, 4);
    scratch.owns_group(&group);
    scratch.produce(&PRODUCED);
    let members = [
        Member::join(&name, &group, "cdc-test-member-a"),
        Member::join(&name, &group, "cdc-test-member-b"),
    ];

    // Stable: both members hold partitions and every partition has its commit.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (lag, offsets, described) = loop {
        let offsets = kafka_consumer_groups(&group, &[]);
        let described = kafka_consumer_groups(&group, &["--members", "--verbose"]);
        let out = common::console(&["lag", &group, "-o", "json"], &[]);
        let lag: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let g = &lag["groups"][0];
        // The three reads are moments apart; a rebalance between them (the second member joining)
        // would make them disagree on who owns what, so the reads count only once the group is
        // stable through all three: same owner of every partition, every commit made.
        let owners_tool: BTreeMap<String, String> =
            offsets.iter().map(|r| (r["PARTITION"].clone(), r["CONSUMER-ID"].clone())).collect();
        let owners_console: BTreeMap<String, String> = g["partitions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|q| (text(&q["partition"]), text(&q["consumer_id"])))
            .collect();
        let settled = described.len() == 2
            && described.iter().all(|m| m.get("#PARTITIONS").is_some_and(|n| n == "2"))
            && offsets.len() == 4
            && offsets
                .iter()
                .all(|r| !r["CURRENT-OFFSET"].is_empty() && !r["CONSUMER-ID"].is_empty())
            && g["members"].as_array().is_some_and(|m| m.len() == 2)
            && owners_tool == owners_console;
        if settled {
            break (g.clone(), offsets, described);
        }
        assert!(
            Instant::now() < deadline,
            "the group never settled: {offsets:?} {described:?} {lag:#}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };

    for row in &offsets {
        let p: i32 = row["PARTITION"].parse().expect("partition");
        let ours = lag["partitions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|q| q["topic"] == name.as_str() && q["partition"] == p)
            .unwrap_or_else(|| panic!("partition {p} missing: {lag:#}"));
        for (theirs, mine) in [
            ("CURRENT-OFFSET", "current_offset"),
            ("LOG-END-OFFSET", "log_end_offset"),
            ("LAG", "lag"),
            ("CONSUMER-ID", "consumer_id"),
            ("HOST", "host"),
            ("CLIENT-ID", "client_id"),
        ] {
            assert_eq!(
                text(&ours[mine]),
                row[theirs],
                "partition {p}, {theirs}: {ours:#} vs {row:?}"
            );
        }
    }
    for row in &described {
        let ours = lag["members"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["member_id"] == row["CONSUMER-ID"].as_str())
            .unwrap_or_else(|| panic!("member {} missing: {lag:#}", row["CONSUMER-ID"]));
        assert_eq!(text(&ours["host"]), row["HOST"], "{ours:#} vs {row:?}");
        assert_eq!(text(&ours["client_id"]), row["CLIENT-ID"], "{ours:#} vs {row:?}");
        let count: usize = ours["assignment"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a["partitions"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(count.to_string(), row["#PARTITIONS"], "{ours:#} vs {row:?}");
        // Kafka 4 names the column CURRENT-ASSIGNMENT for every group protocol.
        let theirs = row
            .get("ASSIGNMENT")
            .or(row.get("CURRENT-ASSIGNMENT"))
            .unwrap_or_else(|| panic!("no assignment column: {row:?}"));
        assert_eq!(&assignment(ours), theirs, "{ours:#} vs {row:?}");
    }
    let clients: Vec<String> = described.iter().map(|r| r["CLIENT-ID"].clone()).collect();
    assert!(
        clients.contains(&"cdc-test-member-a".to_string())
            && clients.contains(&"cdc-test-member-b".to_string()),
        "{clients:?}"
    );
    drop(members);
}

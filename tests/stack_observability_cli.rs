//! `latency`, `slots` and the Prometheus endpoint of `serve`, against the running stack.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[test]
fn latency_measures_every_stage_of_changes_made_while_it_samples() {
    common::require_stack();
    let bin = env!("CARGO_BIN_EXE_cdc-console");
    let mut generator = Command::new(bin)
        .args(["generate", "--rate", "200", "--duration", "9s", "--seed", "11"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let out = common::console(&["latency", "--window", "8s", "-o", "json"], &[]);
    assert!(generator.wait().unwrap().success());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(snap["events"].as_u64().unwrap() > 100, "{snap:#}");
    assert_eq!(snap["undecodable"], 0);
    assert!(snap["topics"].as_array().unwrap().contains(&Value::from("dbserver1.public.orders")));
    let stage = |name: &str| {
        snap["stages"].as_array().unwrap().iter().find(|s| s["stage"] == name).unwrap().clone()
    };
    for name in ["source_to_debezium", "debezium_to_broker", "broker_to_console", "end_to_end"] {
        let s = stage(name);
        let q = |k: &str| s[k].as_u64().unwrap();
        assert!(q("count") > 100, "{name}: {s}");
        assert!(
            q("p50") <= q("p90")
                && q("p90") <= q("p99")
                && q("p99") <= q("p999")
                && q("p999") <= q("max"),
            "{name}: {s}"
        );
    }
    // End to end is the sum of the hops, event by event, so it dominates each of them.
    let e2e = stage("end_to_end");
    for name in ["source_to_debezium", "debezium_to_broker", "broker_to_console"] {
        assert!(e2e["p50"].as_u64() >= stage(name)["p50"].as_u64(), "{snap:#}");
    }
    assert!(
        e2e["p50"].as_u64().unwrap() < 60_000,
        "a live pipeline delivers within a minute: {snap:#}"
    );
}

#[test]
fn slots_lists_debeziums_slot_and_publication() {
    common::require_stack();
    let out = common::console(&["slots", "-o", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let snap = &r["source"]["snapshot"];
    let slot =
        snap["slots"].as_array().unwrap().iter().find(|s| s["name"] == "cdc_console").unwrap();
    assert_eq!(slot["active"], true);
    let publication = snap["publications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cdc_console")
        .unwrap();
    let tables: Vec<&str> =
        publication["tables"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    // The signal table is captured too: Debezium reads signals (and incremental-snapshot
    // watermarks) from the change stream.
    assert_eq!(tables, ["public.debezium_signal", "public.order_items", "public.orders"]);
}

fn scrape(port: u16) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    Some(text)
}

/// Commits offset 1 of partition 0 for `group` on `topic`, so the group lists with a lag.
fn commit(group: &str, topic: &str) {
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    let consumer: BaseConsumer = common::kafka::plain_config()
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = rdkafka::TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, rdkafka::Offset::Offset(1)).unwrap();
    consumer.commit(&tpl, CommitMode::Sync).expect("commit");
}

#[test]
fn serve_exposes_connector_slot_group_and_backend_metrics() {
    common::require_stack();
    let name = format!("cdc-metrics-test-{}", std::process::id());
    let mut topic = common::kafka::ScratchTopic::create(&name, 1);
    topic.owns_group(&name);
    topic.produce(&[(0, 5)]);
    commit(&name, &name);
    let group_lag = format!("cdc_group_lag{{group=\"{name}\",topic=\"{name}\",partition=\"0\"}} 4");
    let group_verdict = format!("cdc_group_verdict{{group=\"{name}\",verdict=\"OK\"}} 1");
    let partitions = format!("cdc_topic_partitions{{topic=\"{name}\"}} 1");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_cdc-console"))
        .args(["serve", "--metrics-addr", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wanted = [
        "cdc_backend_up{backend=\"source\"} 1",
        "cdc_backend_up{backend=\"kafka\"} 1",
        "cdc_connector_state{cluster=\"local\",connector=\"orders-cdc\",state=\"RUNNING\"} 1",
        "cdc_connector_task_state{cluster=\"local\",connector=\"orders-cdc\",task=\"0\",state=\"RUNNING\"} 1",
        "cdc_slot_active{slot=\"cdc_console\"} 1",
        "cdc_slot_lag_bytes{slot=\"cdc_console\"}",
        &group_lag,
        &group_verdict,
        &partitions,
        "cdc_broker_up{broker=\"1\"} 1",
        "cdc_stage_state{stage=\"source\",state=\"up\"} 1",
        "cdc_alerts{state=\"firing\",severity=\"critical\"}",
    ];
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Some(text) = scrape(port) {
            if wanted.iter().all(|w| text.contains(w)) {
                last = text;
                break;
            }
            last = text;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = Command::new("kill").arg(serve.id().to_string()).status();
    let status = serve.wait().unwrap();
    for w in wanted {
        assert!(last.contains(w), "`{w}` missing from:\n{last}");
    }
    assert!(last.starts_with("HTTP/1.1 200 OK") && last.contains("text/plain; version=0.0.4"));
    assert!(!last.to_lowercase().contains("password"), "no secrets in metrics");
    assert!(status.success(), "serve exits cleanly on SIGTERM: {status:?}");
    // The live text is valid exposition: promtool parses and lints it clean.
    let body = last.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let (ok, out) = common::prom::run_promtool(&["check", "metrics"], body);
    assert!(ok && out.trim().is_empty(), "promtool check metrics on the live text: {out}\n{body}");
}

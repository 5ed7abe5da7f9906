//! `cdc-console check`, the CI gate, on the local stack with a pipeline of the test's own: a
//! source table `public.t22chk_orders_<pid>` (not captured by Debezium), a one-partition topic
//! with Debezium-shaped events for its rows (each at the source LSN after its write, as
//! Debezium's would be), and a replica the real replicator brings up to date. The gate passes;
//! a Connect worker that does not answer fails health; a damaged sink row fails consistency
//! naming table, key and column, in the summary and in the JUnit report.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use cdc_console::config::ReplicaConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use serde_json::{Value, json};

/// A Debezium change event creating row `id` at source LSN `lsn`, keyed by its id.
fn produce(topic: &str, id: i64, lsn: i64) {
    let producer: BaseProducer = common::kafka::plain_config().create().expect("producer");
    let after = json!({
        "order_id": id, "user_id": 7, "customer_name": "c", "amount": "1.50",
        "status": "paid", "created_at": "2026-12-06T10:00:00Z", "updated_at": "2026-12-06T10:00:00Z",
    });
    let event = json!({
        "before": null, "after": after, "op": "c", "ts_ms": 2,
        "source": {"ts_ms": 1, "lsn": lsn, "schema": "public", "table": "t22chk", "snapshot": "false"},
    });
    let (key, payload) = (json!({ "order_id": id }).to_string(), event.to_string());
    producer
        .send(BaseRecord::to(topic).partition(0).key(&key).payload(&payload))
        .map_err(|(e, _)| e)
        .expect("send");
    producer.flush(common::kafka::TIMEOUT).expect("flush");
}

/// Drops the test's source table and replica however the test ends.
struct Cleanup {
    table: String,
    replica: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (table, replica) = (self.table.clone(), self.replica.clone());
        // A runtime of its own, on a thread of its own: the test's may be gone or panicking.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let sink = common::sink_client().await;
                common::replicator::reset(&sink, &[&replica]).await;
                let source = common::source_client().await;
                let _ = source.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await;
            });
        })
        .join();
    }
}

/// `check` with `config` and `args`, the JUnit report written to `junit`: (exit code, stdout,
/// stderr).
fn check(config: &Path, junit: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--config", config.to_str().expect("utf-8"), "check"];
    all.extend_from_slice(args);
    all.extend(["--junit", junit.to_str().expect("utf-8")]);
    let out = common::console(&all, &[]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn config_file(dir: &Path, file: &str, replica: &ReplicaConfig, connect: &str) -> PathBuf {
    let path = dir.join(file);
    let body = format!(
        "jobs = []\n{connect}\n[[replicas]]\nname = \"{}\"\nsource = \"{}\"\nsink = \"{}\"\ntopic = \"{}\"\n",
        replica.name, replica.source, replica.sink, replica.topic
    );
    std::fs::write(&path, body).expect("config");
    path
}

/// The check named `label` (`kind/name`) in the JSON report.
fn named<'a>(report: &'a Value, label: &str) -> &'a Value {
    let (kind, name) = label.split_once('/').expect("kind/name");
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["kind"] == kind && c["name"] == name))
        .unwrap_or_else(|| panic!("no check {label}: {report:#}"))
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a CI job runs it")]
fn check_passes_a_consistent_pipeline_and_fails_a_down_worker_and_a_damaged_row() {
    common::require_stack();
    let started = Instant::now();
    let pid = std::process::id();
    let topic = common::kafka::ScratchTopic::create(&format!("t22chk-{pid}"), 1);
    let (table, name) = (format!("public.t22chk_orders_{pid}"), format!("t22chk_{pid}"));
    let replica = ReplicaConfig::full(&name, &table, &format!("cdc.{name}"), &topic.name);
    let _cleanup = Cleanup { table: table.clone(), replica: name.clone() };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let source = common::source_client().await;
        source
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (order_id bigint PRIMARY KEY, user_id bigint, \
                 customer_name text, amount numeric(12,2), status text, created_at timestamptz, updated_at timestamptz)"
            ))
            .await
            .expect("source table");
        for id in 1..=3 {
            let lsn: i64 = source
                .query_one(
                    &format!("INSERT INTO {table} VALUES ($1, 7, 'c', 1.50, 'paid', '2026-12-06T10:00:00Z', '2026-12-06T10:00:00Z') \
                     RETURNING (pg_current_wal_lsn() - '0/0')::bigint"),
                    &[&id],
                )
                .await
                .expect("insert")
                .get(0);
            produce(&topic.name, id, lsn);
        }
        let sink = common::sink_client().await;
        common::replicator::reset(&sink, &[&name]).await;
        common::replicator::until_idle(&common::replicator::config_with(vec![replica.clone()])).await;
    });

    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("report.xml");
    let config = config_file(dir.path(), "ok.toml", &replica, "");
    let replica_check = format!("consistency/{name}");

    // Consistent: every check passes, the replicator's lag counted on this topic only.
    let (code, out, err) =
        check(&config, &junit, &["--replica", &name, "--settle", "20s", "-o", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(code, 0, "a consistent pipeline passes: {report:#}\n{err}");
    assert_eq!(report["passed"], true);
    for label in
        ["health/source", "health/slots", "health/kafka", "health/connect:local", "health/sink"]
    {
        assert_eq!(named(&report, label)["result"], "pass", "{label}: {report:#}");
    }
    let lag = named(&report, "lag/cdc-console-replicator");
    assert_eq!(lag["result"], "pass", "{lag:#}");
    assert!(lag["reason"].as_str().unwrap_or_default().contains("on 1 partition(s)"), "{lag:#}");
    let diffed = named(&report, &replica_check);
    assert!(diffed["reason"].as_str().unwrap_or_default().contains("consistent"), "{diffed:#}");

    // A Connect worker that does not answer: health fails with "down" and why, exit 1; its
    // password never shows.
    let closed =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let secret = format!("t22chk-secret-{pid}");
    let connect = format!(
        "[[connect]]\nname = \"gone\"\nurl = \"http://{closed}\"\nusername = \"ci\"\npassword = \"{secret}\"\n"
    );
    let down = config_file(dir.path(), "down.toml", &replica, &connect);
    let (code, out, err) = check(&down, &junit, &["--replica", &name, "--settle", "20s"]);
    assert_eq!(code, 1, "a down worker fails the gate:\n{out}\n{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("health/connect:gone"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("FAIL") && line.contains("down: "), "{line}");
    assert!(out.lines().any(|l| l.starts_with(&replica_check) && l.contains("pass")), "{out}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    for text in [&out, &err, &xml] {
        assert!(!text.contains(&secret), "the password leaked: {text}");
    }

    // A damaged sink row: consistency fails naming the table, the key and the column.
    rt.block_on(async {
        let sink = common::sink_client().await;
        let n = sink
            .execute(&format!("UPDATE cdc.{name} SET status = 'damaged' WHERE order_id = 2"), &[])
            .await
            .expect("damage");
        assert_eq!(n, 1);
    });
    let (code, out, err) = check(&config, &junit, &["--replica", &name, "--settle", "20s"]);
    assert_eq!(code, 1, "a damaged row fails the gate:\n{out}\n{err}");
    let want = format!("cdc.{name}: 1 diverged row(s) from {table}: order_id=2 changed: status");
    let line =
        out.lines().find(|l| l.starts_with(&replica_check)).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("FAIL") && line.contains(&want), "{want:?} missing:\n{out}");
    assert!(out.contains("checks: ") && out.contains("1 failed"), "{out}");

    // The JUnit report parses, and the failing testcase carries the reason.
    let xml = std::fs::read_to_string(&junit).expect("junit");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).expect("testsuite");
    assert_eq!(suite.attribute("name"), Some("cdc-console check"));
    assert_eq!(suite.attribute("failures"), Some("1"), "{xml}");
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name.as_str()))
        .unwrap_or_else(|| panic!("no testcase {name}:\n{xml}"));
    assert_eq!(case.attribute("classname"), Some("consistency"));
    let failure = case.children().find(|n| n.has_tag_name("failure")).expect("failure");
    assert!(failure.attribute("message").unwrap_or_default().contains(&want), "{xml}");
    assert_eq!(failure.text(), Some("order_id=2 changed: status"));
    eprintln!("stack_check took {:.1}s", started.elapsed().as_secs_f64());
    drop(topic);
}

//! `connectors offsets get|set|reset` against the real Connect worker, Debezium 3.6 and
//! PostgreSQL 15: an offset set back to a captured LSN makes Debezium emit the changes after it
//! again, the replica stays equal, and the LSN check's verdicts match what the servers do.
//!
//! Isolated: a connector of the test's own (`t21off-<pid>`, compose/connectors/orders.json's
//! settings) on a scratch database of the source server (`t21off_<pid>`, with `public.orders`),
//! its own slot, publication and topic prefix. It never touches `orders-cdc`. Guards delete the
//! connector, slot, topics, database and replica however the test ends.
//!
//! Why replay is possible here: PostgreSQL never streams a logical slot from before its
//! `confirmed_flush_lsn` (START_REPLICATION at an older LSN silently starts there). Debezium
//! confirms to the slot every record Kafka acknowledged (lsn.flush.mode=connector, the default),
//! so by the time the offset is set back the slot is past the captured LSN and nothing would be
//! replayed. The test connector runs with `lsn.flush.mode=manual` (the deprecated
//! flush.lsn.source=false): Debezium never confirms, the slot stays where it was created, and
//! the captured LSN lies between confirmed_flush and the current WAL — the replayable case.

mod common;
#[allow(dead_code, reason = "the actions test uses the rest of its fixture")]
#[path = "stack_connect_actions/fixture.rs"]
mod fixture;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fixture::{TestConnector, Worker};
use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde_json::Value;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = common::console(args, &[("CDC_CONSOLE_REQUEST_TIMEOUT_MS", "30000")]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "cdc-console {}: exit {code}\n{out}\n{err}", args.join(" "));
    out
}

fn lsn_text(n: u64) -> String {
    format!("{:X}/{:X}", n >> 32, n & 0xFFFF_FFFF)
}

fn parse_lsn(s: &str) -> u64 {
    let (hi, lo) = s.split_once('/').expect("an LSN");
    (u64::from_str_radix(hi, 16).unwrap() << 32) | u64::from_str_radix(lo, 16).unwrap()
}

/// The scratch database on the source server; dropped last (after the connector's slot).
struct ScratchSource {
    db: String,
    rt: tokio::runtime::Runtime,
}

impl ScratchSource {
    fn create(db: &str) -> Self {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let admin = common::source_client().await;
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                .await
                .unwrap();
            admin.batch_execute(&format!("CREATE DATABASE {db}")).await.unwrap();
        });
        let s = Self { db: db.to_string(), rt };
        let ddl =
            std::fs::read_to_string(common::repo_root().join("compose/sql/source.sql")).unwrap();
        let tables = ddl.split("-- Roles").next().unwrap().to_string();
        s.sql(&tables);
        s
    }

    fn client(&self) -> tokio_postgres::Client {
        let mut cfg = common::config().source.pg_config(Duration::from_secs(5));
        cfg.dbname(&self.db);
        self.rt.block_on(async {
            let (c, conn) = cfg.connect(tokio_postgres::NoTls).await.expect("connect scratch");
            tokio::spawn(conn);
            c
        })
    }

    fn sql(&self, sql: &str) {
        let c = self.client();
        self.rt.block_on(c.batch_execute(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn current_wal(&self) -> u64 {
        let c = self.client();
        let s: String =
            self.rt.block_on(c.query_one("SELECT pg_current_wal_lsn()::text", &[])).unwrap().get(0);
        parse_lsn(&s)
    }

    /// (active, restart_lsn, confirmed_flush_lsn) of `slot`.
    fn slot(&self, slot: &str) -> (bool, u64, u64) {
        let c = self.client();
        let sql = "SELECT active, restart_lsn::text, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1";
        let r = self.rt.block_on(c.query_one(sql, &[&slot])).expect("the slot");
        (r.get(0), parse_lsn(r.get(1)), parse_lsn(r.get(2)))
    }
}

impl Drop for ScratchSource {
    fn drop(&mut self) {
        let db = self.db.clone();
        self.rt.block_on(async {
            let admin = common::source_client().await;
            if let Err(e) =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await
            {
                eprintln!("cleanup: drop database {db}: {e}");
            }
        });
    }
}

/// Every change event on `topic` (tombstones aside): source LSN → how many times it is there.
/// Read to each partition's end by position, not by the last record: with exactly-once source
/// support a partition ends with a transaction marker, an offset no record arrives for.
fn events_by_lsn(topic: &str) -> BTreeMap<u64, usize> {
    let c: BaseConsumer = common::kafka::plain_config()
        .set("group.id", "t21off-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let meta = c.fetch_metadata(Some(topic), Duration::from_secs(10)).unwrap();
    let mut tpl = rdkafka::TopicPartitionList::new();
    let mut ends = BTreeMap::new();
    for p in meta.topics().iter().flat_map(rdkafka::metadata::MetadataTopic::partitions) {
        let (low, high) = c.fetch_watermarks(topic, p.id(), Duration::from_secs(10)).unwrap();
        if high > low {
            tpl.add_partition_offset(topic, p.id(), rdkafka::Offset::Offset(low)).unwrap();
            ends.insert(p.id(), high);
        }
    }
    let mut out = BTreeMap::new();
    if ends.is_empty() {
        return out;
    }
    c.assign(&tpl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let position = c.position().unwrap();
        let at = |p: i32| position.find_partition(topic, p).and_then(|e| e.offset().to_raw());
        if ends.iter().all(|(p, high)| at(*p).is_some_and(|o| o >= *high)) {
            return out;
        }
        assert!(Instant::now() < deadline, "{topic} not read to its end {ends:?} within 30 s");
        let Some(m) = c.poll(Duration::from_millis(100)) else { continue };
        let m = m.unwrap();
        let Some(v) = m.payload().and_then(|b| serde_json::from_slice::<Value>(b).ok()) else {
            continue;
        };
        if let Some(lsn) = v["source"]["lsn"].as_u64() {
            *out.entry(lsn).or_insert(0) += 1;
        }
    }
}

/// Waits until `want` holds for the topic's events (Debezium and the broker take seconds).
fn wait_events(
    topic: &str,
    what: &str,
    want: impl Fn(&BTreeMap<u64, usize>) -> bool,
) -> BTreeMap<u64, usize> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let events = if topic_exists(topic) { events_by_lsn(topic) } else { BTreeMap::new() };
        if want(&events) {
            return events;
        }
        assert!(Instant::now() < deadline, "{what}: not within 90 s; events by LSN: {events:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn topic_exists(topic: &str) -> bool {
    let c: BaseConsumer = common::kafka::plain_config().create().unwrap();
    c.fetch_metadata(Some(topic), Duration::from_secs(5))
        .is_ok_and(|m| m.topics().iter().any(|t| t.error().is_none() && !t.partitions().is_empty()))
}

fn offsets_json(name: &str) -> (i32, Value) {
    let (code, out, err) = run(&["connectors", "offsets", "get", name, "-o", "json"]);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v)
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
fn offsets_set_back_replay_the_changes_after_it_and_the_check_tells_the_cases_apart() {
    common::require_stack();
    let t0 = Instant::now();
    let phase = |what: &str| eprintln!("[{:6.1}s] {what}", t0.elapsed().as_secs_f64());
    let pid = std::process::id();
    let db = format!("t21off_{pid}");
    let source = ScratchSource::create(&db);
    let worker = Worker::local();
    let conn =
        TestConnector { name: format!("t21off-{pid}"), slot: db.clone(), prefix: db.clone() };
    let name = conn.name.as_str();
    let topic = format!("{db}.public.orders");

    let spec = conn.write_spec(&[
        ("database.dbname", &db),
        ("table.include.list", "public.orders"),
        ("slot.drop.on.stop", "false"),
        ("snapshot.mode", "initial"),
        ("lsn.flush.mode", "manual"),
    ]);
    ok(&["connectors", "apply", "-f", spec.path().to_str().unwrap()]);
    phase("connector running");
    worker.wait_state(name, "RUNNING");

    // Batch A, then the captured LSN, then batch B: 20 inserts, 15 updates, 5 deletes.
    source.sql("INSERT INTO orders (user_id, customer_name, amount) SELECT g, 'a' || g, g FROM generate_series(1, 10) g");
    wait_events(&topic, "batch A on the topic", |e| e.len() == 10);
    // The WAL's insert position: the next record (batch B's first change) may be written at
    // exactly this LSN, so "after the captured LSN" is at or above it.
    let captured = source.current_wal();
    source.sql("INSERT INTO orders (user_id, customer_name, amount) SELECT g, 'b' || g, g FROM generate_series(11, 30) g");
    source.sql("UPDATE orders SET status = 'paid', updated_at = now() WHERE order_id <= 15");
    source.sql("DELETE FROM orders WHERE order_id > 25");
    let before = wait_events(&topic, "batch B on the topic", |e| e.len() == 50);
    assert_eq!(before.range(captured..).count(), 40, "{before:?}");
    assert!(before.values().all(|n| *n == 1), "{before:?}");
    phase("batch B on the topic");

    // The check before: the slot has confirmed nothing since it was made (manual flush).
    let (_, restart, confirmed) = source.slot(&conn.slot);
    assert!(
        confirmed <= captured,
        "slot confirmed {} past the captured {}",
        lsn_text(confirmed),
        lsn_text(captured)
    );

    // Through the guided flow: stop → alter → resume.
    let at = lsn_text(captured);
    let out = ok(&["connectors", "offsets", "set", name, "--lsn", &at, "--yes"]);
    eprintln!("{out}");
    assert!(out.contains(&format!("After the change: OK: resumes at {at}")), "{out}");
    for step in ["✓ stop", "✓ wait STOPPED", "✓ alter offsets", "✓ resume", "✓ wait RUNNING"]
    {
        assert!(out.contains(step), "{step} missing:\n{out}");
    }
    phase("CLI flow done");
    let (_, v) = offsets_json(name);
    let stored = &v["offsets"][0]["debezium"];
    assert!(stored["lsn_proc"].as_str().is_some_and(|l| parse_lsn(l) >= captured), "{v:#}");

    // Every change after the captured LSN is on the topic twice, with the same LSNs; none before.
    let after = wait_events(&topic, "batch B emitted again", |e| {
        e.range(captured..).all(|(_, n)| *n == 2) && e.range(captured..).count() == 40
    });
    assert!(after.range(..captured).all(|(_, n)| *n == 1), "batch A replayed: {after:?}");
    eprintln!(
        "replayed {} events after {at} (slot restart {}, confirmed {})",
        after.range(captured..).count(),
        lsn_text(restart),
        lsn_text(confirmed)
    );

    phase("replayed");
    // The replicator applies both copies; the replica equals the source.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config =
        common::replicator::config_with(vec![common::replicator::replica(&db, &topic, &[])]);
    config.source.dbname.clone_from(&db);
    rt.block_on(async {
        let sink = common::sink_client().await;
        common::replicator::reset(&sink, &[&db]).await;
        common::replicator::until_idle(&config).await;
        let mut scfg = common::config().source.pg_config(Duration::from_secs(5));
        scfg.dbname(&db);
        let (src, c) = scfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(c);
        let a = common::replicator::rows(&src, "public.orders", true).await;
        let b = common::replicator::rows(&sink, &format!("cdc.{db}"), true).await;
        assert_eq!(a.len(), 25);
        assert_eq!(common::replicator::differences(&a, &b), 0, "replica differs:\n{a:?}\n{b:?}");
    });

    phase("replica equal");
    // The same through the TUI: `o` shows the check, `O` takes the LSN, the name confirms, the
    // steps appear in the pane; batch B is on the topic a third time.
    let dir = tempfile::tempdir().unwrap();
    let tui = common::tmux::Session::console(&format!("t21off-{pid}"), dir.path(), "", 160, 45);
    tui.wait("the console", 30, |s| s.contains("overview"));
    tui.type_text(":connectors");
    tui.keys(&["Enter"]);
    tui.type_text(&format!("/{name}"));
    tui.keys(&["Enter"]);
    tui.wait("the test connector listed", 30, |s| s.contains(name) && s.contains("RUNNING"));
    tui.type_text("o");
    let screen = tui.wait("the offsets pane", 30, |s| s.contains("OK (now): resumes at"));
    assert!(screen.contains(&format!("slot {} (active", conn.slot)), "{screen}");
    tui.type_text("O");
    tui.type_text(&at);
    tui.keys(&["Enter"]);
    tui.wait("the confirmation", 10, |s| s.contains(&format!("Type {name} to confirm")));
    tui.type_text(name);
    tui.keys(&["Tab", "Enter"]);
    let screen = tui.wait("the guided change's steps", 120, |s| s.contains("✓ wait RUNNING"));
    for step in ["✓ stop", "✓ wait STOPPED", "✓ alter offsets", "✓ resume"] {
        assert!(screen.contains(step), "{step} missing:\n{screen}");
    }
    drop(tui);
    phase("TUI flow done");
    wait_events(&topic, "batch B emitted a third time", |e| {
        e.range(captured..).all(|(_, n)| *n == 3) && e.range(captured..).count() == 40
    });

    phase("third replay seen");
    // Verdicts. Stopped, so the flow leaves it stopped and the offset is what a start would use.
    ok(&["connectors", "stop", name]);
    worker.wait_state(name, "STOPPED");
    let ahead = lsn_text(source.current_wal() + (1 << 30));
    let (code, _, err) = run(&["connectors", "offsets", "set", name, "--lsn", &ahead, "--yes"]);
    assert_eq!(code, 2, "an offset ahead of the WAL must be refused without --force: {err}");
    assert!(err.contains("refusing"), "{err}");
    let out = ok(&["connectors", "offsets", "set", name, "--lsn", &ahead, "--force", "--yes"]);
    assert!(out.contains("left STOPPED"), "{out}");
    let (code, v) = offsets_json(name);
    assert_eq!((code, v["lsn_check"]["level"].as_str()), (1, Some("error")), "{v:#}");
    assert!(
        v["lsn_check"]["verdict"].as_str().unwrap().contains("AHEAD of the source's current WAL"),
        "{v:#}"
    );

    phase("ahead-of-WAL verdict");
    // Older than confirmed_flush: the slot advanced past WAL written since (as a connector that
    // confirms would have), the offset set between its restart_lsn and confirmed_flush_lsn.
    let deadline = Instant::now() + Duration::from_secs(30);
    while source.slot(&conn.slot).0 {
        assert!(Instant::now() < deadline, "the slot stays active after the stop");
        std::thread::sleep(Duration::from_millis(300));
    }
    source
        .sql("INSERT INTO orders (user_id, customer_name, amount) VALUES (99, 'c', 1); CHECKPOINT");
    source
        .sql(&format!("SELECT pg_replication_slot_advance('{}', pg_current_wal_lsn())", conn.slot));
    let (_, restart, confirmed) = source.slot(&conn.slot);
    assert!(restart < confirmed, "restart {} confirmed {}", lsn_text(restart), lsn_text(confirmed));
    let between = lsn_text(restart + (confirmed - restart) / 2);
    ok(&["connectors", "offsets", "set", name, "--lsn", &between, "--yes"]);
    let (code, v) = offsets_json(name);
    assert_eq!((code, v["lsn_check"]["level"].as_str()), (0, Some("warning")), "{v:#}");
    let verdict = v["lsn_check"]["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with(&format!(
            "will NOT replay changes between {between} and {}",
            lsn_text(confirmed)
        )),
        "{verdict}"
    );

    phase("will-not-replay verdict");
    // Read-only refuses set and reset, and changes nothing.
    for args in [
        vec!["--read-only", "connectors", "offsets", "set", name, "--lsn", "0/0", "--yes"],
        vec!["--read-only", "connectors", "offsets", "reset", name, "--yes"],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(err.contains("read-only"), "{err}");
    }
    assert_eq!(offsets_json(name).1["lsn_check"]["offset_lsn"].as_str(), Some(between.as_str()));

    phase("read-only refused");
    // Reset: no stored offset left; the check says the connector would start afresh.
    let out = ok(&["connectors", "offsets", "reset", name, "--yes"]);
    assert!(out.contains("✓ reset offsets"), "{out}");
    let (_, v) = offsets_json(name);
    assert_eq!(v["offsets"], Value::Array(vec![]), "{v:#}");
    assert!(v["lsn_check"]["verdict"].as_str().unwrap().starts_with("no stored offset"), "{v:#}");

    rt.block_on(async {
        let sink = common::sink_client().await;
        common::replicator::reset(&sink, &[&db]).await;
    });
    phase("reset verdict; cleaning up");
}

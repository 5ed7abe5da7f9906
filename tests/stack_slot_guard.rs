//! The slot guard on the shared stack, with a Debezium connector of the test's own (its own
//! scratch database, slot, publication and topic prefix; the shared Connect worker keeps
//! running for everyone else):
//! - running, its captured table quiet while another table of its database is written: the
//!   idle-source doctor names it and suggests the heartbeat settings;
//! - stopped (Connect's connector-level stop: the slot is inactive exactly as with Connect
//!   down) while changes flow: the retained WAL grows across polls and the time until
//!   `max_slot_wal_keep_size` invalidates the slot is shown.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

fn name() -> String {
    format!("t21slot_{}", std::process::id())
}

fn connector_name() -> String {
    format!("t21slot-{}", std::process::id())
}

/// psql on the shared source (`db`), for the guard that cleans up without a runtime.
fn psql(db: &str, sql: &str) -> Result<String, String> {
    let c = common::config().source;
    let out = Command::new("psql")
        .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", &c.host, "-U", &c.user])
        .args(["-p", &c.port.to_string(), "-d", db, "-c", sql])
        .env("PGPASSWORD", "postgres")
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

/// Deletes the connector, its slot, publication, database and topic however the test ends.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (connector, slot) = (connector_name(), name());
        common::connector::on_own_runtime(async move {
            common::connector::remove(&connector, &slot).await;
            let pg = common::source_client().await;
            if let Err(e) =
                pg.batch_execute(&format!("DROP DATABASE IF EXISTS {slot} WITH (FORCE)")).await
            {
                eprintln!("cleanup of database {slot}: {e}");
            }
            common::connector::delete_topics(&slot).await;
        });
    }
}

/// The connector: compose/connectors/orders.json's settings on the scratch database, no
/// snapshot, no heartbeat (what the doctor is about).
fn connector_file(dir: &std::path::Path) -> std::path::PathBuf {
    let name = name();
    let mut config = common::connector::config(&[
        ("database.dbname", &name),
        ("topic.prefix", &name),
        ("slot.name", &name),
        ("publication.name", &name),
        ("table.include.list", "public.t"),
        ("snapshot.mode", "no_data"),
    ]);
    config.as_object_mut().expect("config").remove("heartbeat.interval.ms");
    let spec = serde_json::json!({ "name": connector_name(), "config": config });
    let path = dir.join("connector.json");
    std::fs::write(&path, serde_json::to_string_pretty(&spec).expect("json")).expect("write");
    path
}

/// `slots -o json` (sampled over `sample`): this test's slot and its guard.
fn slot_and_guard(sample: &str) -> (Value, Value, String) {
    let out = common::console(&["slots", "-o", "json", "--sample", sample], &[]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let r: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let pick = |list: &Value, key: &str| {
        list.as_array()
            .and_then(|l| l.iter().find(|x| x[key] == name().as_str()))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let slot = pick(&r["source"]["snapshot"]["slots"], "name");
    let guard = pick(&r["guards"], "slot");
    (slot, guard, text)
}

fn wait_for(what: &str, secs: u64, check: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let (slot, _, text) = slot_and_guard("0s");
        if check(&slot) {
            return slot;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}: {text}");
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Writes into `table` of the scratch database until dropped: ~1 MB every 100 ms.
struct Writer(Arc<AtomicBool>, Option<std::thread::JoinHandle<()>>);

impl Writer {
    fn start(table: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let _ = psql(
                    &name(),
                    &format!(
                        "INSERT INTO {table} (v) SELECT repeat('x', 1000) FROM generate_series(1, 1000)"
                    ),
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Self(stop, Some(handle))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
        if let Some(h) = self.1.take() {
            let _ = h.join();
        }
    }
}

#[test]
fn a_stopped_connectors_slot_grows_toward_its_limit_and_an_idle_one_gets_the_doctor() {
    common::require_stack();
    let limit =
        psql("source", "SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'");
    assert!(
        limit.as_ref().is_ok_and(|l| l != "-1"),
        "the stack's source sets max_slot_wal_keep_size (compose/local/lib/postgres.sh); restart \
         it with `compose/local/stack start source` to pick the setting up: {limit:?}"
    );
    let _cleanup = Cleanup;
    let db = name();
    psql("source", &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).expect("drop");
    psql("source", &format!("CREATE DATABASE {db}")).expect("create database");
    psql(
        &db,
        "CREATE TABLE t (id bigserial PRIMARY KEY, v text); ALTER TABLE t REPLICA IDENTITY FULL;
         CREATE TABLE noise (id bigserial PRIMARY KEY, v text)",
    )
    .expect("tables");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = connector_file(dir.path());
    let out = common::console(&["connectors", "apply", "-f", &file.to_string_lossy()], &[]);
    assert!(out.status.success(), "apply: {}", String::from_utf8_lossy(&out.stderr));
    wait_for("the connector's slot to be active", 90, |s| s["active"] == true);

    idle_source_gets_the_doctor();

    let out = common::console(&["connectors", "stop", &connector_name()], &[]);
    assert!(out.status.success(), "stop: {}", String::from_utf8_lossy(&out.stderr));
    wait_for("the stopped connector's slot to be inactive", 60, |s| s["active"] == false);
    retained_wal_grows_and_the_time_to_the_limit_is_shown();
}

/// Running, nothing captured changes, another table of its database is written: the slot's
/// confirmed position stays while the unconfirmed WAL passes the doctor's 16 MiB.
fn idle_source_gets_the_doctor() {
    let _writer = Writer::start("noise");
    let until = Instant::now() + Duration::from_secs(90);
    loop {
        let (slot, guard, text) = slot_and_guard("2s");
        if let Some(idle) = guard["idle_source"].as_object() {
            assert_eq!(idle["connector"], connector_name().as_str(), "{text}");
            let advice = idle["advice"].as_str().unwrap_or_default();
            assert!(advice.contains("heartbeat.interval.ms"), "{advice}");
            assert!(advice.contains("heartbeat.action.query"), "{advice}");
            assert_eq!(guard["level"], "amber", "{text}");
            assert!(slot["lag_bytes"].as_i64() >= Some(16 << 20), "{text}");
            return;
        }
        assert!(Instant::now() < until, "the doctor never spoke: {text}");
    }
}

fn retained_wal_grows_and_the_time_to_the_limit_is_shown() {
    let _writer = Writer::start("t");
    let (first, _, _) = slot_and_guard("2s");
    std::thread::sleep(Duration::from_secs(2));
    let (second, guard, text) = slot_and_guard("3s");
    let (r1, r2) = (first["retained_bytes"].as_i64(), second["retained_bytes"].as_i64());
    assert!(r1.is_some() && r2 > r1, "retained WAL grows across polls: {r1:?} → {r2:?}\n{text}");
    assert!(second["retained_bytes_per_sec"].as_f64() > Some(0.0), "{text}");
    assert!(second["inactive_since"].is_string(), "{text}");
    assert!(second["safe_wal_size"].as_i64() > Some(0), "{text}");
    let secs = guard["time_to_limit_secs"].as_u64();
    assert!(secs.is_some_and(|s| s > 0), "a time to the limit: {text}");
    assert_ne!(guard["time_to_limit"], "no limit", "{text}");
    let inactive = format!("replication slot {} is inactive", name());
    assert!(
        guard["reasons"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r.as_str() == Some(&inactive))),
        "{text}"
    );
    // Amber at least (inactive); red when the server writes fast enough to reach the limit
    // within ten minutes, which the test does not control (other writers share the server).
    let level = if secs.is_some_and(|s| s < 600) { "red" } else { "amber" };
    assert_eq!(guard["level"], level, "{text}");
    let table = common::console(&["slots", "--sample", "2s"], &[]);
    let table = String::from_utf8_lossy(&table.stdout);
    let row = table.lines().find(|l| l.starts_with(&name())).unwrap_or_default();
    assert!(
        (row.contains("AMBER") || row.contains("RED")) && row.contains("(first seen)"),
        "{table}"
    );
}

//! `cdc-console events --key` against a real Debezium connector of the test's own: a scratch
//! source database whose table's every change an AFTER trigger also writes into an audit table
//! (op, old and new row as JSON, txid, WAL position). For each key, the console must return
//! exactly the audited changes, in order, with the same ops, images and transaction ids, from
//! the partition Debezium's key hashes to. Then records that are not change events, written into
//! the same topic, come back raw with the reason.

mod common;
#[path = "stack_events/connector.rs"]
mod connector;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use connector::Scratch;
use serde_json::{Value, json};

const SCHEMA: &str = "
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL);
ALTER TABLE items REPLICA IDENTITY FULL;
CREATE TABLE audit (seq bigserial PRIMARY KEY, op text NOT NULL, id int NOT NULL, old jsonb,
                    new jsonb, txid bigint NOT NULL, lsn pg_lsn NOT NULL);
CREATE FUNCTION audit_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit (op, id, old, new, txid, lsn) VALUES (
    CASE TG_OP WHEN 'INSERT' THEN 'c' WHEN 'UPDATE' THEN 'u' ELSE 'd' END,
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END,
    txid_current(), pg_current_wal_insert_lsn());
  RETURN NULL;
END $$;
CREATE TRIGGER audit_items AFTER INSERT OR UPDATE OR DELETE ON items
  FOR EACH ROW EXECUTE FUNCTION audit_items();
";

/// Inserts, updates (alone and several keys in one transaction), deletes, a key inserted again
/// after its delete, and text that needs escaping.
const WORKLOAD: &[&str] = &[
    "INSERT INTO items SELECT i, 'item ' || i, i FROM generate_series(1, 12) i",
    "UPDATE items SET qty = qty + 1 WHERE id % 3 = 0",
    "BEGIN; UPDATE items SET name = 'two' WHERE id = 2; UPDATE items SET qty = 50 WHERE id = 5; COMMIT",
    "UPDATE items SET qty = qty * 2 WHERE id IN (3, 6, 9)",
    "DELETE FROM items WHERE id IN (4, 8)",
    "INSERT INTO items VALUES (4, 'four again', 40)",
    r#"UPDATE items SET name = 'a "quoted" ü\ name' WHERE id = 7"#,
    "UPDATE items SET qty = 0 WHERE id = 10",
];

/// One audited change.
#[derive(Debug)]
struct Audited {
    op: String,
    old: Option<Value>,
    new: Option<Value>,
    txid: i64,
    lsn: u64,
}

async fn audited(db: &tokio_postgres::Client) -> BTreeMap<i32, Vec<Audited>> {
    let rows = db
        .query(
            "SELECT id, op, old, new, txid, (lsn - '0/0'::pg_lsn)::bigint FROM audit ORDER BY seq",
            &[],
        )
        .await
        .expect("read the audit");
    let mut out: BTreeMap<i32, Vec<Audited>> = BTreeMap::new();
    for r in rows {
        out.entry(r.get(0)).or_default().push(Audited {
            op: r.get(1),
            old: r.get(2),
            new: r.get(3),
            txid: r.get(4),
            lsn: u64::try_from(r.get::<_, i64>(5)).expect("a positive LSN"),
        });
    }
    out
}

/// `events TOPIC --key '{"id":N}' -o json`, parsed.
fn events_of(topic: &str, id: i32) -> Value {
    try_events_of(topic, id).expect("the topic exists")
}

/// [`events_of`]; `None` while Debezium has not created the topic yet.
fn try_events_of(topic: &str, id: i32) -> Option<Value> {
    let key = json!({ "id": id }).to_string();
    let out = common::console(&["events", topic, "--key", &key, "-o", "json"], &[]);
    if String::from_utf8_lossy(&out.stderr).contains("does not exist") {
        return None;
    }
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "events --key {key}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("events -o json is JSON"))
}

fn changes(answer: &Value) -> Vec<Value> {
    let all = answer["events"].as_array().cloned().unwrap_or_default();
    all.into_iter().filter(|e| e["kind"] == "change").collect()
}

/// Waits until every key's audited changes have reached the topic.
fn wait_for_all(topic: &str, audit: &BTreeMap<i32, Vec<Audited>>) -> BTreeMap<i32, Value> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut got = BTreeMap::new();
    for (&id, want) in audit {
        loop {
            let answer = try_events_of(topic, id);
            if let Some(a) = answer.as_ref().filter(|a| changes(a).len() >= want.len()) {
                got.insert(id, a.clone());
                break;
            }
            assert!(Instant::now() < deadline, "key {id}: {answer:?} of {want:?}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread")]
async fn events_by_key_are_exactly_the_audited_changes_in_order() {
    common::require_stack();
    let t0 = Instant::now();
    let scratch = Scratch::new("t21ev", SCHEMA).await;
    scratch.start_connector("public.items", "3").await;
    eprintln!("[{:.1?}] connector streaming", t0.elapsed());
    for sql in WORKLOAD {
        scratch.db.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let audit = audited(&scratch.db).await;
    assert_eq!(audit.len(), 12, "every key audited");
    let topic = format!("{}.public.items", scratch.prefix);
    let got = wait_for_all(&topic, &audit);
    eprintln!("[{:.1?}] every change on the topic", t0.elapsed());

    let mut partitions = BTreeSet::new();
    for (id, want) in &audit {
        let answer = &got[id];
        let events = changes(answer);
        let ops: Vec<&str> = events.iter().map(|e| e["op"].as_str().unwrap_or("?")).collect();
        let want_ops: Vec<&str> = want.iter().map(|a| a.op.as_str()).collect();
        assert_eq!(ops, want_ops, "key {id}: ops in order");
        let mut last_lsn = 0;
        for (e, a) in events.iter().zip(want) {
            assert_eq!(e["key"], json!({ "id": id }), "key {id}");
            assert_eq!(e["after"], a.new.clone().unwrap_or(Value::Null), "key {id}: after");
            assert_eq!(e["before"], a.old.clone().unwrap_or(Value::Null), "key {id}: before");
            assert_eq!(e["tx_id"].as_i64(), Some(a.txid), "key {id}: txId");
            let lsn = e["lsn"].as_u64().expect("an LSN");
            assert!(
                lsn > last_lsn && lsn <= a.lsn,
                "key {id}: LSN {lsn} after {last_lsn}, by {}",
                a.lsn
            );
            last_lsn = lsn;
            assert_eq!(e["partition"], answer["key_partition"], "key {id}: Debezium's partition");
            partitions.insert(e["partition"].as_i64());
            let changed: Vec<&str> = e["diff"]
                .as_array()
                .expect("a diff")
                .iter()
                .filter(|d| d["mark"] == "changed")
                .filter_map(|d| d["column"].as_str())
                .collect();
            if a.op == "u" {
                let (old, new) = (a.old.as_ref().expect("old"), a.new.as_ref().expect("new"));
                let want: Vec<&str> =
                    ["id", "name", "qty"].into_iter().filter(|c| old[c] != new[c]).collect();
                assert_eq!(changed, want, "key {id}: changed columns");
            }
        }
        let tombstones = answer["events"]
            .as_array()
            .map_or(0, |a| a.iter().filter(|e| e["kind"] == "tombstone").count());
        assert_eq!(tombstones, want.iter().filter(|a| a.op == "d").count(), "key {id}");
    }
    assert!(partitions.len() >= 2, "keys spread over partitions: {partitions:?}");

    // The table output marks changed columns.
    let out = common::console(&["events", &topic, "--key", r#"{"id": 5}"#], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("* qty   5 → 50"), "{text}");
    // A key nobody wrote: exit 1, nothing.
    let out = common::console(&["events", &topic, "--key", r#"{"id":999}"#, "-o", "json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    // --op and --where narrow the history.
    let out =
        common::console(&["events", &topic, "--where", "qty=50", "--op", "u", "-o", "json"], &[]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let keys: Vec<&Value> =
        v["events"].as_array().expect("events").iter().map(|e| &e["key"]).collect();
    assert_eq!(keys, [&json!({"id": 5})], "{v:#}");

    follow_prints_a_new_change_of_the_key(&scratch, &topic).await;
    not_change_events_come_back_raw(&topic);
    eprintln!("[{:.1?}] done", t0.elapsed());
}

/// `events --key --follow -o json`: the key's history, one event a line, then a change made
/// now, and nothing of another key.
async fn follow_prints_a_new_change_of_the_key(scratch: &Scratch, topic: &str) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cdc-console"))
        .args(["events", topic, "--key", r#"{"id":11}"#, "--follow", "-o", "json"])
        .env_remove("CDC_CONSOLE_CONFIG")
        .env("CDC_CONSOLE_LOG_DIR", std::env::temp_dir().join("cdc-console-test-logs"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run events --follow");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(serde_json::from_str(&line).unwrap_or(Value::Null)).is_err() {
                break;
            }
        }
    });
    let next = || rx.recv_timeout(Duration::from_secs(30));
    let first = next().expect("the key's insert");
    assert_eq!((first["op"].as_str(), first["key"].clone()), (Some("c"), json!({"id": 11})));
    // The history is printed: what comes next arrives live.
    tokio::time::sleep(Duration::from_secs(1)).await;
    scratch
        .db
        .batch_execute("UPDATE items SET qty = 99 WHERE id IN (11, 12)")
        .await
        .expect("update");
    let live = next();
    let _ = child.kill();
    let _ = child.wait();
    let live = live.expect("the update, live");
    assert_eq!(live["op"], "u", "{live:#}");
    assert_eq!(live["after"]["qty"], 99, "{live:#}");
    assert_eq!(live["key"], json!({"id": 11}), "only the key's events: {live:#}");
}

/// Garbage, JSON that is not a change event, and binary with no key: each shown raw with why.
fn not_change_events_come_back_raw(topic: &str) {
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let producer: BaseProducer = common::kafka::plain_config().create().expect("producer");
    let key = r#"{"id":1}"#;
    let sent: [(Option<&str>, &[u8]); 3] =
        [(Some(key), b"not json {"), (Some(key), br#"{"hello":"world"}"#), (None, &[0xff, 0x01])];
    for (k, payload) in sent {
        let mut r = BaseRecord::<str, [u8]>::to(topic).payload(payload).partition(0);
        if let Some(k) = k {
            r = r.key(k);
        }
        producer.send(r).map_err(|(e, _)| e).expect("send");
    }
    producer.flush(Duration::from_secs(10)).expect("flush");

    let answer = events_of(topic, 1);
    let raw: Vec<&Value> = answer["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "raw")
        .collect();
    assert_eq!(raw.len(), 2, "{answer:#}");
    assert_eq!(raw[0]["text"], "not json {");
    assert!(raw[0]["reason"].as_str().is_some_and(|r| r.starts_with("not JSON")), "{raw:?}");
    assert_eq!(raw[1]["text"], r#"{"hello":"world"}"#);
    assert!(
        raw[1]["reason"].as_str().is_some_and(|r| r.starts_with("not a Debezium change event")),
        "{raw:?}"
    );
    let out = common::console(&["events", topic, "--last", "3"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("raw (not JSON"), "{text}");
    assert!(text.contains("0xff01"), "{text}");
}

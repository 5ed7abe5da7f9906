//! Redriving a replica's dead letters through the real binary: refused in `--read-only`, without
//! confirmation, for a job and while a replicator holds the replica; refused again while the
//! cause stands; once the config is fixed, a letter is applied once with the right values, and
//! letters whose rows later changes updated or deleted are superseded (the later state stays);
//! redriving again applies nothing. And a thousand letters among a hundred thousand records,
//! timed.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use cdc_console::config::{Config, ReplicaConfig};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use serde_json::Value;
use tokio_postgres::Client;

fn row(id: i64, name: &str, amount: &str, status: &str) -> String {
    format!(
        r#"{{"order_id":{id},"user_id":7,"customer_name":"{name}","amount":"{amount}","status":"{status}","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"}}"#
    )
}

fn event(op: &str, before: &str, after: &str, lsn: u64) -> String {
    format!(
        r#"{{"before":{before},"after":{after},"source":{{"ts_ms":1,"lsn":{lsn},"txId":1,"schema":"public","table":"orders","snapshot":"false"}},"op":"{op}","ts_ms":2}}"#
    )
}

/// A customer name PostgreSQL cannot store: the full replica refuses the event, a replica that
/// drops the column takes it.
const POISON_NAME: &str = "bad\\u0000name";

/// Sends (key, value) records to partition 0, in order; `None` is a tombstone.
fn produce(topic: &str, records: &[(i64, Option<String>)]) {
    let producer: BaseProducer =
        common::kafka::plain_config().set("linger.ms", "5").create().expect("producer");
    for (id, value) in records {
        let key = format!(r#"{{"order_id":{id}}}"#);
        loop {
            let mut r = BaseRecord::to(topic).partition(0).key(&key);
            if let Some(v) = value {
                r = r.payload(v);
            }
            match producer.send(r) {
                Ok(()) => break,
                Err((e, _)) => {
                    assert_eq!(
                        e.rdkafka_error_code(),
                        Some(rdkafka::types::RDKafkaErrorCode::QueueFull),
                        "{e}"
                    );
                    producer.poll(Duration::from_millis(20));
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(common::kafka::TIMEOUT).expect("flush");
}

/// The scenario's names, config files and clients.
struct Scene {
    replica: String,
    table: String,
    consumer: String,
    dir: tempfile::TempDir,
    source: Client,
    sink: Client,
}

impl Scene {
    async fn new(what: &str) -> Self {
        let pid = std::process::id();
        let (replica, table) = (format!("{what}_{pid}"), format!("public.{what}_src_{pid}"));
        let (source, sink) = (common::source_client().await, common::sink_client().await);
        source
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (LIKE public.orders INCLUDING ALL)"
            ))
            .await
            .expect("source table");
        common::replicator::reset(&sink, &[&replica]).await;
        let consumer = format!("replica:{replica}");
        forget_letters(&sink, &consumer).await;
        let dir = tempfile::tempdir().expect("tempdir");
        Self { replica, table, consumer, dir, source, sink }
    }

    fn replica(&self, topic: &str, fixed: bool) -> ReplicaConfig {
        ReplicaConfig {
            drop: if fixed { vec!["customer_name".into()] } else { Vec::new() },
            ..ReplicaConfig::full(
                &self.replica,
                &self.table,
                &format!("cdc.{}", self.replica),
                topic,
            )
        }
    }

    /// A config file with the replica, its cause fixed (the column dropped) or not.
    fn config_file(&self, topic: &str, fixed: bool) -> std::path::PathBuf {
        let path = self.dir.path().join(if fixed { "fixed.toml" } else { "broken.toml" });
        let r = self.replica(topic, fixed);
        let drop = if fixed { "drop = [\"customer_name\"]\n" } else { "" };
        let toml = format!(
            "[[replicas]]\nname = \"{}\"\nsource = \"{}\"\nsink = \"{}\"\ntopic = \"{}\"\n{drop}",
            r.name, r.source, r.sink, r.topic
        );
        std::fs::write(&path, toml).expect("config file");
        path
    }

    /// order_id → the row as text with its source LSN.
    async fn rows(&self) -> BTreeMap<i64, String> {
        let sql = format!(
            "SELECT order_id, concat_ws('|', user_id, coalesce(customer_name, '-'), amount, status, _source_lsn) FROM cdc.{}",
            self.replica
        );
        self.sink.query(&sql, &[]).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect()
    }

    /// (id, offset, outstanding, reason, outcome) of the replica's letters, in offset order.
    async fn letters(&self) -> Vec<(i64, i64, bool, String, Option<String>)> {
        self.sink
            .query(
                "SELECT id, \"offset\", redriven_at IS NULL, reason, redrive_outcome FROM cdc.dead_letters \
                 WHERE consumer = $1 ORDER BY \"offset\"",
                &[&self.consumer],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect()
    }

    async fn cleanup(&self) {
        forget_letters(&self.sink, &self.consumer).await;
        common::replicator::reset(&self.sink, &[&self.replica]).await;
        self.source.batch_execute(&format!("DROP TABLE IF EXISTS {}", self.table)).await.unwrap();
    }
}

async fn forget_letters(sink: &Client, consumer: &str) {
    let exists: bool = sink
        .query_one("SELECT to_regclass('cdc.dead_letters') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    if exists {
        sink.execute("DELETE FROM cdc.dead_letters WHERE consumer = $1", &[&consumer])
            .await
            .unwrap();
    }
}

/// Runs `cdc-console --config FILE ARGS…`: (exit code, stdout, stderr).
fn console(config: &Path, args: &[&str]) -> (i32, String, String) {
    let config = config.to_str().expect("utf-8 path");
    let out = common::console(&[&["--config", config], args].concat(), &[]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn outcomes(report: &str) -> Vec<(i64, String, Value)> {
    let v: Value = serde_json::from_str(report).unwrap_or_else(|e| panic!("{e}: {report}"));
    v["letters"]
        .as_array()
        .expect("letters")
        .iter()
        .map(|l| {
            (l["offset"].as_i64().unwrap(), l["outcome"].as_str().unwrap().to_string(), l.clone())
        })
        .collect()
}

async fn applied_events(sink: &Client, replica: &str) -> i64 {
    common::replicator::applied_counter(sink, replica).await
}

#[test]
fn a_fixed_letter_is_applied_once_and_superseded_ones_change_nothing() {
    common::require_stack();
    let scratch =
        common::kafka::ScratchTopic::create(&format!("redrive-once-{}", std::process::id()), 1);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(once(&scratch.name));
    drop(rt);
    drop(scratch);
}

#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn once(topic: &str) {
    let s = Scene::new("redrive").await;
    let ok = |id| row(id, "ok", "1.00", "paid");
    // Offsets: 0 letter A (row 1); 2 letter B (row 3), updated at 3 and deleted at 4; 6 letter
    // C (row 4), updated at 7.
    produce(
        topic,
        &[
            (1, Some(event("c", "null", &row(1, POISON_NAME, "10.00", "pending"), 100))),
            (2, Some(event("c", "null", &ok(2), 110))),
            (3, Some(event("c", "null", &row(3, POISON_NAME, "30.00", "pending"), 120))),
            (3, Some(event("u", "null", &row(3, "ok", "31.00", "paid"), 130))),
            (3, Some(event("d", &row(3, "ok", "31.00", "paid"), "null", 140))),
            (3, None),
            (4, Some(event("c", "null", &row(4, POISON_NAME, "40.00", "pending"), 150))),
            (4, Some(event("u", "null", &row(4, "ok", "41.00", "shipped"), 160))),
        ],
    );
    let broken = Config { replicas: vec![s.replica(topic, false)], ..common::config() };
    let snap = common::replicator::until_idle(&broken).await;
    assert_eq!(snap.dead_letters, 3, "{snap:?}");
    let letters = s.letters().await;
    let offsets: Vec<i64> = letters.iter().map(|l| l.1).collect();
    assert_eq!(offsets, [0, 2, 6]);
    let (a, b, c) = (letters[0].0, letters[1].0, letters[2].0);
    let before = s.rows().await;
    assert_eq!(before.keys().copied().collect::<Vec<_>>(), [2, 4]);
    assert_eq!(before[&4], "7|ok|41.00|shipped|160");
    let counted = applied_events(&s.sink, &s.replica).await;

    let (broken_file, fixed_file) = (s.config_file(topic, false), s.config_file(topic, true));
    let a_text = a.to_string();
    // Refused in --read-only, without confirmation, for a job's letters.
    let (code, _, err) = console(
        &fixed_file,
        &["--read-only", "dead-letters", "redrive", "--consumer", &s.consumer, "--all", "--yes"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("refused in --read-only mode"), "{err}");
    let (code, _, err) =
        console(&fixed_file, &["dead-letters", "redrive", "--consumer", &s.consumer, "--all"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("without confirmation"), "{err}");
    let job = "job:orders_by_status";
    let (code, _, err) =
        console(&fixed_file, &["dead-letters", "redrive", "--consumer", job, "--all", "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be redriven exactly once") && err.contains("--reset"), "{err}");
    // While a replicator holds the replica, the redrive is refused.
    let holder = common::sink_client().await;
    holder
        .execute(
            "SELECT pg_advisory_lock(hashtext('cdc-console replica'), hashtext($1))",
            &[&s.replica],
        )
        .await
        .expect("hold the replica");
    let (code, _, err) = console(
        &fixed_file,
        &["dead-letters", "redrive", "--consumer", &s.consumer, "--all", "--yes"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("being applied by another replicator"), "{err}");
    drop(holder);
    assert!(s.letters().await.iter().all(|l| l.2), "nothing redriven yet");

    // The cause still stands: refused again, still a letter, with the reason.
    let redrive = ["dead-letters", "redrive", "--consumer", &s.consumer, "--yes", "-o", "json"];
    let (code, out, err) = console(&broken_file, &[&redrive[..], &["--id", &a_text]].concat());
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(outcomes(&out)[0].1, "refused", "{out}");
    let still = s.letters().await;
    assert!(still[0].2 && still[0].3.contains("NUL"), "{still:?}");
    assert_eq!(s.rows().await, before);

    // Fixed: A applied once; B (its row deleted later) and C (updated later) superseded.
    let started = Instant::now();
    let (code, out, err) = console(&fixed_file, &[&redrive[..], &["--all"]].concat());
    println!(
        "redrive of 3 letters: {:.2} s with the process\n{err}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let got: Vec<(i64, String)> = outcomes(&out).into_iter().map(|(o, k, _)| (o, k)).collect();
    let want = [(0, "applied"), (2, "superseded"), (6, "superseded")];
    assert_eq!(got, want.map(|(o, k)| (o, k.to_string())), "{out}");
    let by: Vec<Option<i64>> = outcomes(&out).iter().map(|l| l.2["by_offset"].as_i64()).collect();
    assert_eq!(by, [None, Some(3), Some(7)]);
    let after = s.rows().await;
    let mut want = before.clone();
    want.insert(1, "7|-|10.00|pending|100".into());
    assert_eq!(after, want, "row 1 applied; row 3 stays deleted, row 4 keeps its update");
    assert_eq!(applied_events(&s.sink, &s.replica).await, counted + 1);
    let marked: Vec<(bool, Option<String>)> =
        s.letters().await.into_iter().map(|l| (l.2, l.4)).collect();
    assert_eq!(
        marked,
        [
            (false, Some("applied".into())),
            (false, Some("superseded by offset 3".into())),
            (false, Some("superseded by offset 7".into())),
        ]
    );

    // Again: nothing left to redrive; a letter asked for by id was redriven, nothing applied.
    let (code, out, err) = console(&fixed_file, &[&redrive[..], &["--all"]].concat());
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("no outstanding dead letters"), "{err}");
    let ids = [a.to_string(), b.to_string(), c.to_string()];
    let (code, out, err) =
        console(&fixed_file, &[&redrive[..], &["--id", &ids[0], &ids[1], &ids[2]]].concat());
    assert_eq!(code, 0, "{out}\n{err}");
    let kinds: Vec<String> = outcomes(&out).into_iter().map(|l| l.1).collect();
    assert_eq!(kinds, ["already_redriven"; 3]);
    assert_eq!(outcomes(&out)[0].2["was"], "applied");
    assert_eq!(s.rows().await, after, "nothing applied twice");
    assert_eq!(applied_events(&s.sink, &s.replica).await, counted + 1);
    // The replicator, run again with the fix, neither reapplies nor reopens anything.
    let fixed = Config { replicas: vec![s.replica(topic, true)], ..common::config() };
    let snap = common::replicator::until_idle(&fixed).await;
    assert_eq!((snap.events, snap.dead_letters), (0, 0), "{snap:?}");
    assert_eq!(s.rows().await, after);
    let (code, out, _) =
        console(&fixed_file, &["dead-letters", "list", "--consumer", &s.consumer, "-o", "json"]);
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&out).expect("json");
    assert_eq!((listed[0]["count"].as_u64(), listed[0]["redriven"].as_u64()), (Some(0), Some(3)));
    s.cleanup().await;
}

const RECORDS: i64 = 100_000;
/// One poison event every `POISON_EVERY` records.
const POISON_EVERY: i64 = 100;

#[test]
fn a_thousand_letters_among_a_hundred_thousand_records_are_redriven_in_one_go() {
    common::require_stack();
    let scratch =
        common::kafka::ScratchTopic::create(&format!("redrive-many-{}", std::process::id()), 1);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(many(&scratch.name));
    drop(rt);
    drop(scratch);
}

async fn many(topic: &str) {
    let s = Scene::new("redrive_many").await;
    let records: Vec<(i64, Option<String>)> = (0..RECORDS)
        .map(|id| {
            let name = if id % POISON_EVERY == 0 { POISON_NAME } else { "ok" };
            let lsn = 1_000 + id.unsigned_abs();
            (id, Some(event("c", "null", &row(id, name, "1.00", "paid"), lsn)))
        })
        .collect();
    produce(topic, &records);
    let broken = Config { replicas: vec![s.replica(topic, false)], ..common::config() };
    let snap = common::replicator::until_idle(&broken).await;
    let letters = (RECORDS / POISON_EVERY).unsigned_abs();
    assert_eq!(snap.dead_letters, letters, "{snap:?}");
    assert_eq!(s.rows().await.len() as u64, RECORDS.unsigned_abs() - letters);

    let fixed = s.config_file(topic, true);
    let started = Instant::now();
    let (code, out, err) = console(
        &fixed,
        &["dead-letters", "redrive", "--consumer", &s.consumer, "--all", "--yes", "-o", "json"],
    );
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json");
    let applied = outcomes(&out).iter().filter(|l| l.1 == "applied").count() as u64;
    assert_eq!(applied, letters, "{err}");
    assert_eq!(report["rows_upserted"].as_u64(), Some(letters));
    let rows = s.rows().await;
    assert_eq!(rows.len() as u64, RECORDS.unsigned_abs());
    assert_eq!(rows[&500], "7|-|1.00|paid|1500");
    let (seconds, scanned) =
        (report["seconds"].as_f64().unwrap(), report["records_scanned"].as_u64().unwrap());
    let scan = report["scan_seconds"].as_f64().unwrap();
    assert_eq!(scanned, (RECORDS - 1).unsigned_abs(), "from the first letter to the stored offset");
    println!(
        "redrive of {letters} letters: {:.0} letters/s ({seconds:.2} s in the redrive, {wall:.2} s with the process); \
         {scanned} records read for later changes in {scan:.2} s ({:.0}/s), the rest {:.0} letters/s\n{err}",
        letters as f64 / seconds,
        scanned as f64 / scan,
        letters as f64 / (seconds - scan)
    );
    s.cleanup().await;
}

/// The table as it was before redrives: the collectors read it as it is until something
/// migrates it.
const BEFORE_REDRIVES: &str = "CREATE SCHEMA cdc; CREATE TABLE cdc.dead_letters (
    consumer text NOT NULL DEFAULT '', topic text NOT NULL, partition int NOT NULL,
    \"offset\" bigint NOT NULL, reason text NOT NULL, key bytea, payload bytea,
    recorded_at timestamptz NOT NULL DEFAULT now(), id bigint GENERATED BY DEFAULT AS IDENTITY,
    PRIMARY KEY (consumer, topic, partition, \"offset\"));
    INSERT INTO cdc.dead_letters (consumer, topic, partition, \"offset\", reason)
    VALUES ('replica:r', 't', 0, 1, 'bad'), ('replica:r', 't', 0, 2, 'bad')";

#[tokio::test(flavor = "multi_thread")]
async fn a_table_from_before_redrives_reads_as_every_letter_outstanding() {
    use cdc_console::pipeline::deadletter;
    common::require_databases();
    let (db, c, admin) = common::scratch_database("dlq_before_redrive").await;
    c.batch_execute(BEFORE_REDRIVES).await.unwrap();
    for migrated in [false, true] {
        let summary = deadletter::summary(&c, None).await.expect("summary");
        assert_eq!((summary[0].count, summary[0].redriven), (2, 0), "migrated: {migrated}");
        let newest = deadletter::newest(&c, Some("replica:r"), 10).await.expect("newest");
        assert_eq!(newest.len(), 2);
        assert!(newest.iter().all(|l| l.redriven_ms.is_none()));
        let found = deadletter::find(&c, &deadletter::Pick::Id(newest[0].id)).await.expect("find");
        assert_eq!(found, newest[..1]);
        cdc_console::pipeline::create_if_missing(&c, deadletter::DDL).await.expect("migrate");
    }
    drop(c);
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await.unwrap();
}

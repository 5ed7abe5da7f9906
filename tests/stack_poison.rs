//! Poison events reach both consumers of a topic: a replica and a processor job each record
//! every one in dead letters of their own (`replica:<name>`, `job:<name>`), with reasons, apply
//! none of them, and apply the valid events interleaved with them.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use cdc_console::config::{Config, ReplicaConfig, job::JobConfig};
use cdc_console::pipeline::deadletter;
use cdc_console::pipeline::processor::{self, Options, ProcessorSnapshot};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const POISON: usize = 10_000;
/// A valid event after every `VALID_EVERY` poison ones.
const VALID_EVERY: usize = 10;
const PARTITIONS: i32 = 3;

fn row(id: usize, status: &str, amount: &str) -> String {
    format!(
        r#"{{"order_id":{id},"user_id":7,"customer_name":"c","amount":{amount},"status":"{status}","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:0{}Z"}}"#,
        id % 10
    )
}

fn event(op: &str, after: &str, lsn: usize) -> String {
    format!(
        r#"{{"before":null,"after":{after},"source":{{"ts_ms":1,"lsn":{lsn},"txId":1,"schema":"public","table":"orders","snapshot":"false"}},"op":"{op}","ts_ms":2}}"#
    )
}

/// Poison kinds both consumers refuse (a `null` value or an empty one is a tombstone to the
/// processor, so neither is here).
fn poison(kind: usize, i: usize) -> Vec<u8> {
    let lsn = 1_000_000 + i;
    let valid = event("c", &row(i, "pending", "\"1.50\""), lsn);
    match kind {
        0 => format!("{{not json {i}").into_bytes(),
        1 => {
            // Invalid UTF-8 inside a string of an otherwise valid event.
            let mut b = event("c", &row(i, "@@", "\"1.50\""), lsn).into_bytes();
            let at = b.windows(2).position(|w| w == b"@@").expect("marker");
            b[at] = 0xff;
            b[at + 1] = 0xfe;
            b
        }
        2 => event("x", &row(i, "pending", "\"1.50\""), lsn).into_bytes(),
        // A row image of the wrong type. (Where the two disagree: `source.ts_ms` a string is
        // refused by the replica but not read by a job whose event time is a column; `amount`
        // an object is refused by the job but fails the replica's merge, whole batch, instead.)
        3 => event("c", r#""a row""#, lsn).into_bytes(),
        4 => event("c", "null", lsn).into_bytes(),
        5 => format!("{}{}", "[".repeat(1000), "]".repeat(1000)).into_bytes(),
        6 => b"[]".to_vec(),
        7 => format!("\"poison {i}\"").into_bytes(),
        8 => valid.replace(r#","op":"c""#, "").into_bytes(),
        9 => valid.as_bytes()[..valid.len() / 2].to_vec(),
        10 => format!("{valid}}}").into_bytes(),
        11 => event("c", "[1,2,3]", lsn).into_bytes(),
        _ => valid.replace(r#""op":"c""#, r#""op":1"#).into_bytes(),
    }
}
const KINDS: usize = 13;

/// Sends the records, in order per partition; returns the (partition, offset) of the poison ones
/// and the order ids of the valid ones.
fn produce(topic: &str) -> (BTreeSet<(i32, i64)>, BTreeSet<i64>) {
    let producer: BaseProducer = common::kafka::plain_config()
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    let mut next = [0i64; PARTITIONS as usize];
    let (mut poisoned, mut valid) = (BTreeSet::new(), BTreeSet::new());
    let mut send = |n: usize, payload: &[u8], key: &str| {
        let partition = (n % PARTITIONS as usize) as i32;
        loop {
            let r = BaseRecord::to(topic).partition(partition).key(key).payload(payload);
            match producer.send(r) {
                Ok(()) => break,
                Err((e, _)) => {
                    assert!(
                        e.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::QueueFull),
                        "{e}"
                    );
                    producer.poll(Duration::from_millis(50));
                }
            }
        }
        producer.poll(Duration::ZERO);
        let offset = next[partition as usize];
        next[partition as usize] += 1;
        (partition, offset)
    };
    let mut n = 0;
    for i in 0..POISON {
        poisoned.insert(send(n, &poison(i % KINDS, i), &format!("p{i}")));
        n += 1;
        if i % VALID_EVERY == 0 {
            let id = 1_000_000 + i;
            let e = event("c", &row(id, "paid", "\"2.25\""), id);
            send(n, e.as_bytes(), &id.to_string());
            valid.insert(id as i64);
            n += 1;
        }
    }
    producer.flush(common::kafka::TIMEOUT).expect("flush");
    (poisoned, valid)
}

async fn letters(
    sink: &tokio_postgres::Client,
    consumer: &str,
    topic: &str,
) -> BTreeSet<(i32, i64)> {
    let rows = sink
        .query(
            "SELECT partition, \"offset\", reason FROM cdc.dead_letters WHERE consumer = $1 AND topic = $2",
            &[&consumer, &topic],
        )
        .await
        .expect("letters");
    for r in &rows {
        let reason: &str = r.get(2);
        assert!(!reason.is_empty(), "a letter without its reason");
    }
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

async fn print_reasons(sink: &tokio_postgres::Client, consumer: &str) {
    for c in deadletter::summary(sink, Some(consumer)).await.expect("summary") {
        println!("{}: {} letters", c.consumer, c.count);
        for r in c.reasons {
            println!("  {:>6}  {}", r.count, r.reason);
        }
    }
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
fn both_consumers_record_every_poison_event_in_their_own_dead_letters() {
    common::require_stack();
    let pid = std::process::id();
    let mut scratch =
        common::kafka::ScratchTopic::create(&format!("poison-both-{pid}"), PARTITIONS);
    let topic = scratch.name.clone();
    let (replica_name, job_name) = (format!("poison_copy_{pid}"), format!("poison_job_{pid}"));
    let table = format!("public.poison_src_{pid}");
    scratch.owns_group(&format!("cdc-console-processor-{job_name}"));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let source = rt.block_on(common::source_client());
    let sink = rt.block_on(common::sink_client());
    rt.block_on(source.batch_execute(&format!(
        "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (LIKE public.orders INCLUDING ALL); \
         ALTER TABLE {table} REPLICA IDENTITY FULL"
    )))
    .expect("source table");
    rt.block_on(common::replicator::reset(&sink, &[&replica_name]));
    let job = JobConfig {
        name: job_name.clone(),
        topics: vec![topic.clone()],
        source_tables: vec![table.clone()],
        output: cdc_console::config::job::OutputConfig {
            table: format!("cdc.{job_name}"),
            topic: None,
        },
        ..JobConfig::orders_by_status()
    };
    rt.block_on(processor::sink::reset(&sink, &job)).expect("reset job");

    let (poisoned, valid) = produce(&topic);
    assert_eq!(poisoned.len(), POISON);

    // The replica.
    let config = Config {
        replicas: vec![ReplicaConfig::full(
            &replica_name,
            &table,
            &format!("cdc.{replica_name}"),
            &topic,
        )],
        ..common::config()
    };
    let started = Instant::now();
    let snap = rt.block_on(common::replicator::until_idle(&config));
    let replica_secs = started.elapsed().as_secs_f64();
    let consumer = deadletter::replica(&replica_name);
    let recorded = rt.block_on(letters(&sink, &consumer, &topic));
    rt.block_on(print_reasons(&sink, &consumer));
    assert_eq!(recorded.len(), POISON);
    assert_eq!(recorded, poisoned, "the replica's letters are the poison events");
    assert_eq!(snap.dead_letters, POISON as u64, "{snap:?}");
    let ids: BTreeSet<i64> = rt
        .block_on(sink.query(&format!("SELECT order_id FROM cdc.{replica_name}"), &[]))
        .expect("replica rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, valid, "the replica holds the valid events and nothing else");

    // The processor job.
    let (_pause, paused) = tokio::sync::watch::channel(false);
    let (tx, _rx) = tokio::sync::watch::channel(ProcessorSnapshot::default());
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(180)),
        ..Default::default()
    };
    let started = Instant::now();
    let psnap = rt
        .block_on(processor::run(&config, &job, &opts, paused, std::future::pending(), tx))
        .expect("processor");
    let job_secs = started.elapsed().as_secs_f64();
    let consumer = deadletter::job(&job_name);
    let recorded = rt.block_on(letters(&sink, &consumer, &topic));
    rt.block_on(print_reasons(&sink, &consumer));
    assert_eq!(recorded.len(), POISON);
    assert_eq!(recorded, poisoned, "the job's letters are the poison events");
    assert_eq!(psnap.dead_letters, POISON as u64, "{psnap:?}");
    assert_eq!(psnap.events, valid.len() as u64, "the job applies the valid events only");

    // Running again records nothing twice.
    let again = rt.block_on(common::replicator::until_idle(&config));
    assert_eq!(again.dead_letters, POISON as u64);
    let total: i64 = rt
        .block_on(
            sink.query_one("SELECT count(*) FROM cdc.dead_letters WHERE topic = $1", &[&topic]),
        )
        .expect("count")
        .get(0);
    assert_eq!(total, 2 * POISON as i64);

    println!(
        "dead letters recorded per second: replica {:.0} ({POISON} in {replica_secs:.2} s), job {:.0} ({POISON} in {job_secs:.2} s)",
        POISON as f64 / replica_secs,
        POISON as f64 / job_secs
    );

    rt.block_on(async {
        sink.execute("DELETE FROM cdc.dead_letters WHERE topic = $1", &[&topic])
            .await
            .expect("purge");
        processor::sink::reset(&sink, &job).await.expect("reset job");
        sink.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{job_name}")).await.expect("drop");
        common::replicator::reset(&sink, &[&replica_name]).await;
        source.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await.expect("drop");
    });
    drop(scratch);
}

/// A value of the wrong type in a column the replica stages as text and casts in the merge
/// (`amount` numeric, here an object) fails the server's cast, not staging: the batch is merged
/// again around it, the event becomes the replica's dead letter with the server's reason, and
/// the valid events around it are applied in their order.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario: a batch with poison rows, then every row and letter checked"
)]
fn a_wrong_typed_value_is_a_dead_letter_of_the_replica() {
    common::require_stack();
    let pid = std::process::id();
    let scratch = common::kafka::ScratchTopic::create(&format!("poison-type-{pid}"), 1);
    let (replica_name, table) = (format!("poison_type_{pid}"), format!("public.poison_type_{pid}"));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let source = rt.block_on(common::source_client());
    let sink = rt.block_on(common::sink_client());
    rt.block_on(source.batch_execute(&format!(
        "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (LIKE public.orders INCLUDING ALL)"
    )))
    .expect("source table");
    rt.block_on(common::replicator::reset(&sink, &[&replica_name]));
    let producer: BaseProducer = common::kafka::plain_config().create().expect("producer");
    // One batch: 300 events, every 29th a value the merge refuses (an object, a text that is
    // no number, a number beyond numeric(12,2)); the good ones update 40 keys over and over.
    let bad_values = [r#"{"wrong":"type"}"#, r#""abc""#, "\"12345678901234567890.5\""];
    let (mut bad_offsets, mut last_good) = (Vec::new(), std::collections::BTreeMap::new());
    for i in 0..300_usize {
        let payload = if i % 29 == 3 {
            bad_offsets.push(i as i64);
            event("c", &row(1000 + i, "pending", bad_values[bad_offsets.len() % 3]), 100 + i)
        } else {
            let key = 1 + i % 40;
            last_good.insert(key as i64, format!("{i}.00"));
            event("u", &row(key, "pending", &format!("\"{i}.00\"")), 100 + i)
        };
        let r = BaseRecord::to(&scratch.name).partition(0).key("k").payload(payload.as_str());
        producer.send(r).map_err(|(e, _)| e).expect("send");
        producer.poll(Duration::ZERO);
    }
    producer.flush(common::kafka::TIMEOUT).expect("flush");
    let config = Config {
        replicas: vec![ReplicaConfig::full(
            &replica_name,
            &table,
            &format!("cdc.{replica_name}"),
            &scratch.name,
        )],
        ..common::config()
    };
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let opts = cdc_console::pipeline::replicator::Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let result = rt.block_on(cdc_console::pipeline::replicator::run(
        &config,
        &opts,
        std::future::pending(),
        tx,
    ));
    let consumer = deadletter::replica(&replica_name);
    let (rows, reasons) = rt.block_on(async {
        let rows: std::collections::BTreeMap<i64, String> = sink
            .query(&format!("SELECT order_id::bigint, amount::text FROM cdc.{replica_name}"), &[])
            .await
            .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
            .unwrap_or_default();
        let reasons: Vec<(i64, String)> = sink
            .query(
                "SELECT \"offset\", reason FROM cdc.dead_letters WHERE consumer = $1",
                &[&consumer],
            )
            .await
            .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
            .unwrap_or_default();
        sink.execute("DELETE FROM cdc.dead_letters WHERE consumer = $1", &[&consumer]).await.ok();
        common::replicator::reset(&sink, &[&replica_name]).await;
        source.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await.expect("drop");
        (rows, reasons)
    });
    let snap = result.expect("the replicator goes on past a wrong-typed value");
    let bad = bad_offsets.len() as u64;
    assert_eq!((snap.dead_letters, snap.events), (bad, 300 - bad), "{snap:?}");
    assert_eq!(rows, last_good, "every key at its last good value, no poison row");
    let mut offsets: Vec<i64> = reasons.iter().map(|(o, _)| *o).collect();
    offsets.sort_unstable();
    assert_eq!(offsets, bad_offsets, "a letter for each refused event: {reasons:?}");
    assert!(
        reasons.iter().all(|(_, r)| r.contains("numeric")),
        "each with the server's reason: {reasons:?}"
    );
}

/// The table as it was before consumers were named.
const OLD_DDL: &str = "CREATE SCHEMA IF NOT EXISTS cdc; CREATE TABLE cdc.dead_letters (
    topic       text        NOT NULL,
    partition   int         NOT NULL,
    \"offset\"    bigint      NOT NULL,
    reason      text        NOT NULL,
    payload     bytea,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, \"offset\")
)";

#[tokio::test(flavor = "multi_thread")]
async fn an_old_dead_letters_table_is_migrated_in_place_with_its_rows() {
    common::require_databases();
    let (db, c, admin) = common::scratch_database("dlq_migrate").await;
    c.batch_execute(OLD_DDL).await.unwrap();
    c.batch_execute(
        "INSERT INTO cdc.dead_letters (topic, partition, \"offset\", reason, payload) \
         VALUES ('t', 0, 1, 'old one', '\\x7b'), ('t', 0, 2, 'old two', NULL)",
    )
    .await
    .unwrap();
    // Every start runs it: twice must do no harm.
    for _ in 0..2 {
        cdc_console::pipeline::create_if_missing(&c, deadletter::DDL).await.expect("migrate");
    }
    let rows: Vec<(String, i64, String, bool)> = c
        .query(
            "SELECT consumer, \"offset\", reason, id IS NOT NULL FROM cdc.dead_letters ORDER BY 2",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        rows,
        [(String::new(), 1, "old one".into(), true), (String::new(), 2, "old two".into(), true)]
    );
    let key: String = c
        .query_one(
            "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_constraint c, \
             unnest(c.conkey) WITH ORDINALITY k(attnum, n) \
             JOIN pg_attribute a ON a.attnum = k.attnum AND a.attrelid = 'cdc.dead_letters'::regclass \
             WHERE c.conrelid = 'cdc.dead_letters'::regclass AND c.contype = 'p'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(key, "consumer,topic,partition,offset");
    // The same event refused by two consumers: a letter each; replayed: none more.
    let letter = |consumer: String| deadletter::DeadLetter {
        consumer,
        topic: "t".into(),
        partition: 0,
        offset: 1,
        reason: "bad".into(),
        key: Some(b"k".to_vec()),
        payload: None,
    };
    let both = [letter(deadletter::replica("r")), letter(deadletter::job("j"))];
    assert_eq!(deadletter::record(&c, &both).await.unwrap(), 2);
    assert_eq!(deadletter::record(&c, &both).await.unwrap(), 0);
    assert_eq!(deadletter::count(&c, &[deadletter::replica("r")]).await.unwrap(), 1);
    let summary = deadletter::summary(&c, None).await.unwrap();
    let counts: Vec<(&str, u64)> = summary.iter().map(|s| (s.consumer.as_str(), s.count)).collect();
    assert_eq!(counts, [("", 2), ("job:j", 1), ("replica:r", 1)]);
    let found = deadletter::find(
        &c,
        &deadletter::Pick::At { consumer: "job:j", offset: 1, topic: None, partition: None },
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(deadletter::find(&c, &deadletter::Pick::Id(found[0].id)).await.unwrap(), found);
    // Redriven, it is no longer outstanding; refused again by a replay, it is once more.
    let marks = [(found[0].id, "applied".to_string())];
    assert_eq!(deadletter::redrive::mark(&c, &marks).await.unwrap(), 1);
    assert_eq!(deadletter::redrive::mark(&c, &marks).await.unwrap(), 0, "marked once");
    assert_eq!(deadletter::count(&c, &[deadletter::job("j")]).await.unwrap(), 0);
    let again = deadletter::find(&c, &deadletter::Pick::Id(found[0].id)).await.unwrap();
    assert_eq!(again[0].redrive_outcome.as_deref(), Some("applied"));
    assert_eq!(deadletter::record(&c, &both).await.unwrap(), 1, "the redriven one reopened");
    assert_eq!(deadletter::count(&c, &[deadletter::job("j")]).await.unwrap(), 1);
    assert_eq!(deadletter::purge(&c, "job:j").await.unwrap(), 1);
    drop(c);
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await.unwrap();
}

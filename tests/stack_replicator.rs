//! The replicator against the local stack: dead letters, an exact replica, exactly-once across
//! aborted tasks and killed processes (an applied-event counter against the topic's events).

mod common;

use std::time::Duration;

use cdc_console::config::ReplicaConfig;
use cdc_console::pipeline::replicator::{self, Options};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

use common::replicator::*;

#[test]
fn poison_events_land_in_dead_letters_and_the_stream_goes_on() {
    on_scratch_topic("poison", |t| async move { poison(&t).await });
}

#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
async fn poison(topic: &str) {
    let name = "t_poison";
    let sink = common::sink_client().await;
    reset(&sink, &[name]).await;

    let row = |id: i64, status: &str| {
        format!(
            r#"{{"order_id":{id},"user_id":7,"customer_name":"Ann \"A\" \\ O","amount":"12.30","status":"{status}","created_at":"2026-01-02T03:04:05.123456Z","updated_at":"2026-01-02T03:04:05.123456Z"}}"#
        )
    };
    let event = |op: &str, before: Option<String>, after: Option<String>, lsn: u64| {
        format!(
            r#"{{"before":{},"after":{},"source":{{"ts_ms":1,"lsn":{lsn},"txId":1,"schema":"public","table":"orders","snapshot":"false"}},"op":"{op}","ts_ms":2}}"#,
            before.unwrap_or("null".into()),
            after.unwrap_or("null".into())
        )
    };
    let invalid = "{not json".to_string();
    let unknown_op = event("x", None, Some(row(1, "odd")), 150);
    let payloads: Vec<Option<String>> = vec![
        Some(event("c", None, Some(row(1, "pending")), 100)), // 0
        Some(invalid.clone()),                                // 1
        Some(unknown_op.clone()),                             // 2
        Some(event("c", None, Some(row(2, "pending")), 200)), // 3
        Some(event("u", Some(row(2, "pending")), Some(row(2, "paid")), 300)), // 4
        Some(event("d", Some(row(1, "pending")), None, 400)), // 5
        None,                                                 // 6: tombstone
        Some(event("u", Some(row(2, "paid")), Some(row(2, "stale")), 250)), // 7: older LSN, not applied
    ];
    let producer: BaseProducer = common::kafka::plain_config()
        .set("batch.num.messages", "1")
        .set("linger.ms", "0")
        .create()
        .unwrap();
    for p in &payloads {
        let mut r: BaseRecord<str, str> = BaseRecord::to(topic).partition(0).key("k");
        if let Some(p) = p {
            r = r.payload(p);
        }
        producer.send(r).map_err(|(e, _)| e).unwrap();
        producer.flush(common::kafka::TIMEOUT).unwrap();
    }

    let before: i64 = {
        sink.batch_execute(cdc_console::pipeline::deadletter::DDL).await.unwrap();
        sink.query_one(
            "SELECT count(*) FROM cdc.dead_letters WHERE consumer = 'replica:t_poison'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    };
    let snap = until_idle(&config_with(vec![replica(name, topic, &[])])).await;

    let letters: Vec<(i64, String, Vec<u8>)> = sink
        .query(
            "SELECT \"offset\", reason, payload FROM cdc.dead_letters WHERE topic = $1 AND consumer = 'replica:t_poison' ORDER BY 1",
            &[&topic],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert_eq!((letters[0].0, letters[0].2.as_slice()), (1, invalid.as_bytes()));
    assert!(letters[0].1.contains("not a Debezium change event"), "{}", letters[0].1);
    assert_eq!((letters[1].0, letters[1].2.as_slice()), (2, unknown_op.as_bytes()));
    assert!(letters[1].1.contains("unknown variant `x`"), "{}", letters[1].1);
    assert_eq!(snap.dead_letters as i64, before + 2, "{snap:?}");

    let rows: Vec<(i64, String, String, i64)> = sink
        .query(
            &format!(
                "SELECT order_id, status, customer_name, _source_lsn FROM cdc.{name} ORDER BY 1"
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(rows, [(2, "paid".to_string(), "Ann \"A\" \\ O".to_string(), 300)]);
    // c, c, u, d, stale u: five change events consumed; dead letters and the tombstone are not.
    assert_eq!(applied_counter(&sink, name).await, 5);
    assert_eq!(snap.events, 5);
    let next: i64 = sink
        .query_one("SELECT next_offset FROM cdc.progress WHERE consumer = $1", &[&name])
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, 8);
    sink.execute("DELETE FROM cdc.dead_letters WHERE topic = $1", &[&topic]).await.unwrap();
    reset(&sink, &[name]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_changes_make_an_exact_replica_and_a_transformed_one() {
    common::require_stack();
    let (full, transformed) = ("t_exact_full", "t_exact_transformed");
    let sink = common::sink_client().await;
    reset(&sink, &[full, transformed]).await;
    let config = config_with(vec![
        replica(full, ORDERS_TOPIC, &[]),
        replica(transformed, ORDERS_TOPIC, &["customer_name"]),
    ]);

    // Everything already on the topic first (benches/replicator.rs times this).
    until_idle(&config).await;

    generate(5000).await;
    assert_eq!(
        converge(&config, full, Some(transformed)).await,
        0,
        "replica differs from the source"
    );
    let has_name: bool = sink
        .query_one("SELECT count(*) > 0 FROM information_schema.columns WHERE table_schema='cdc' AND table_name=$1 AND column_name='customer_name'", &[&transformed])
        .await
        .unwrap()
        .get(0);
    assert!(!has_name, "the transformed replica keeps customer_name");
    for n in [full, transformed] {
        assert_eq!(
            applied_counter(&sink, n).await,
            events_below_stored(&sink, n, ORDERS_TOPIC).await,
            "{n}: events applied ≠ events consumed"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn aborted_tasks_apply_every_event_exactly_once() {
    common::require_stack();
    let (full, transformed) = ("t_abort_full", "t_abort_transformed");
    let sink = common::sink_client().await;
    reset(&sink, &[full, transformed]).await;
    let config = config_with(vec![
        replica(full, ORDERS_TOPIC, &[]),
        replica(transformed, ORDERS_TOPIC, &["customer_name"]),
    ]);
    let generating = tokio::spawn(generate(3000));
    let mut counters = Vec::new();
    for i in 0..5u64 {
        let c = config.clone();
        let task = tokio::spawn(async move {
            let (tx, _rx) = tokio::sync::watch::channel(Default::default());
            replicator::run(
                &c,
                &Options { max_batch: 300, ..Default::default() },
                std::future::pending(),
                tx,
            )
            .await
        });
        progressed(&sink, full, counters.last().copied().unwrap_or(0)).await;
        tokio::time::sleep(Duration::from_millis(37 * i)).await;
        task.abort();
        let _ = task.await;
        let n: Option<i64> = sink
            .query_opt("SELECT applied_events FROM cdc.replica_stats WHERE replica = $1", &[&full])
            .await
            .unwrap()
            .map(|r| r.get(0));
        counters.push(n.unwrap_or(0));
    }
    generating.await.unwrap();
    eprintln!("applied events after each abort: {counters:?}");
    let advanced =
        counters.windows(2).filter(|w| w[1] > w[0]).count() + usize::from(counters[0] > 0);
    assert!(advanced >= 4, "fewer than four aborted runs committed work: {counters:?}");
    let batches: i64 = sink
        .query_one("SELECT batches FROM cdc.replica_stats WHERE replica = $1", &[&full])
        .await
        .unwrap()
        .get(0);
    assert!(batches > 0, "no batch committed before the aborts");
    assert_eq!(
        converge(&config, full, Some(transformed)).await,
        0,
        "replica differs from the source"
    );
    for n in [full, transformed] {
        assert_eq!(
            applied_counter(&sink, n).await,
            events_below_stored(&sink, n, ORDERS_TOPIC).await,
            "{n}: events applied ≠ events consumed"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_processes_apply_every_event_exactly_once() {
    common::require_stack();
    let name = "t_kill_full";
    let sink = common::sink_client().await;
    reset(&sink, &[name]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, format!("[[replicas]]\nname = \"{name}\"\nsource = \"public.orders\"\nsink = \"cdc.{name}\"\ntopic = \"{ORDERS_TOPIC}\"\n")).unwrap();
    let generating = tokio::spawn(generate(3000));
    let mut counters = Vec::new();
    for i in 0..4u64 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cdc-console"))
            .args(["replicate", "--max-batch", "300", "--config"])
            .arg(&path)
            .env("CDC_CONSOLE_LOG_DIR", std::env::temp_dir().join("cdc-console-test-logs"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        progressed(&sink, name, counters.last().copied().unwrap_or(0)).await;
        tokio::time::sleep(Duration::from_millis(37 * i)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let n: Option<i64> = sink
            .query_opt("SELECT applied_events FROM cdc.replica_stats WHERE replica = $1", &[&name])
            .await
            .unwrap()
            .map(|r| r.get(0));
        counters.push(n.unwrap_or(0));
    }
    generating.await.unwrap();
    eprintln!("applied events after each kill: {counters:?}");
    let advanced =
        counters.windows(2).filter(|w| w[1] > w[0]).count() + usize::from(counters[0] > 0);
    assert!(advanced >= 3, "fewer than three killed processes committed work: {counters:?}");
    let batches: i64 = sink
        .query_one("SELECT batches FROM cdc.replica_stats WHERE replica = $1", &[&name])
        .await
        .unwrap()
        .get(0);
    assert!(batches > 0, "no batch committed before the kills");
    let config = config_with(vec![replica(name, ORDERS_TOPIC, &[])]);
    assert_eq!(converge(&config, name, None).await, 0, "replica differs from the source");
    assert_eq!(
        applied_counter(&sink, name).await,
        events_below_stored(&sink, name, ORDERS_TOPIC).await,
        "events applied ≠ events consumed"
    );
}

fn produce(topic: &str, payloads: &[String]) {
    let producer: BaseProducer = common::kafka::plain_config()
        .set("batch.num.messages", "1")
        .set("linger.ms", "0")
        .create()
        .unwrap();
    for p in payloads {
        producer
            .send(BaseRecord::<str, str>::to(topic).partition(0).key("k").payload(p))
            .map_err(|(e, _)| e)
            .unwrap();
        producer.flush(common::kafka::TIMEOUT).unwrap();
    }
}

/// A change event of `table` with only an after image (empty: none, as for a truncate).
fn image_event(table: &str, op: &str, after: &str, lsn: u64) -> String {
    let after = if after.is_empty() { "null".to_string() } else { after.to_string() };
    format!(
        r#"{{"before":null,"after":{after},"source":{{"ts_ms":1,"lsn":{lsn},"schema":"public","table":"{table}"}},"op":"{op}","ts_ms":2}}"#
    )
}

fn schema_event(op: &str, after: &str, lsn: u64) -> String {
    image_event("t_repl_schema", op, after, lsn)
}

/// Truncates, a filter and renames, a new source column added to the replica, and a type change
/// that stops one replica while the other (which does not keep that column) goes on.
#[test]
fn truncates_new_columns_and_a_type_change_that_stops_one_replica_only() {
    on_scratch_topic("schema", |t| async move { schema_changes(&t).await });
}

async fn schema_changes(topic: &str) {
    let (a, b) = ("t_schema_a", "t_schema_b");
    let source = common::source_client().await;
    let sink = common::sink_client().await;
    reset(&sink, &[a, b]).await;
    source.batch_execute("DROP TABLE IF EXISTS public.t_repl_schema; CREATE TABLE public.t_repl_schema (id int PRIMARY KEY, v text)").await.unwrap();
    let ra = ReplicaConfig { source: "public.t_repl_schema".into(), ..replica(a, topic, &[]) };
    let mut rb = ReplicaConfig {
        source: "public.t_repl_schema".into(),
        columns: Some(vec!["id".into()]),
        filter: Some("id < 100".into()),
        ..replica(b, topic, &[])
    };
    rb.rename.insert("id".into(), "k".into());
    let config = config_with(vec![ra, rb]);
    let ids = |table: &'static str, col: &'static str| {
        let sink = &sink;
        async move {
            sink.query(
                &format!("SELECT {col}::text FROM cdc.{table} WHERE {col} IS NOT NULL ORDER BY 1"),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
        }
    };

    produce(
        topic,
        &[
            schema_event("c", r#"{"id":1,"v":"a"}"#, 10),
            schema_event("c", r#"{"id":2,"v":"b"}"#, 20),
            schema_event("t", "", 30),
            schema_event("c", r#"{"id":3,"v":"c"}"#, 40),
            schema_event("c", r#"{"id":150,"v":"big"}"#, 45),
        ],
    );
    let snap = until_idle(&config).await;
    assert!(snap.replicas.iter().all(|r| r.error.is_none()), "{snap:?}");
    assert_eq!(ids(a, "id").await, ["150", "3"]);
    assert_eq!(ids(b, "k").await, ["3"], "filtered and renamed");

    // A new source column reaches the replica that keeps every column.
    source.batch_execute("ALTER TABLE public.t_repl_schema ADD COLUMN w int").await.unwrap();
    produce(topic, &[schema_event("c", r#"{"id":4,"v":"d","w":7}"#, 50)]);
    until_idle(&config).await;
    assert_eq!(ids(a, "w").await, ["7"]);
    assert_eq!(ids(b, "k").await, ["3", "4"]);

    // A type change stops replica a with a clear error; b does not keep v and goes on.
    source
        .batch_execute("ALTER TABLE public.t_repl_schema ALTER COLUMN v TYPE int USING NULL")
        .await
        .unwrap();
    produce(topic, &[schema_event("c", r#"{"id":5,"v":5,"w":1}"#, 60)]);
    let snap = until_idle(&config).await;
    let err = snap
        .replicas
        .iter()
        .find(|r| r.name == a)
        .unwrap()
        .error
        .clone()
        .expect("replica a stopped");
    assert!(err.contains("column v is text") && err.contains("integer"), "{err}");
    assert!(snap.replicas.iter().find(|r| r.name == b).unwrap().error.is_none(), "{snap:?}");
    assert_eq!(ids(b, "k").await, ["3", "4", "5"]);
    assert!(!ids(a, "id").await.contains(&"5".to_string()));

    source.batch_execute("DROP TABLE public.t_repl_schema").await.unwrap();
    reset(&sink, &[a, b]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_starting_together_on_a_new_sink_create_its_tables_once() {
    // A brand-new database: `CREATE … IF NOT EXISTS` from eight jobs at once races in the
    // catalog (one fails on pg_type_typname_nsp_index) unless the DDL runs under the lock.
    common::require_databases();
    let c = common::config();
    let admin = common::sink_client().await;
    let db = format!("ddl_race_{}", std::process::id());
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db}")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {db}")).await.unwrap();
    let mut cfg = c.sink.pg_config(Duration::from_secs(5));
    cfg.dbname(&db);
    let ddl = [
        replicator::offsets::DDL,
        cdc_console::pipeline::deadletter::DDL,
        cdc_console::pipeline::processor::sink::DDL,
        cdc_console::pipeline::processor::checkpoint::DDL,
    ]
    .join(";\n");
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (client, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        clients.push(client);
    }
    let results = futures::future::join_all(
        clients.iter().map(|c| cdc_console::pipeline::create_if_missing(c, &ddl)),
    )
    .await;
    let failed: Vec<String> =
        results.into_iter().filter_map(|r| r.err().map(|e| format!("{e:?}"))).collect();
    let tables: i64 = clients[0]
        .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'cdc'", &[])
        .await
        .unwrap()
        .get(0);
    drop(clients);
    admin.batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)")).await.unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(tables >= 8, "{tables} tables in cdc");
}

/// Row images as Debezium writes them (JSON without schemas, its default modes): each staged
/// type reaches the replica as the source holds the same values, including forms left to the
/// type's own input; a bytea that is not base64 is a dead letter.
#[test]
fn debezium_values_of_each_type_reach_the_replica_as_the_source_holds_them() {
    on_scratch_topic("types", |t| async move { types(&t).await });
}

async fn types(topic: &str) {
    let name = "t_types";
    let source = common::source_client().await;
    let sink = common::sink_client().await;
    reset(&sink, &[name]).await;
    source
        .batch_execute(
            r#"DROP TABLE IF EXISTS public.t_repl_types;
            CREATE TABLE public.t_repl_types (id int PRIMARY KEY, i2 smallint, i8 bigint, b boolean, f4 real,
                f8 double precision, n numeric(12,2), nn numeric, t text, vc varchar(10), ch char(3), u uuid, by bytea,
                d date, tm time, tm3 time(3), ts timestamp, ts3 timestamp(3), tz timestamptz, ip inet, js jsonb, arr int[]);
            INSERT INTO public.t_repl_types VALUES
                (1, -32768, 9007199254740993, true, 0.1, -1.5e-7, -12.30, 12345678901234567890.000000001,
                 E'tab\there "q" \\ end', 'héllo', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x000102ff',
                 date '1970-01-01' + 20778, time '00:00' + interval '33005.123456 seconds', '09:10:05.123',
                 to_timestamp(1795219200.123456) AT TIME ZONE 'UTC', to_timestamp(1795219200.123) AT TIME ZONE 'UTC',
                 '2026-11-21 09:00:00.123456+00', '192.168.0.1/24', '{"a": [1, 2]}', '{1,2,NULL}'),
                (2, NULL, NULL, NULL, NULL, 'Infinity', 'NaN', 1.5e3, NULL, NULL, NULL,
                 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', NULL, '2026-11-21', NULL, NULL, '2026-11-21 09:00:00.25', NULL,
                 '2026-11-21 09:00:00.5+00', NULL, NULL, NULL)"#,
        )
        .await
        .unwrap();
    let event = |after: &str, lsn: u64| image_event("t_repl_types", "c", after, lsn);
    produce(
        topic,
        &[
            event(
                r#"{"id":1,"i2":-32768,"i8":9007199254740993,"b":true,"f4":0.1,"f8":-1.5E-7,"n":"-12.30","nn":"12345678901234567890.000000001",
            "t":"tab\there \"q\" \\ end","vc":"héllo","ch":"ab ","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","by":"AAEC/w==","d":20778,
            "tm":33005123456,"tm3":33005123,"ts":1795219200123456,"ts3":1795219200123,"tz":"2026-11-21T09:00:00.123456Z",
            "ip":"192.168.0.1/24","js":"{\"a\": [1, 2]}","arr":[1,2,null]}"#,
                10,
            ),
            // Forms this side does not decode go to the type's input: quoted Infinity, NaN, an
            // exponent, a uuid in braces; ISO text for date and timestamp, an offset for timestamptz.
            event(
                r#"{"id":2,"f8":"Infinity","n":"NaN","nn":"1.5E+3","u":"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}","d":"2026-11-21",
            "ts":"2026-11-21T09:00:00.25","tz":"2026-11-21T10:00:00.5+01:00"}"#,
                20,
            ),
            event(r#"{"id":3,"by":"\\x0001"}"#, 30),
        ],
    );
    let config = config_with(vec![ReplicaConfig::full(
        name,
        "public.t_repl_types",
        &format!("cdc.{name}"),
        topic,
    )]);
    let snap = until_idle(&config).await;
    assert!(snap.replicas.iter().all(|r| r.error.is_none()), "{snap:?}");

    let want: Vec<String> = source
        .query("SELECT to_jsonb(r)::text FROM public.t_repl_types r ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let got: Vec<String> = sink
        .query(
            &format!("SELECT (to_jsonb(r) - '_source_lsn')::text FROM cdc.{name} r ORDER BY id"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(got, want);
    let reason: String = sink
        .query_one("SELECT reason FROM cdc.dead_letters WHERE topic = $1", &[&topic])
        .await
        .unwrap()
        .get(0);
    assert!(reason.contains("column by") && reason.contains("base64"), "{reason}");

    source.batch_execute("DROP TABLE public.t_repl_types").await.unwrap();
    reset(&sink, &[name]).await;
}

/// A second replicator for a replica that one is applying is refused with the reason (their
/// batches would share the staging tables), once the first has had time to go away.
#[tokio::test(flavor = "multi_thread")]
async fn a_replica_that_another_replicator_applies_is_refused() {
    common::require_stack();
    let name = "t_claimed";
    let holder = common::sink_client().await;
    holder
        .execute("SELECT pg_advisory_lock(hashtext('cdc-console replica'), hashtext($1))", &[&name])
        .await
        .unwrap();
    let config = config_with(vec![replica(name, ORDERS_TOPIC, &[])]);
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let err = replicator::run(&config, &opts, std::future::pending(), tx)
        .await
        .expect_err("refused")
        .to_string();
    assert!(err.contains("replica t_claimed is being applied by another replicator"), "{err}");
    drop(holder);
}

#[test]
fn staging_tables_of_replicas_no_replicator_applies_are_dropped() {
    on_scratch_topic("staging", |t| async move { staging(&t).await });
}

async fn staging(topic: &str) {
    // A removed replica's staging table, one of a replica another replicator holds, and one
    // without the comment that names its replica: only the first goes.
    let name = "t_staged";
    let sink = common::sink_client().await;
    reset(&sink, &[name]).await;
    let table = |replica: &str, comment: bool| {
        let t = format!("cdc.\"_stage_{replica}_0\"");
        let c = if comment {
            format!("COMMENT ON TABLE {t} IS 'cdc-console staging of replica {replica}';")
        } else {
            String::new()
        };
        format!("DROP TABLE IF EXISTS {t}; CREATE UNLOGGED TABLE {t} (x int); {c}")
    };
    sink.batch_execute(
        &[table("t_gone", true), table("t_held", true), table("t_nameless", false)].concat(),
    )
    .await
    .unwrap();
    let holder = common::sink_client().await;
    holder
        .execute(
            "SELECT pg_advisory_lock(hashtext('cdc-console replica'), hashtext('t_held'))",
            &[],
        )
        .await
        .unwrap();
    until_idle(&config_with(vec![replica(name, topic, &[])])).await;
    let left: Vec<(String, Option<String>)> = sink
        .query(
            "SELECT relname::text, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'cdc' AND relname IN ('_stage_t_gone_0', '_stage_t_held_0', '_stage_t_nameless_0', '_stage_t_staged_0', '_stage_t_staged_1') ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let named =
        |t: &str, r: &str| (t.to_string(), Some(format!("cdc-console staging of replica {r}")));
    assert_eq!(
        left,
        [
            named("_stage_t_held_0", "t_held"),
            ("_stage_t_nameless_0".to_string(), None),
            named("_stage_t_staged_0", name),
            named("_stage_t_staged_1", name)
        ]
    );
    drop(holder);
    sink.batch_execute("DROP TABLE cdc.\"_stage_t_held_0\", cdc.\"_stage_t_nameless_0\"")
        .await
        .unwrap();
    reset(&sink, &[name]).await;
}

//! Incremental snapshots through the console, on the stack's `orders-cdc` connector (its
//! signalling: compose/connectors/orders.json): the console sends Debezium's signals and follows
//! the progress Debezium notifies.
//!
//! The tests add their own `order_items` rows (order ids from 921_000_000_001, sku T21SNAP-…),
//! more than two of Debezium's 1,024-row chunks, and remove them at the end. They run one at a
//! time: an execute-snapshot sent while another snapshot runs joins it.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::Value;
use tokio::sync::Mutex;

const TOPIC: &str = "dbserver1.public.order_items";
const BASE: i64 = 921_000_000_000;
const ROWS: i64 = 2_500;
const CONNECTOR: &str = "orders-cdc";

/// One snapshot at a time (see the header).
static SERIAL: Mutex<()> = Mutex::const_new(());

type Key = (i64, i32);

async fn own_rows(c: &tokio_postgres::Client) {
    c.batch_execute(&format!(
        "DELETE FROM order_items WHERE order_id > {BASE} AND order_id <= {BASE} + 1000000;
         INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price)
         SELECT {BASE} + g, 1, 'T21SNAP-' || g, 1, 1.00 FROM generate_series(1, {ROWS}) g"
    ))
    .await
    .expect("insert the test's rows");
}

async fn drop_own_rows(c: &tokio_postgres::Client) {
    c.batch_execute(&format!(
        "DELETE FROM order_items WHERE order_id > {BASE} AND order_id <= {BASE} + 1000000;
         DELETE FROM debezium_signal WHERE id LIKE 't21snap-%'"
    ))
    .await
    .expect("remove the test's rows");
}

async fn keys(c: &tokio_postgres::Client) -> BTreeSet<Key> {
    c.query("SELECT order_id, line_no FROM order_items", &[])
        .await
        .expect("keys")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn consumer() -> BaseConsumer {
    common::kafka::plain_config()
        .set("group.id", "t21snap-reader")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer")
}

/// Every partition's log end now: where the events of what follows start.
fn ends(c: &BaseConsumer) -> HashMap<i32, i64> {
    let md = c.fetch_metadata(Some(TOPIC), Duration::from_secs(10)).expect("metadata");
    let partitions = md.topics().first().map_or(0, |t| t.partitions().len() as i32);
    assert!(partitions > 0, "{TOPIC} exists once the test's rows are captured");
    (0..partitions)
        .map(|p| (p, c.fetch_watermarks(TOPIC, p, Duration::from_secs(10)).expect("watermarks").1))
        .collect()
}

/// The keys of the op=r events between `from` and the log end, read to that end.
fn read_events(c: &BaseConsumer, from: &HashMap<i32, i64>) -> BTreeSet<Key> {
    let to = ends(c);
    let mut tpl = TopicPartitionList::new();
    for (p, o) in from {
        tpl.add_partition_offset(TOPIC, *p, Offset::Offset(*o)).expect("partition");
    }
    c.assign(&tpl).expect("assign");
    let mut reads = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = |c: &BaseConsumer| {
        let Ok(pos) = c.position() else { return false };
        to.iter().all(|(p, end)| {
            from.get(p) == Some(end)
                || pos
                    .find_partition(TOPIC, *p)
                    .is_some_and(|e| matches!(e.offset(), Offset::Offset(o) if o >= *end))
        })
    };
    while !done(c) {
        assert!(Instant::now() < deadline, "{TOPIC} not read to its end within 60 s");
        let Some(m) = c.poll(Duration::from_millis(500)) else { continue };
        let m = m.expect("record");
        let Some(v) = m.payload().and_then(|p| serde_json::from_slice::<Value>(p).ok()) else {
            continue;
        };
        if v["op"] == "r" {
            let after = &v["after"];
            let key = (after["order_id"].as_i64(), after["line_no"].as_i64());
            if let (Some(o), Some(l)) = key {
                reads.insert((o, i32::try_from(l).expect("line_no")));
            }
        }
    }
    reads
}

fn console_json(args: &[&str]) -> (Option<i32>, Value) {
    let out = common::console(args, &[]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("{args:?}: not JSON ({e}):\n{text}\n{}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code(), json)
}

fn snapshot(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["connectors", "snapshot", CONNECTOR];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    console_json(&all)
}

fn table<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["snapshot"]["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["table"] == name))
        .unwrap_or_else(|| panic!("{name} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn incremental_snapshot_of_order_items_emits_a_read_for_every_row_and_reaches_done() {
    common::require_stack();
    let _serial = SERIAL.lock().await;
    let source = common::source_client().await;
    own_rows(&source).await;
    let at_start = keys(&source).await;
    assert!(at_start.len() as i64 >= ROWS, "the test's rows are in the source");
    let c = consumer();
    // The inserts' own c events first: the topic exists, and the offsets below come after them.
    std::thread::sleep(Duration::from_secs(2));
    let from = ends(&c);

    let started = Instant::now();
    let (code, report) = snapshot(&["--tables", "order_items", "--wait", "--timeout", "180s"]);
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["signal"], "execute-snapshot");
    assert_eq!(
        report["snapshot"]["id"], report["signal_id"],
        "the console follows its own snapshot"
    );
    assert_eq!(report["snapshot"]["status"], "completed", "{report:#}");
    let items = table(&report, "public.order_items");
    assert_eq!(items["state"], "done", "{report:#}");
    let still = keys(&source).await;
    let expected: BTreeSet<Key> = at_start.intersection(&still).copied().collect();
    let scanned = items["rows_scanned"].as_u64().expect("rows scanned");
    assert!(scanned >= expected.len() as u64, "{scanned} rows scanned, {} rows", expected.len());

    let reads = read_events(&c, &from);
    let missing: Vec<&Key> = expected.difference(&reads).take(5).collect();
    assert!(missing.is_empty(), "no op=r event for {missing:?} (of {} keys)", expected.len());
    eprintln!(
        "{} rows, {scanned} scanned, {} op=r events, in {took:.1?}",
        expected.len(),
        reads.len()
    );

    // The status without a signal shows the same snapshot, and read-only refuses a new one.
    let (code, latest) = snapshot(&[]);
    assert_eq!((code, &latest["snapshot"]["status"]), (Some(0), &Value::from("completed")));
    let out = common::console(
        &["--read-only", "connectors", "snapshot", CONNECTOR, "--tables", "order_items"],
        &[],
    );
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    drop_own_rows(&source).await;
}

/// Debezium reads one chunk of a snapshot whose pause arrives with its start (one transaction),
/// so the pause is certain to find it running; then the console resumes it, or stops it.
async fn start_paused(source: &tokio_postgres::Client, id: &str) {
    source
        .batch_execute(&format!(
            "BEGIN;
             INSERT INTO debezium_signal VALUES ('{id}', 'execute-snapshot',
               '{{\"data-collections\": [\"public.order_items\"], \"type\": \"incremental\"}}');
             INSERT INTO debezium_signal VALUES ('{id}-pause', 'pause-snapshot', NULL);
             COMMIT;"
        ))
        .await
        .expect("signals");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, report) = snapshot(&[]);
        if report["snapshot"]["id"] == id && report["snapshot"]["status"] == "paused" {
            let items = table(&report, "public.order_items");
            assert_eq!(items["state"], "scanning", "paused after its first chunk: {report:#}");
            return;
        }
        assert!(Instant::now() < deadline, "{id} not shown paused: {report:#}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_snapshot_resumes_to_done_and_a_stopped_one_ends_unfinished() {
    common::require_stack();
    let _serial = SERIAL.lock().await;
    let source = common::source_client().await;
    own_rows(&source).await;
    let rows = keys(&source).await.len() as u64;

    let run = format!("t21snap-resume-{}", std::process::id());
    start_paused(&source, &run).await;
    let (code, report) =
        snapshot(&["--resume", "--channel", "kafka", "--wait", "--timeout", "120s"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        (&report["signal"], &report["channel"]),
        (&Value::from("resume-snapshot"), &Value::from("kafka"))
    );
    assert_eq!(report["snapshot"]["id"], run.as_str(), "{report:#}");
    assert_eq!(report["snapshot"]["status"], "completed", "{report:#}");
    let items = table(&report, "public.order_items");
    assert_eq!(items["state"], "done", "{report:#}");
    assert!(items["rows_scanned"].as_u64().is_some_and(|r| r >= rows), "{report:#}");

    // Debezium takes a stop in at the next chunk: sent while paused, it ends the snapshot when
    // resumed, before another chunk is read.
    let run = format!("t21snap-stop-{}", std::process::id());
    start_paused(&source, &run).await;
    let (code, report) = snapshot(&["--stop"]);
    assert_eq!((code, &report["signal"]), (Some(0), &Value::from("stop-snapshot")), "{report:#}");
    let (_, report) = snapshot(&["--resume", "--wait", "--timeout", "120s"]);
    assert_eq!(report["snapshot"]["id"], run.as_str(), "{report:#}");
    assert!(
        report["snapshot"]["status"] == "completed" || report["snapshot"]["status"] == "aborted"
    );
    let items = table(&report, "public.order_items");
    assert_eq!(items["state"], "stopped", "the table never finished: {report:#}");
    assert!(items["rows_scanned"].is_null(), "{report:#}");
    drop_own_rows(&source).await;
}

/// The TUI on the same snapshot: the connector's detail shows it paused (the collector reads the
/// notification topic), `Z` asks first and resumes it, and the detail follows it to done.
#[tokio::test(flavor = "multi_thread")]
async fn the_connectors_view_shows_a_snapshot_and_resumes_it_after_confirmation() {
    use common::tmux::Session;
    common::require_stack();
    let _serial = SERIAL.lock().await;
    let source = common::source_client().await;
    own_rows(&source).await;
    let run = format!("t21snap-tui-{}", std::process::id());
    start_paused(&source, &run).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let s = Session::console(&format!("t21snap-{}", std::process::id()), dir.path(), "", 150, 40);
    s.wait("the console", 30, |x| x.contains("cdc-console"));
    s.keys(&[":"]);
    s.type_text("connectors");
    s.keys(&["Enter"]);
    s.wait("the connectors view", 20, |x| x.contains("orders-cdc"));
    s.keys(&["/"]);
    s.type_text("orders-cdc");
    s.keys(&["Enter"]);
    s.wait("orders-cdc alone in the list", 10, |x| x.contains("orders-cdc"));
    s.keys(&["Enter"]);
    let paused = s.wait("the snapshot paused in the detail", 30, |x| {
        x.contains("Connector orders-cdc") && x.contains("snapshot paused") && x.contains(&run)
    });
    assert!(paused.contains("public.order_items scanning at key"), "{paused}");

    s.keys(&["Z"]);
    s.wait("the confirmation", 10, |x| x.contains("Type orders-cdc to confirm"));
    s.type_text("orders-cdc");
    s.keys(&["Tab"]);
    s.keys(&["Enter"]);
    s.wait("the signal sent", 20, |x| x.contains("sent resume-snapshot"));
    let done = s.wait("the snapshot done in the detail", 60, |x| x.contains("snapshot completed"));
    assert!(done.contains("public.order_items done ") && done.contains(&run), "{done}");
    drop(s);
    drop_own_rows(&source).await;
}

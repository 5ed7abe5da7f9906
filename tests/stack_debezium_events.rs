//! The real pipeline end to end as far as the broker: rows changed in the source come back from
//! the Debezium topic as c/u/d events with full before/after images, the source transaction and
//! LSN, in commit order per key, followed by a tombstone.

mod common;

use std::time::{Duration, Instant};

use cdc_console::pipeline::envelope::{self, Envelope, Op};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::{Value, json};

/// One transaction's footprint: its id, and WAL positions before and after it.
struct Committed {
    tx_id: i64,
    lsn_before: u64,
    lsn_after: u64,
}

async fn lsn(c: &tokio_postgres::Client) -> u64 {
    // The insert position: with synchronous_commit=off the write position may trail a commit.
    let v: i64 = c
        .query_one("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint", &[])
        .await
        .unwrap()
        .get(0);
    v as u64
}

/// Runs `sql` in its own transaction and returns where it landed in the WAL.
async fn commit(
    c: &mut tokio_postgres::Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> (Committed, Vec<tokio_postgres::Row>) {
    let lsn_before = lsn(c).await;
    let tx = c.transaction().await.unwrap();
    let rows = tx.query(sql, params).await.unwrap();
    let tx_id: i64 = tx.query_one("SELECT txid_current()", &[]).await.unwrap().get(0);
    tx.commit().await.unwrap();
    (Committed { tx_id, lsn_before, lsn_after: lsn(c).await }, rows)
}

/// Where to read `topic` from for changes made after this call: the current log end of every
/// partition when the topic exists. Debezium creates a table's topic with its first change, so
/// a missing topic is read from its beginning once it appears.
fn start_of_new_changes(consumer: &BaseConsumer, topic: &str) -> Option<TopicPartitionList> {
    let md = consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
    let partitions = md.topics().first().map_or(0, |t| t.partitions().len());
    if partitions == 0 {
        return None;
    }
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions as i32 {
        let (_, high) =
            consumer.fetch_watermarks(topic, p, Duration::from_secs(10)).expect("watermarks");
        tpl.add_partition_offset(topic, p, Offset::Offset(high)).unwrap();
    }
    Some(tpl)
}

fn consumer() -> BaseConsumer {
    cdc_console::kafka::client_config(&common::config())
        .set("group.id", format!("cdc-console-test-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer")
}

/// Assigns `start`, or every partition from the beginning once the topic exists.
fn assign(consumer: &BaseConsumer, topic: &str, start: Option<TopicPartitionList>) {
    let tpl = if let Some(tpl) = start {
        tpl
    } else {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let md =
                consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
            let n = md.topics().first().map_or(0, |t| t.partitions().len());
            if n > 0 {
                let mut tpl = TopicPartitionList::new();
                for p in 0..n as i32 {
                    tpl.add_partition_offset(topic, p, Offset::Beginning).unwrap();
                }
                break tpl;
            }
            assert!(
                Instant::now() < deadline,
                "topic {topic} not created within 60 s: is the connector running?"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    };
    consumer.assign(&tpl).expect("assign");
}

/// (partition, offset, key, value) of every record whose key matches `key`, until `want` are
/// seen or a minute passes.
fn read_for_key(
    consumer: &BaseConsumer,
    key: &Value,
    want: usize,
) -> Vec<(i32, i64, Value, Option<Envelope>)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while seen.len() < want && Instant::now() < deadline {
        let Some(msg) = consumer.poll(Duration::from_millis(200)) else { continue };
        let msg = msg.expect("consume");
        let k: Value = serde_json::from_slice(msg.key().expect("Debezium records carry a key"))
            .expect("JSON key");
        if &k == key {
            let env = envelope::decode(msg.payload()).expect("a Debezium envelope");
            seen.push((msg.partition(), msg.offset(), k, env));
        }
    }
    assert_eq!(seen.len(), want, "records for key {key} within 60 s: {seen:#?}");
    seen
}

fn check_source(e: &Envelope, table: &str, c: &Committed) {
    assert_eq!(e.source.table.as_deref(), Some(table));
    assert_eq!(e.source.tx_id, Some(c.tx_id), "event belongs to its transaction");
    let lsn = e.source.lsn.expect("source.lsn");
    assert!(
        c.lsn_before <= lsn && lsn < c.lsn_after,
        "lsn {lsn} outside its transaction [{}, {})",
        c.lsn_before,
        c.lsn_after
    );
    assert!(!e.source.snapshot);
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_insert_update_delete_arrive_as_c_u_d_with_full_images_in_commit_order() {
    common::require_stack();
    let (consumer, topic) = (consumer(), "dbserver1.public.orders");
    let start = start_of_new_changes(&consumer, topic);
    let mut db = common::source_client().await;
    let name = format!("Test Customer {}", std::process::id());

    let (created, rows) = commit(&mut db, "INSERT INTO public.orders (user_id, customer_name, amount, status) VALUES (424242, $1, 12.50, 'pending') RETURNING order_id", &[&name]).await;
    let id: i64 = rows[0].get(0);
    let (updated, _) = commit(&mut db, "UPDATE public.orders SET status = 'paid', amount = 13.75, updated_at = now() WHERE order_id = $1", &[&id]).await;
    let (deleted, _) =
        commit(&mut db, "DELETE FROM public.orders WHERE order_id = $1", &[&id]).await;

    assign(&consumer, topic, start);
    let records = read_for_key(&consumer, &json!({ "order_id": id }), 4);
    let partition = records[0].0;
    assert!(records.iter().all(|r| r.0 == partition), "one key, one partition");
    assert!(records.windows(2).all(|w| w[0].1 < w[1].1), "offsets ascend");
    let ops: Vec<Option<Op>> = records.iter().map(|r| r.3.as_ref().map(|e| e.op)).collect();
    assert_eq!(
        ops,
        [Some(Op::Create), Some(Op::Update), Some(Op::Delete), None],
        "c, u, d, then the tombstone"
    );

    let c = records[0].3.as_ref().unwrap();
    let u = records[1].3.as_ref().unwrap();
    let d = records[2].3.as_ref().unwrap();
    check_source(c, "orders", &created);
    check_source(u, "orders", &updated);
    check_source(d, "orders", &deleted);
    assert!(c.source.lsn < u.source.lsn && u.source.lsn < d.source.lsn, "LSNs follow commit order");

    let after = c.after.as_ref().unwrap();
    assert!(c.before.is_none());
    assert_eq!(after["order_id"], json!(id));
    assert_eq!(after["user_id"], json!(424_242));
    assert_eq!(after["customer_name"], json!(name));
    assert_eq!(after["amount"], json!("12.50"), "decimal.handling.mode=string keeps the scale");
    assert_eq!(after["status"], json!("pending"));
    assert!(after["created_at"].is_string() && after["updated_at"].is_string());

    // REPLICA IDENTITY FULL: the before image is the whole old row, not only the key.
    assert_eq!(u.before.as_ref(), Some(after));
    let u_after = u.after.as_ref().unwrap();
    assert_eq!((&u_after["status"], &u_after["amount"]), (&json!("paid"), &json!("13.75")));
    assert_eq!(u_after["customer_name"], after["customer_name"]);
    assert_eq!(d.before.as_ref(), Some(u_after));
    assert!(d.after.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn order_items_events_carry_the_composite_key() {
    common::require_stack();
    let (consumer, topic) = (consumer(), "dbserver1.public.order_items");
    let start = start_of_new_changes(&consumer, topic);
    let mut db = common::source_client().await;
    let order_id = 9_000_000_000 + i64::from(std::process::id());

    let (created, rows) = commit(&mut db, "INSERT INTO public.order_items (order_id, line_no, sku, quantity, unit_price) VALUES ($1, 2, 'SKU-1', 3, 4.20) RETURNING item_id::text", &[&order_id]).await;
    let item_id: String = rows[0].get(0);
    let (updated, _) = commit(
        &mut db,
        "UPDATE public.order_items SET quantity = 5 WHERE order_id = $1 AND line_no = 2",
        &[&order_id],
    )
    .await;
    let (deleted, _) = commit(
        &mut db,
        "DELETE FROM public.order_items WHERE order_id = $1 AND line_no = 2",
        &[&order_id],
    )
    .await;

    assign(&consumer, topic, start);
    let records = read_for_key(&consumer, &json!({ "order_id": order_id, "line_no": 2 }), 4);
    let events: Vec<&Envelope> = records.iter().filter_map(|r| r.3.as_ref()).collect();
    assert_eq!(
        events.iter().map(|e| e.op).collect::<Vec<_>>(),
        [Op::Create, Op::Update, Op::Delete]
    );
    assert!(records[3].3.is_none(), "tombstone last");
    check_source(events[0], "order_items", &created);
    check_source(events[1], "order_items", &updated);
    check_source(events[2], "order_items", &deleted);
    let after = events[0].after.as_ref().unwrap();
    assert_eq!(after["item_id"], json!(item_id), "UUID column as its text form");
    assert_eq!(after["unit_price"], json!("4.20"));
    assert_eq!(events[1].before.as_ref(), Some(after));
    assert_eq!(events[1].after.as_ref().unwrap()["quantity"], json!(5));
    assert_eq!(events[2].before.as_ref().unwrap()["quantity"], json!(5));
}

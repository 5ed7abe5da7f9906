//! `cdc-console row`: a row's whole story against the real stack. A scratch pipeline of the
//! test's own: a source table `public.t21row_orders_<pid>` (not captured by Debezium), a
//! one-partition topic with Debezium-shaped events written for its rows (each carrying the txId
//! of the transaction that wrote the row, as Debezium would), and a replica of its own that the
//! real replicator brings up to date. Then one sink row is damaged by an UPDATE, and another row
//! gets a change the replicator has not applied yet.

mod common;

use cdc_console::config::ReplicaConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use serde_json::{Value, json};

/// The row as the test wrote it, and the transaction that wrote it.
struct Written {
    id: i64,
    status: String,
    xmin: i64,
}

/// A Debezium change event of the row (`op` c or u) at source LSN `lsn`, keyed by its id.
fn produce(topic: &str, w: &Written, op: &str, lsn: u64) {
    let producer: BaseProducer = common::kafka::plain_config().create().expect("producer");
    let after = json!({
        "order_id": w.id, "user_id": 7, "customer_name": "c", "amount": "1.50",
        "status": w.status, "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z",
    });
    let event = json!({
        "before": null, "after": after, "op": op, "ts_ms": 2,
        "source": {"ts_ms": 1, "lsn": lsn, "txId": w.xmin, "schema": "public", "table": "t21row", "snapshot": "false"},
    });
    let key = json!({ "order_id": w.id }).to_string();
    let payload = event.to_string();
    producer
        .send(BaseRecord::to(topic).partition(0).key(&key).payload(&payload))
        .map_err(|(e, _)| e)
        .expect("send");
    producer.flush(common::kafka::TIMEOUT).expect("flush");
}

async fn write(source: &tokio_postgres::Client, sql: &str, id: i64) -> Written {
    let r = source.query_one(sql, &[&id]).await.expect(sql);
    Written { id, status: r.get(0), xmin: r.get(1) }
}

fn row(config: &std::path::Path, table: &str, key: &str, json: bool) -> (i32, String) {
    let mut args = vec!["--config", config.to_str().expect("utf-8"), "row", table, key];
    if json {
        args.extend(["-o", "json"]);
    }
    let out = common::console(&args, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("cdc-console: ") || stderr.contains("warning"), "{stderr}");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
fn a_row_damaged_in_the_sink_shows_its_source_row_sink_row_and_events() {
    common::require_stack();
    let pid = std::process::id();
    let topic = common::kafka::ScratchTopic::create(&format!("t21row-story-{pid}"), 1);
    let (table, name) = (format!("public.t21row_orders_{pid}"), format!("t21row_story_{pid}"));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let source = common::source_client().await;
        let sink = common::sink_client().await;
        source
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (order_id bigint PRIMARY KEY, user_id bigint, \
                 customer_name text, amount numeric(12,2), status text, created_at timestamptz, updated_at timestamptz)"
            ))
            .await
            .expect("source table");
        let insert = format!(
            "INSERT INTO {table} VALUES ($1, 7, 'c', 1.50, 'paid', '2026-11-21T10:00:00Z', '2026-11-21T10:00:00Z') \
             RETURNING status, xmin::text::bigint"
        );
        let mut rows = Vec::new();
        for id in 1..=3 {
            let w = write(&source, &insert, id).await;
            produce(&topic.name, &w, "c", 1000 * id as u64);
            rows.push(w);
        }
        let replica = ReplicaConfig::full(&name, &table, &format!("cdc.{name}"), &topic.name);
        common::replicator::reset(&sink, &[&name]).await;
        common::replicator::until_idle(&common::replicator::config_with(vec![replica])).await;

        // Damage row 2 in the sink; change row 3 in the source with its event on the topic, not
        // applied (the replicator does not run again).
        sink.execute(&format!("UPDATE cdc.{name} SET status = 'damaged' WHERE order_id = 2"), &[])
            .await
            .expect("damage");
        let update = format!("UPDATE {table} SET status = 'shipped' WHERE order_id = $1 RETURNING status, xmin::text::bigint");
        let shipped = write(&source, &update, 3).await;
        produce(&topic.name, &shipped, "u", 4000);

        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("cdc-console.toml");
        std::fs::write(
            &config,
            format!("[[replicas]]\nname = \"{name}\"\nsource = \"{table}\"\nsink = \"cdc.{name}\"\ntopic = \"{}\"\n", topic.name),
        )
        .expect("config");
        let config2 = config.clone();
        let table2 = table.clone();
        let ((damaged_code, damaged), (text_code, text), (flight_code, flight)) =
            tokio::task::spawn_blocking(move || {
                (row(&config2, &table2, "2", true), row(&config2, &table2, r#"{"order_id":2}"#, false), row(&config2, &table2, "3", true))
            })
            .await
            .expect("row");

        // Diverged: the source row, the damaged sink row, its one event, the replicator's place.
        let story: Value = serde_json::from_str(&damaged).unwrap_or_else(|e| panic!("{e}: {damaged}"));
        assert_eq!(damaged_code, 1, "diverged exits 1: {damaged}");
        assert_eq!(story["source_row"]["status"], "paid", "{story:#}");
        assert_eq!(story["source_xmin"], rows[1].xmin, "{story:#}");
        let events = story["events"].as_array().expect("events");
        assert_eq!(events.len(), 1, "{story:#}");
        let e = &events[0];
        assert_eq!((e["partition"].as_i64(), e["offset"].as_i64()), (Some(0), Some(1)), "{e:#}");
        assert_eq!((e["op"].as_str(), e["lsn"].as_u64(), e["tx_id"].as_i64()), (Some("c"), Some(2000), Some(rows[1].xmin)));
        let r = &story["replicas"][0];
        assert_eq!(r["replica"], name.as_str());
        assert_eq!(r["rows"][0]["status"], "damaged", "{r:#}");
        assert_eq!(r["rows"][0]["_source_lsn"], 2000, "the sink row carries its event's LSN: {r:#}");
        assert_eq!(r["differs"], json!(["status"]), "{r:#}");
        assert_eq!(r["applied"], json!([{"partition": 0, "next_offset": 3, "source_lsn": "0/BB8"}]), "{r:#}");
        assert_eq!(r["verdict"], "diverged", "{r:#}");
        assert!(r["why"].as_str().unwrap_or_default().contains("applied past the key's last event"), "{r:#}");

        // The same as a table, for a person.
        assert_eq!(text_code, 1, "{text}");
        for want in [
            &format!("Row {table} {{\"order_id\":2}}"),
            "    status         paid",
            &format!("Replica {name} (cdc.{name}): DIVERGED"),
            "  * status         damaged   (source: paid)",
            "_source_lsn    0/7D0 (2000)",
            "replicator applied: p0 next offset 3 (source LSN 0/BB8)",
        ] {
            assert!(text.contains(want), "{want:?} missing:\n{text}");
        }

        // In flight: the event of the source's change exists, past what the replica applied.
        let story: Value = serde_json::from_str(&flight).unwrap_or_else(|e| panic!("{e}: {flight}"));
        assert_eq!(flight_code, 0, "in flight exits 0: {flight}");
        let ops: Vec<(i64, &str)> = story["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| (e["offset"].as_i64().unwrap_or(-1), e["op"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(ops, [(2, "c"), (3, "u")], "{story:#}");
        let r = &story["replicas"][0];
        assert_eq!((r["rows"][0]["status"].as_str(), story["source_row"]["status"].as_str()), (Some("paid"), Some("shipped")));
        assert_eq!(r["verdict"], "in_flight", "{r:#}");
        assert!(r["why"].as_str().unwrap_or_default().contains("applied up to offset 2 on partition 0"), "{r:#}");

        common::replicator::reset(&sink, &[&name]).await;
        source.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await.expect("drop");
    });
    drop(topic);
}

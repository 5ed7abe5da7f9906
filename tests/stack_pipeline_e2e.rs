//! The whole pipeline through the real binary, on the local stack: 50,000 generated changes go
//! source → Debezium → broker → `cdc-console replicate` (a full replica and a transformed one:
//! a column dropped, one renamed, a row filter) → sink, and `cdc-console diff` judges them:
//! nothing diverged while changes are in flight, 0 differences once applied, and exactly the
//! three rows damaged in the sink afterwards, with their keys and columns.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cdc_console::pipeline::generator::{self, Settings};
use serde_json::Value;

struct Replicator(Child);

impl Drop for Replicator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn names() -> (String, String) {
    let pid = std::process::id();
    (format!("e2e_full_{pid}"), format!("e2e_transformed_{pid}"))
}

fn config_file(dir: &std::path::Path) -> std::path::PathBuf {
    let (full, transformed) = names();
    let path = dir.join("cdc-console.toml");
    std::fs::write(
        &path,
        format!(
            r#"[[replicas]]
name = "{full}"
source = "public.orders"
sink = "cdc.{full}"
topic = "dbserver1.public.orders"

[[replicas]]
name = "{transformed}"
source = "public.orders"
sink = "cdc.{transformed}"
topic = "dbserver1.public.orders"
drop = ["customer_name"]
rename = {{ status = "order_status" }}
filter = "amount >= 100"
"#
        ),
    )
    .expect("write config");
    path
}

/// `cdc-console diff -o json` with the test's config: (exit code, report).
fn diff(config: &std::path::Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec![
        "--config",
        config.to_str().expect("utf-8 path"),
        "diff",
        "-o",
        "json",
        "--settle",
        "30s",
    ];
    args.extend_from_slice(extra);
    let out = common::console(&args, &[]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "diff JSON: {e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn counts(report: &Value) -> Vec<(String, usize, usize)> {
    report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            let n = |k: &str| t[k].as_array().map_or(usize::MAX, Vec::len);
            (t["sink_table"].as_str().unwrap_or("?").to_string(), n("differences"), n("in_flight"))
        })
        .collect()
}

async fn generate(total: u64, rate: u32) -> u64 {
    let mut done = 0;
    let mut seed = u64::from(std::process::id());
    while done < total {
        seed += 1;
        let settings = Settings {
            rate,
            duration: Some(Duration::from_secs(1)),
            seed,
            mix: Default::default(),
        };
        done += generator::run(&common::config().source, &settings, std::future::pending())
            .await
            .expect("generator")
            .changes;
    }
    done
}

#[tokio::test(flavor = "multi_thread")]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
async fn fifty_thousand_changes_replicate_and_diff_finds_exactly_the_damaged_rows() {
    common::require_stack();
    let (full, transformed) = names();
    let sink = common::sink_client().await;
    let source = common::source_client().await;
    sink.batch_execute("CREATE SCHEMA IF NOT EXISTS cdc").await.expect("cdc schema");
    for n in [&full, &transformed] {
        sink.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{n}")).await.expect("drop");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_file(dir.path());

    // The replicator runs as its own process for the whole test, from the topic's beginning.
    let child = Command::new(env!("CARGO_BIN_EXE_cdc-console"))
        .args(["--config", config.to_str().expect("utf-8"), "replicate"])
        .env("CDC_CONSOLE_LOG_DIR", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start replicate");
    let _replicator = Replicator(child);

    let generated = generate(50_000, 25_000).await;
    assert!(generated >= 50_000);

    // While changes keep arriving (2,000/s), rows in flight are never divergence.
    let load = tokio::spawn(generate(20_000, 2_000));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cfg = config.clone();
    let (code, live) =
        tokio::task::spawn_blocking(move || diff(&cfg, &[])).await.expect("diff task");
    load.await.expect("generator task");
    assert_eq!(code, Some(0), "diverged while live: {live:#}");
    assert!(counts(&live).iter().all(|(_, d, _)| *d == 0), "{:?}", counts(&live));

    // Once everything is applied: both replicas equal their (transformed) source.
    let deadline = Instant::now() + Duration::from_secs(120);
    let settled = loop {
        let (code, report) = diff(&config, &[]);
        let c = counts(&report);
        if code == Some(0) && c.iter().all(|(_, d, f)| *d == 0 && *f == 0) {
            break report;
        }
        assert!(Instant::now() < deadline, "the replicas did not converge: {c:?} {report:#}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    assert_eq!(counts(&settled).len(), 2, "both replicas compared");
    let source_rows: i64 =
        source.query_one("SELECT count(*) FROM public.orders", &[]).await.expect("count").get(0);
    let filtered: i64 = source
        .query_one("SELECT count(*) FROM public.orders WHERE amount >= 100", &[])
        .await
        .expect("count")
        .get(0);
    let in_sink = |t: String| {
        let sink = &sink;
        async move {
            sink.query_one(&format!("SELECT count(*) FROM cdc.{t}"), &[])
                .await
                .expect("count")
                .get::<_, i64>(0)
        }
    };
    assert_eq!(in_sink(full.clone()).await, source_rows);
    assert_eq!(in_sink(transformed.clone()).await, filtered);
    assert!(filtered < source_rows, "the filter keeps some rows out");
    let cols: Vec<String> = sink
        .query("SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'cdc' AND table_name = $1", &[&transformed])
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        cols.contains(&"order_status".to_string()) && !cols.contains(&"customer_name".to_string()),
        "{cols:?}"
    );

    // Damage the full replica: one row deleted, one column changed, one stray row.
    let ids: Vec<i64> = sink
        .query(
            &format!("SELECT order_id FROM cdc.{full} ORDER BY order_id LIMIT 2 OFFSET 100"),
            &[],
        )
        .await
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (gone, changed) = (ids[0], ids[1]);
    let stray: i64 = sink
        .query_one(&format!("SELECT max(order_id) + 1000000 FROM cdc.{full}"), &[])
        .await
        .expect("max")
        .get(0);
    sink.batch_execute(&format!(
        "DELETE FROM cdc.{full} WHERE order_id = {gone};
         UPDATE cdc.{full} SET status = status || '-damaged' WHERE order_id = {changed};
         INSERT INTO cdc.{full} SELECT {stray}, user_id, customer_name, amount, status, created_at, updated_at, _source_lsn FROM cdc.{full} WHERE order_id = {changed}"
    ))
    .await
    .expect("damage");

    let (code, report) = diff(&config, &[&full]);
    assert_eq!(code, Some(1), "{report:#}");
    let mut found: Vec<Value> =
        report["tables"][0]["differences"].as_array().expect("differences").clone();
    found.sort_by_key(|d| d["key"][0].as_str().and_then(|k| k.parse::<i64>().ok()));
    let mut expected = vec![
        serde_json::json!({"kind": "missing", "key": [gone.to_string()]}),
        serde_json::json!({"kind": "changed", "key": [changed.to_string()], "columns": ["status"]}),
        serde_json::json!({"kind": "extra", "key": [stray.to_string()]}),
    ];
    expected.sort_by_key(|d| d["key"][0].as_str().and_then(|k| k.parse::<i64>().ok()));
    assert_eq!(found, expected, "{report:#}");
    assert_eq!(report["tables"][0]["in_flight"], serde_json::json!([]), "{report:#}");
    // The transformed replica was not touched.
    let (code, report) = diff(&config, &[&transformed]);
    assert_eq!((code, counts(&report)[0].1), (Some(0), 0), "{report:#}");

    for n in [&full, &transformed] {
        sink.batch_execute(&format!(
            "DROP TABLE IF EXISTS cdc.{n}; DELETE FROM cdc.progress WHERE consumer = '{n}'; DELETE FROM cdc.replica_stats WHERE replica = '{n}'"
        ))
        .await
        .expect("clean up");
    }
}

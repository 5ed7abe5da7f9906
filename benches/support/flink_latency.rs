//! End-to-end result latency of both engines at a steady change rate through the real pipeline:
//! the generator writes 2,000 changes/s to the source while a probe order with a status of its
//! own is committed every second; each engine's output table is watched (every 20 ms) for the
//! probe's row. The embedded job writes a window when the watermark passes its end (+ the
//! out-of-orderness), so its latency includes the wait for the window to close; Flink's regular
//! GROUP BY updates a window's row as changes arrive (+ the JDBC sink's 1 s flush).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use cdc_console::config::Config;
use cdc_console::pipeline::generator::{self, Settings};

const TOPIC: &str = "dbserver1.public.orders";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn seen(sink: &tokio_postgres::Client, table: &str, prefix: &str) -> Vec<String> {
    sink.query(
        &format!("SELECT DISTINCT status FROM {table} WHERE status LIKE $1"),
        &[&format!("{prefix}%")],
    )
    .await
    .map(|rows| rows.iter().map(|r| r.get(0)).collect())
    .unwrap_or_default()
}

pub async fn run(config: &Config, sink: &tokio_postgres::Client, dir: &Path, secs: u64) {
    let pid = std::process::id();
    let job = format!("flat_{pid}");
    let path = dir.join("latency.toml");
    std::fs::write(&path, super::job_toml(&job, TOPIC, r#"{ kind = "tumbling", size = "10s" }"#))
        .expect("config");
    let mut embedded = super::console(&path)
        .args(["process", "--job", &job, "--reset"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the embedded job");
    let flink = super::submit(&path, &job);
    let (source, conn) = config
        .source
        .pg_config(Duration::from_secs(5))
        .connect(tokio_postgres::NoTls)
        .await
        .expect("source");
    tokio::spawn(conn);

    let settings = Settings {
        rate: 2000,
        duration: Some(Duration::from_secs(secs + 30)),
        seed: 5,
        mix: Default::default(),
    };
    let src = config.source.clone();
    let generating = tokio::spawn(async move {
        generator::run(&src, &settings, std::future::pending()).await.expect("generator")
    });
    // Both engines first replay the topic's history; probes count once both keep up.
    tokio::time::sleep(Duration::from_secs(20)).await;

    let prefix = format!("probe-{pid}-");
    let mut sent: BTreeMap<String, Instant> = BTreeMap::new();
    let mut got: [BTreeMap<String, f64>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let tables = [format!("cdc.{job}"), format!("cdc.{job}_flink")];
    let t0 = Instant::now();
    let mut next_probe = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs + 25) {
        if t0.elapsed() < Duration::from_secs(secs) && Instant::now() >= next_probe {
            let status = format!("{prefix}{}", sent.len());
            source
                .execute(
                    "INSERT INTO public.orders (user_id, customer_name, amount, status) VALUES (0, 'probe', 1.00, $1)",
                    &[&status],
                )
                .await
                .expect("probe");
            sent.insert(status, Instant::now());
            next_probe += Duration::from_secs(1);
        }
        for (i, table) in tables.iter().enumerate() {
            for status in seen(sink, table, &prefix).await {
                if let Some(at) = sent.get(&status) {
                    got[i].entry(status).or_insert_with(|| at.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let written = generating.await.expect("generator task");
    for (name, lat) in ["embedded", "flink p1"].iter().zip(&got) {
        let mut ms: Vec<f64> = lat.values().copied().collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "latency {name:9}: {}/{} probes seen, commit → result row p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms \
             (generator {} changes at {}/s)",
            ms.len(),
            sent.len(),
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            ms.last().copied().unwrap_or(f64::NAN),
            written.changes,
            2000
        );
    }
    let _ = embedded.kill();
    let _ = embedded.wait();
    super::cancel(&flink).await;
    super::forget(sink, &job).await;
    let _ = source.execute("DELETE FROM public.orders WHERE customer_name = 'probe'", &[]).await;
}

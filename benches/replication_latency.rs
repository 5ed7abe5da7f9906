//! End-to-end latency from source commit to replica row committed in the sink, at 2,000
//! changes/s on the local stack (issue target: p99 ≤ 500 ms): the embedded generator writes,
//! Debezium captures, the replicator applies, and its commit-latency histogram is read.
//!
//!   cargo bench --bench replication_latency
//!   LATENCY_BENCH_RATE=5000 LATENCY_BENCH_SECS=60 cargo bench --bench replication_latency

use std::time::Duration;

use cdc_console::config::{Config, ReplicaConfig};
use cdc_console::pipeline::generator::{self, Settings};
use cdc_console::pipeline::replicator::{self, Options};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let rate = env("LATENCY_BENCH_RATE", 2000) as u32;
    let secs = env("LATENCY_BENCH_SECS", 30);
    let base = Config::default();
    let name = format!("bench_latency_{}", std::process::id());
    let replica = ReplicaConfig::full(
        &name,
        "public.orders",
        &format!("cdc.{name}"),
        "dbserver1.public.orders",
    );
    let config = Config { replicas: vec![replica], ..base.clone() };

    // Catch up with what is already on the topic, so only fresh changes are measured.
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let catch_up = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(600)),
        ..Default::default()
    };
    let snap = replicator::run(&config, &catch_up, std::future::pending(), tx)
        .await
        .expect("replicator (is the local stack up?)");
    println!(
        "replication latency bench: caught up with {} events already on the topic",
        snap.events
    );

    let (tx, rx) = tokio::sync::watch::channel(Default::default());
    let settings = Settings {
        rate,
        duration: Some(Duration::from_secs(secs)),
        seed: 7,
        mix: Default::default(),
    };
    let source = base.source.clone();
    let load =
        tokio::spawn(
            async move { generator::run(&source, &settings, std::future::pending()).await },
        );
    // Stop a little after the load ends, so its last changes are applied and counted.
    let stop = async move {
        let _ = load.await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    };
    let snap = replicator::run(&config, &Options::default(), stop, tx).await.expect("replicator");
    drop(rx);
    let l = snap.commit_latency_ms;
    println!(
        "{rate} changes/s for {secs} s: {} events applied; source commit → replica commit: p50 {} ms, p90 {} ms, p99 {} ms, p99.9 {} ms, max {} ms ({} events in the last minute)",
        snap.events, l.p50, l.p90, l.p99, l.p999, l.max, l.count
    );

    if let Ok((c, conn)) =
        base.sink.pg_config(Duration::from_secs(5)).connect(tokio_postgres::NoTls).await
    {
        tokio::spawn(conn);
        let _ = c
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS cdc.{name}; DELETE FROM cdc.progress WHERE consumer = '{name}'; DELETE FROM cdc.replica_stats WHERE replica = '{name}'"
            ))
            .await;
    }
}

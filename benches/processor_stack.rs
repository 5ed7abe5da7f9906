//! The processor against the local stack: events/s consuming the orders topic from the broker
//! (a fresh job replays everything on it), then the firing delay — from the batch that moves the
//! watermark past a window's end arriving to the window's result committed in the sink (issue
//! target: p99 ≤ 100 ms) — while the generator writes 2,000 changes/s to the running job.
//!
//!   cargo bench --bench processor_stack
//!   PROCESSOR_BENCH_RATE=5000 PROCESSOR_BENCH_SECS=60 cargo bench --bench processor_stack

use std::time::{Duration, Instant};

use cdc_console::config::Config;
use cdc_console::config::job::{JobConfig, OutputConfig, Span, WindowConfig};
use cdc_console::pipeline::generator::{self, Settings};
use cdc_console::pipeline::processor::{self as processor, sink};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let rate = env("PROCESSOR_BENCH_RATE", 2000) as u32;
    let secs = env("PROCESSOR_BENCH_SECS", 30);
    let base = Config::default();
    let name = format!("bench_job_{}", std::process::id());
    let job = JobConfig {
        name: name.clone(),
        // One-second windows: a firing every second per status.
        window: WindowConfig::Tumbling { size: Span(Duration::from_secs(1)) },
        output: OutputConfig { table: format!("cdc.{name}"), topic: None },
        on_offset_out_of_range: Default::default(),
        ..JobConfig::orders_by_status()
    };
    let (c, conn) = base
        .sink
        .pg_config(Duration::from_secs(5))
        .connect(tokio_postgres::NoTls)
        .await
        .expect("sink (is the local stack up?)");
    tokio::spawn(conn);
    sink::reset(&c, &job).await.expect("reset");

    let (_pause, paused) = tokio::sync::watch::channel(false);
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let opts = processor::Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(900)),
        ..Default::default()
    };
    let t = Instant::now();
    let snap = processor::run(&base, &job, &opts, paused.clone(), std::future::pending(), tx)
        .await
        .expect("processor");
    let took = t.elapsed().as_secs_f64();
    println!(
        "processor bench: replayed {} change events from the broker in {took:.1} s = {:.0} events/s ({} checkpoints)",
        snap.events,
        snap.events as f64 / took,
        snap.checkpoints
    );

    let settings = Settings {
        rate,
        duration: Some(Duration::from_secs(secs)),
        seed: 5,
        mix: Default::default(),
    };
    let source = base.source.clone();
    // The changes start once the job is running again (restored from the replay's checkpoint,
    // consumer assigned): the firing delay is measured in steady state, not on the catch-up of
    // changes made while the job restarts.
    let load = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        generator::run(&source, &settings, std::future::pending()).await
    });
    let stop = async move {
        let _ = load.await;
        tokio::time::sleep(Duration::from_secs(3)).await;
    };
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let snap = processor::run(&base, &job, &processor::Options::default(), paused, stop, tx)
        .await
        .expect("processor");
    let f = snap.firing_delay_ms;
    println!(
        "{rate} changes/s for {secs} s: {} events ({:.0}/s); firing delay p50 {} ms, p90 {} ms, p99 {} ms, max {} ms over {} window firings; watermark {} ms behind wall clock at the end",
        snap.events,
        snap.events_per_sec,
        f.p50,
        f.p90,
        f.p99,
        f.max,
        f.count,
        snap.watermark_delay_ms.unwrap_or(-1)
    );
    sink::reset(&c, &job).await.expect("reset");
    let _ = c.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{name}")).await;
}

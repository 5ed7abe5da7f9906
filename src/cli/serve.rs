//! `cdc-console serve`: the collectors without a screen, for a Prometheus server to scrape;
//! auto-restart runs here too (off under `--read-only`), and the alert rules are evaluated on
//! every reading and every second (no embedded stages here), their transitions notified.

use std::net::SocketAddr;

use tokio::sync::{mpsc, watch};

use crate::cli::EXIT_OK;
use crate::collectors;
use crate::config::Config;
use crate::store::Store;

pub async fn run(config: &Config, addr: Option<SocketAddr>, read_only: bool) -> anyhow::Result<u8> {
    let addr = addr.ok_or_else(|| {
        anyhow::anyhow!("serve needs --metrics-addr, e.g. --metrics-addr 127.0.0.1:9464")
    })?;
    let mut store = Store::new(config);
    let (metrics_tx, metrics_rx) = watch::channel(crate::metrics::render(&store));
    let server = crate::metrics::serve(addr, metrics_rx)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    eprintln!("cdc-console: serving metrics on http://{addr}/metrics");
    let (tx, mut updates) = mpsc::channel(64);
    let auto_restart = collectors::connect::AutoRestart::for_clusters(config, read_only);
    let mut tasks = collectors::spawn_all(config, &auto_restart, tx.clone());
    tasks.push(collectors::latency::spawn(config, tx));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut alerts = crate::alerts::Engine::new(&config.alerts);
    let notifier = crate::notify::Notifier::spawn(&config.alerts);
    let mut clock = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut evaluated: Option<std::time::Instant> = None;
    loop {
        let (changed, tick) = tokio::select! {
            Some(update) = updates.recv() => (store.apply(update), false),
            _ = clock.tick() => (false, true),
            _ = tokio::signal::ctrl_c() => break,
            _ = sigterm.recv() => break,
        };
        // Rules on every tick, and between ticks at most every EVALUATE_EVERY, as in the TUI.
        let due = tick || evaluated.is_none_or(|at| at.elapsed() >= crate::alerts::EVALUATE_EVERY);
        let mut alerts_changed = false;
        if due {
            evaluated = Some(std::time::Instant::now());
            let (snapshot, transitions) =
                alerts.evaluate(&store, None, std::time::SystemTime::now());
            notifier.offer(&transitions);
            if snapshot != store.alerts {
                store.alerts = snapshot;
                alerts_changed = true;
            }
        }
        if changed || alerts_changed {
            metrics_tx.send_replace(crate::metrics::render(&store));
        }
    }
    server.abort();
    for t in tasks {
        t.abort();
    }
    Ok(EXIT_OK)
}

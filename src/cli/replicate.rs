//! `cdc-console replicate`: the replicator headless, until Ctrl-C or SIGTERM (or, with
//! `--until-idle`, until every partition is applied up to its high watermark; `--time-limit`
//! bounds either).

use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::replicator::{self, Options};

pub async fn run(config: &Config, opts: &Options, output: Output) -> anyhow::Result<u8> {
    let stop = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let snap = replicator::run(config, opts, stop, tx).await?;
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&snap)?),
        Output::Table => {
            println!(
                "{} change events applied in {} batches ({:.0}/s), applied LSN {}, {} dead letters",
                snap.events,
                snap.batches,
                snap.rows_per_sec,
                snap.applied_lsn.as_deref().unwrap_or("-"),
                snap.dead_letters
            );
            let l = snap.commit_latency_ms;
            if l.count > 0 {
                let m = crate::units::millis;
                println!(
                    "  source commit → replica commit (last minute): p50 {}, p99 {}, max {} over {} events",
                    m(l.p50),
                    m(l.p99),
                    m(l.max),
                    l.count
                );
            }
            for r in &snap.replicas {
                println!(
                    "  {} → {}: {} applied{}",
                    r.name,
                    r.sink,
                    r.applied_events,
                    r.error.as_ref().map(|e| format!(", STOPPED: {e}")).unwrap_or_default()
                );
            }
        }
    }
    if let Some(e) = &snap.error {
        eprintln!("cdc-console: replicate: {e}");
        return Ok(EXIT_DOWN);
    }
    Ok(EXIT_OK)
}

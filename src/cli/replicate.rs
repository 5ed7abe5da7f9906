//! `cdc-console replicate`: the replicator headless, until Ctrl-C or SIGTERM (or, with
//! `--until-idle`, until every partition is applied up to its high watermark; `--time-limit`
//! bounds either).

use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::replicator::Options;
use crate::pipeline::retry::{self, Ended, Supervision};

/// Retries what is worth retrying (each retry on stderr) unless `how` is fail-fast.
pub async fn run(
    config: &Config,
    opts: &Options,
    how: Supervision,
    output: Output,
) -> anyhow::Result<u8> {
    let stop = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    let (tx, rx) = tokio::sync::watch::channel(Default::default());
    let said = |r: Option<&retry::Retrying>| super::say_retrying("replicate", r);
    let snap = match retry::replicator(config, opts, how, stop, tx, said).await {
        Ended::Ran(snap) => snap,
        Ended::Failed(e) => return Err(e.into()),
        // Stopped while waiting to retry: what the last attempt got to.
        Ended::Stopped(e) => {
            // Down when stopped: exits as a failure would (said once, below).
            let mut snap = rx.borrow().clone();
            (snap.running, snap.retrying) = (false, None);
            snap.error = Some(format!("stopped while waiting to retry after: {e}"));
            snap
        }
    };
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

//! `cdc-console process [--job NAME]`: one windowed job of the embedded processor headless,
//! until Ctrl-C or SIGTERM (or, with `--until-idle`, until every partition is processed up to
//! its high watermark). `--reset` forgets the job's checkpoints and results first.

use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::processor::Options;
use crate::pipeline::processor::sink;
use crate::pipeline::retry::{self, Ended, Supervision};

pub async fn run(
    config: &Config,
    job: Option<&str>,
    reset: bool,
    opts: &Options,
    how: Supervision,
    output: Output,
) -> anyhow::Result<u8> {
    let job = match job {
        Some(name) => config.jobs.iter().find(|j| j.name == name),
        None => config.jobs.first(),
    };
    let Some(job) = job else {
        let names: Vec<&str> = config.jobs.iter().map(|j| j.name.as_str()).collect();
        eprintln!(
            "cdc-console: process: no such job (configured: {})",
            if names.is_empty() { "none".into() } else { names.join(", ") }
        );
        return Ok(EXIT_ERROR);
    };
    if reset {
        let timeout = config.timeouts.request().max(std::time::Duration::from_secs(5));
        let c = crate::pipeline::connect(&config.sink, timeout, "reset")
            .await
            .map_err(|e| anyhow::anyhow!("{}: {}", config.sink, crate::pg::message(&e)))?;
        sink::reset(&c, job).await?;
    }
    let stop = async {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    let (_pause_tx, paused) = tokio::sync::watch::channel(false);
    let (tx, rx) = tokio::sync::watch::channel(Default::default());
    let said = |r: Option<&retry::Retrying>| super::say_retrying("process", r);
    let snap = match retry::processor(config, job, opts, how, paused, stop, tx, said).await {
        Ended::Ran(s) => s,
        Ended::Failed(e) => {
            eprintln!("cdc-console: process: {e}");
            return Ok(EXIT_ERROR);
        }
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
            let s = snap.stats.as_ref();
            println!(
                "job {}: {} change events ({:.0}/s), {} checkpoints, job watermark {}, {} open and {} fired windows, {} late events, {} dead letters",
                snap.job,
                snap.events,
                snap.events_per_sec,
                snap.checkpoints,
                s.and_then(|s| s.job_watermark).map_or("-".into(), crate::units::epoch_ms),
                s.map_or(0, |s| s.open_windows),
                s.map_or(0, |s| s.fired_windows),
                snap.late_events,
                snap.dead_letters
            );
            let f = snap.firing_delay_ms;
            if f.count > 0 {
                println!(
                    "  firing delay (watermark past a window's end → result committed): p50 {} ms, p99 {} ms, max {} ms over {} windows",
                    f.p50, f.p99, f.max, f.count
                );
            }
        }
    }
    if let Some(e) = &snap.error {
        eprintln!("cdc-console: process: {e}");
        return Ok(EXIT_DOWN);
    }
    Ok(EXIT_OK)
}

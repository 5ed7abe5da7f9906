//! `cdc-console generate`: the workload from the command line, stopped by its duration or Ctrl-C.

use crate::cli::{EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::generator::{Report, Settings};
use crate::pipeline::retry::{self, Ended, Supervision};

/// Retries what is worth retrying (each retry on stderr; the duration starts again with each
/// attempt) unless `how` is fail-fast.
pub async fn run(
    config: &Config,
    settings: &Settings,
    how: Supervision,
    output: Output,
) -> anyhow::Result<u8> {
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let (_keep, rate) = tokio::sync::watch::channel(settings.rate);
    let said = |r: Option<&retry::Retrying>| super::say_retrying("generate", r);
    let report = match retry::generator(&config.source, settings, how, rate, stop, None, said).await
    {
        Ended::Ran(report) => report,
        Ended::Failed(e) => return Err(e.into()),
        Ended::Stopped(e) => {
            eprintln!("cdc-console: generate: stopped while waiting to retry after: {e}");
            Report::default()
        }
    };
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Output::Table => println!(
            "{} changes in {:.1}s: {:.0} changes/s achieved, {} targeted ({} inserts, {} updates, {} deletes in {} transactions)",
            report.changes,
            report.elapsed_seconds,
            report.achieved_rate,
            report.target_rate,
            report.inserts,
            report.updates,
            report.deletes,
            report.transactions
        ),
    }
    Ok(EXIT_OK)
}

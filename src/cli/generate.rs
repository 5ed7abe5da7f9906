//! `cdc-console generate`: the workload from the command line, stopped by its duration or Ctrl-C.

use crate::cli::{EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::generator::{self, Settings};

pub async fn run(config: &Config, settings: &Settings, output: Output) -> anyhow::Result<u8> {
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = generator::run(&config.source, settings, stop).await?;
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

//! `cdc-console latency`: samples the change topics for a while and prints per-stage percentiles.

use crate::cli::table::Table;
use crate::cli::{EXIT_OK, Output};
use crate::collectors::latency;
use crate::config::Config;

pub async fn run(
    config: &Config,
    window: std::time::Duration,
    output: Output,
) -> anyhow::Result<u8> {
    let snap = latency::sample(config, window).await?;
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&snap)?),
        Output::Table => {
            let mut t = Table::new(&[
                "stage", "events", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms",
            ]);
            for s in &snap.stages {
                let m = s.ms;
                t.row(vec![
                    s.stage.label().into(),
                    m.count.to_string(),
                    m.p50.to_string(),
                    m.p90.to_string(),
                    m.p99.to_string(),
                    m.p999.to_string(),
                    m.max.to_string(),
                ]);
            }
            print!("{}", t.render());
            if snap.events == 0 {
                println!(
                    "(no change events in {}: is anything writing to the source?)",
                    humantime::format_duration(window)
                );
            }
            if snap.undecodable > 0 {
                println!("({} records were not Debezium change events)", snap.undecodable);
            }
        }
    }
    Ok(EXIT_OK)
}

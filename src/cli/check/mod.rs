//! `cdc-console check`: the consistency gate for CI. Stage health, consumer-group lag and a
//! diff of each replica run at once as named checks, each passed, failed or not run with a
//! one-line reason; a summary table (or JSON) and optionally JUnit XML for the CI's test report.
//!
//! Exit codes: 0 every check passed; 1 a check failed (a finding stands even when another
//! check could not run); 2 nothing failed but a check could not run, or the configuration or
//! arguments are wrong.

mod consistency;
mod health;
mod junit;
mod lag;
mod model;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::cli::{EXIT_ERROR, EXIT_OK, Output};
use crate::config::Config;
pub use model::{Check, Kind, Outcome};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Diff only this replica (repeatable; default: every configured replica).
    #[arg(long = "replica", value_name = "NAME")]
    pub replicas: Vec<String>,
    /// Also judge this consumer group's lag, on every topic it consumes (repeatable); the
    /// replicator's and each processor job's groups are always judged, on their own topics.
    #[arg(long = "group", value_name = "NAME")]
    pub groups: Vec<String>,
    /// Fail when a partition's lag exceeds this many seconds (from the record at the committed
    /// offset).
    #[arg(long, default_value_t = 60.0, value_name = "N")]
    pub max_lag_seconds: f64,
    /// Fail when a partition's lag exceeds this many offsets (default: not judged in offsets).
    #[arg(long, value_name = "OFFSETS")]
    pub max_lag: Option<u64>,
    /// How long rows still in flight are diffed again before they count as a failure.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub settle: Duration,
    /// Also write the checks as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[arg(short, long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Serialize)]
struct Report<'a> {
    passed: bool,
    exit_code: u8,
    took_ms: u64,
    checks: &'a [Check],
}

pub async fn run(config: &Config, args: &CheckArgs) -> anyhow::Result<u8> {
    let replicas = replicas(config, &args.replicas)?;
    let (at, started) = (SystemTime::now(), Instant::now());
    let limits = lag::Limits { offsets: args.max_lag, seconds: args.max_lag_seconds };
    let (mut checks, lag, consistency) = tokio::join!(
        health(config),
        lag::checks(config, &args.groups, limits),
        consistency::checks(config, &replicas, args.settle),
    );
    checks.extend(lag);
    checks.extend(consistency);
    let took = started.elapsed();
    let mut code = model::exit_code(&checks);
    match args.output {
        Output::Json => {
            let report = Report {
                passed: code == EXIT_OK,
                exit_code: code,
                took_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
                checks: &checks,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Output::Table => print!("{}", model::render(&checks)),
    }
    if let Some(file) = &args.junit {
        let xml = junit::render(&checks, took, &crate::store::rfc3339(at));
        if let Err(e) = std::fs::write(file, xml) {
            eprintln!("cdc-console: check: writing the JUnit report {}: {e}", file.display());
            if code == EXIT_OK {
                code = EXIT_ERROR;
            }
        }
    }
    Ok(code)
}

/// The replicas to diff: every configured one, or those named (each must be configured).
fn replicas(config: &Config, named: &[String]) -> anyhow::Result<Vec<String>> {
    let known: Vec<&str> = config.replicas.iter().map(|r| r.name.as_str()).collect();
    if let Some(unknown) = named.iter().find(|n| !known.contains(&n.as_str())) {
        anyhow::bail!(
            "check: no replica {unknown:?} in the configuration (configured: {})",
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        );
    }
    Ok(if named.is_empty() {
        known.iter().map(|s| (*s).to_string()).collect()
    } else {
        named.to_vec()
    })
}

/// Every backend polled once, as `status` does, and judged.
async fn health(config: &Config) -> Vec<Check> {
    let started = Instant::now();
    let mut store = crate::store::Store::new(config);
    for update in crate::collectors::collect_once(config).await {
        store.apply(update);
    }
    health::checks(&store, started.elapsed())
}

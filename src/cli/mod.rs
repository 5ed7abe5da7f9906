//! The command line: no subcommand opens the TUI; subcommands print tables or JSON for scripts.

mod generate;
mod status;
pub mod table;


use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config;

/// Everything is fine (or, for `status`, every stage is up or degraded).
pub const EXIT_OK: u8 = 0;
/// A stage is down.
pub const EXIT_DOWN: u8 = 1;
/// The console itself could not do what was asked: bad config, bad arguments, I/O error.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(name = "cdc-console", version, about = "Drive and inspect a PostgreSQL → Debezium → Kafka → PostgreSQL CDC pipeline.\n\nWithout a subcommand, opens the console.")]
pub struct Cli {
    /// Configuration file (default: $XDG_CONFIG_HOME/cdc-console/config.toml when it exists).
    #[arg(long, global = true, env = "CDC_CONSOLE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Health of every stage: endpoints, Connect version, connectors and tasks, brokers,
    /// topics, replication slots. Exits 1 when a stage is down.
    Status {
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Write a seeded mix of inserts, updates and deletes into the source at a set rate.
    Generate {
        /// Changes per second.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// How long to run, e.g. 30s, 5m (default: until Ctrl-C).
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<std::time::Duration>,
        /// Seed of the workload; the same seed plans the same changes.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Weights of the change kinds.
        #[arg(long, default_value = "insert=50,update=35,delete=15")]
        mix: crate::pipeline::generator::Mix,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let _log = crate::logging::init();
    let (config, source) = config::load(cli.config.as_deref())?;
    tracing::info!(?source, "configuration loaded");
    let rt = tokio::runtime::Runtime::new()?;
    let code = match cli.command {
        None => rt.block_on(crate::app::run(config))?,
        Some(Command::Status { output }) => rt.block_on(status::run(&config, output))?,
        Some(Command::Generate { rate, duration, seed, mix, output }) => {
            let settings = crate::pipeline::generator::Settings { rate, duration, seed, mix };
            rt.block_on(generate::run(&config, &settings, output))?
        }
    };
    // Collector tasks may sit in a blocking librdkafka call; do not wait for them to notice.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(ExitCode::from(code))
}

//! The command line: no subcommand opens the TUI; subcommands print tables or JSON for scripts.

mod brokers;
mod connectors;
mod diff;
mod generate;
mod process;
mod replicate;
mod groups;
mod latency;
mod serve;
mod slots;
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
/// The console itself could not do what was asked: bad config, bad arguments, I/O error, or a
/// backend refused the request (its answer is printed verbatim).
pub const EXIT_ERROR: u8 = 2;
/// A mutating command refused because of `--read-only`.
pub const EXIT_REFUSED: u8 = 3;

#[derive(Debug, Parser)]
#[command(name = "cdc-console", version, about = "Drive and inspect a PostgreSQL → Debezium → Kafka → PostgreSQL CDC pipeline.\n\nWithout a subcommand, opens the console.")]
pub struct Cli {
    /// Configuration file (default: $XDG_CONFIG_HOME/cdc-console/config.toml when it exists).
    #[arg(long, global = true, env = "CDC_CONSOLE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Refuse every mutating action (connector pause/resume/stop/restart/delete/apply, generator).
    #[arg(long, global = true, env = "CDC_CONSOLE_READ_ONLY")]
    pub read_only: bool,
    /// Colour theme: a built-in name (default, light, high-contrast), a name of your own in
    /// ~/.config/cdc-console/themes/, or a path to a TOML file (default: `[ui] theme`).
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Key bindings file (default: `[ui] keymap`, else ~/.config/cdc-console/keymap.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub keymap: Option<PathBuf>,
    /// Serve Prometheus metrics (lag, verdicts, connector states, slot lag, latency) on this
    /// address, e.g. 127.0.0.1:9464, while the console or `serve` runs.
    #[arg(long, global = true, value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
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
    /// Brokers: id, address, rack, controller, client-side state and round-trip time.
    Brokers {
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Topics and partitions: leader, replicas, ISR, under-replicated, offline, offsets, rate.
    Topics {
        /// Also list internal topics (`__consumer_offsets`, Connect's own).
        #[arg(long)]
        internal: bool,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Consumer groups: state, members, total and max lag, verdict. Exits 1 when a group's
    /// verdict is ERR, 2 when the groups cannot be read.
    Groups {
        /// Poll offsets this long before judging, e.g. 30s (see `lag --help`).
        #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
        window: std::time::Duration,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Lag per partition (as kafka-consumer-groups --describe), in offsets and seconds, with
    /// Burrow's verdict. Exits 1 when a shown group's verdict is ERR (a partition STOP, STALL or
    /// REWIND), 2 when the groups cannot be read.
    Lag {
        /// Only this group.
        group: Option<String>,
        /// Poll offsets this long before judging, e.g. 30s. Burrow's verdicts need several commits
        /// per partition; with the default single poll they are OK by rule.
        #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
        window: std::time::Duration,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Kafka Connect connectors: read and act (kcctl-like).
    Connectors {
        /// Which configured Connect cluster (default: the first).
        #[arg(long, global = true)]
        cluster: Option<String>,
        #[command(subcommand)]
        verb: ConnectorVerb,
    },
    /// Replication slots on the source: plugin, active, LSNs, WAL retained and lag.
    Slots {
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// End-to-end latency per stage (source commit → Debezium → broker → console), p50 to max.
    Latency {
        /// How long to sample the change topics.
        #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
        window: std::time::Duration,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Run the collectors headless and serve Prometheus metrics on --metrics-addr.
    Serve,
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
    /// Maintain the configured replica tables in the sink from the Debezium topics, exactly
    /// once, until Ctrl-C or SIGTERM.
    Replicate {
        /// Stop once every partition is applied up to its high watermark.
        #[arg(long)]
        until_idle: bool,
        /// Most events in one batch (one sink transaction).
        #[arg(long, default_value_t = 20_000)]
        max_batch: usize,
        /// Give up after this long (e.g. `5m`); exits 1 if it had not caught up with
        /// `--until-idle`.
        #[arg(long, value_parser = humantime::parse_duration)]
        time_limit: Option<std::time::Duration>,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Run a windowed job of the embedded processor headless, exactly once into the sink, until
    /// Ctrl-C or SIGTERM.
    Process {
        /// The job (default: the first configured `[[jobs]]`).
        #[arg(long)]
        job: Option<String>,
        /// Stop once every partition is processed up to its high watermark.
        #[arg(long)]
        until_idle: bool,
        /// Give up after this long (exits 1 if it had not caught up with `--until-idle`).
        #[arg(long, value_parser = humantime::parse_duration)]
        time_limit: Option<std::time::Duration>,
        /// First forget the job's checkpoints, partial results, late events and output rows,
        /// and start again from the beginning of its topics.
        #[arg(long)]
        reset: bool,
        /// Join the job's consumer group: several instances split the partitions, handing
        /// state over through the checkpoints (without it, one instance takes them all).
        #[arg(long)]
        group: bool,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Row diff of source and sink tables by checksum bisection. Exits 0 when consistent, 1 when
    /// diverged, 2 on error.
    Diff {
        /// A configured replica's name (compared through its column mapping and filter, bracketed
        /// by its progress), or SOURCE_TABLE[=SINK_TABLE]. Default: every configured replica.
        tables: Vec<String>,
        /// Segments per split.
        #[arg(long, default_value_t = 32)]
        factor: u32,
        /// Segments of at most this many rows are compared row by row.
        #[arg(long, default_value_t = 16384)]
        threshold: u64,
        /// Concurrent queries per database.
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Live pipeline: the consumer in the sink's cdc.progress whose applied LSN brackets reads
        /// (default for a replica: the replica).
        #[arg(long)]
        consumer: Option<String>,
        /// How long to wait for the consumer to apply past a differing segment.
        #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
        settle: std::time::Duration,
        /// Row hash: pg (typed PostgreSQL hash functions, ~5× faster than md5; used when both
        /// servers have the same major version, else md5) or md5 (portable, data-diff's).
        #[arg(long, default_value = "pg", value_parser = ["md5", "pg"])]
        hash: String,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConnectorVerb {
    /// List connectors with state and tasks.
    Get {
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// One connector: config (secrets masked), tasks with traces, topics, offsets.
    Describe {
        name: String,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Create or update connectors from a JSON file ({"name", "config"}, or a list of them).
    Apply {
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
    },
    Pause { name: String },
    Resume { name: String },
    /// Stop the connector and its tasks (kept registered, offsets kept).
    Stop { name: String },
    /// Restart the connector with all its tasks, only the failed ones, or one task.
    Restart {
        name: String,
        #[arg(long, value_enum, default_value_t = RestartTasks::All, conflicts_with = "task")]
        tasks: RestartTasks,
        /// Restart only this task.
        #[arg(long)]
        task: Option<u32>,
    },
    /// Delete the connector. Asks for its name unless --yes.
    Delete {
        name: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RestartTasks {
    All,
    Failed,
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
        None => {
            // Theme and keymap errors are config errors: reported before the screen is taken.
            let dir = config::user_config_dir();
            let theme = config::theme::load(cli.theme.as_deref().or(config.ui.theme.as_deref()), dir.as_deref())?;
            let keymap = config::keymap::load(cli.keymap.as_deref().or(config.ui.keymap.as_deref()), dir.as_deref())?;
            rt.block_on(crate::app::run(config, theme, keymap, cli.read_only, cli.metrics_addr))?
        }
        Some(Command::Status { output }) => rt.block_on(status::run(&config, output))?,
        Some(Command::Brokers { output }) => rt.block_on(brokers::brokers(&config, output))?,
        Some(Command::Topics { internal, output }) => rt.block_on(brokers::topics(&config, internal, output))?,
        Some(Command::Groups { window, output }) => rt.block_on(groups::groups(&config, window, output))?,
        Some(Command::Lag { group, window, output }) => rt.block_on(groups::lag(&config, group.as_deref(), window, output))?,
        Some(Command::Connectors { cluster, verb }) => {
            rt.block_on(connectors::run(&config, cluster.as_deref(), verb, cli.read_only))?
        }
        Some(Command::Slots { output }) => rt.block_on(slots::run(&config, output))?,
        Some(Command::Latency { window, output }) => rt.block_on(latency::run(&config, window, output))?,
        Some(Command::Serve) => rt.block_on(serve::run(&config, cli.metrics_addr))?,
        Some(Command::Generate { .. }) if cli.read_only => refused("generate writes into the source")?,
        Some(Command::Generate { rate, duration, seed, mix, output }) => {
            let settings = crate::pipeline::generator::Settings { rate, duration, seed, mix };
            rt.block_on(generate::run(&config, &settings, output))?
        }
        Some(Command::Diff { tables, factor, threshold, connections, consumer, settle, hash, output }) => {
            let hash = if hash == "pg" { crate::pipeline::diff::checksum::Hash::Pg } else { crate::pipeline::diff::checksum::Hash::Md5 };
            let kafka = Some(crate::collectors::kafka::client_config(&config));
            let opts = crate::pipeline::diff::Options { factor, threshold, connections, consumer, settle, hash, kafka };
            rt.block_on(diff::run(&config, &tables, &opts, output))?
        }
        Some(Command::Process { .. }) if cli.read_only => refused("process writes into the sink")?,
        Some(Command::Process { job, until_idle, time_limit, reset, group, output }) => {
            let opts = crate::pipeline::processor::run::Options { until_idle, time_limit, group, ..Default::default() };
            rt.block_on(process::run(&config, job.as_deref(), reset, &opts, output))?
        }
        Some(Command::Replicate { .. }) if cli.read_only => refused("replicate writes into the sink")?,
        Some(Command::Replicate { until_idle, max_batch, time_limit, output }) => {
            let opts = crate::pipeline::replicator::Options { until_idle, max_batch, time_limit, ..Default::default() };
            rt.block_on(replicate::run(&config, &opts, output))?
        }
    };
    // Collector tasks may sit in a blocking librdkafka call; do not wait for them to notice.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(ExitCode::from(code))
}

/// The message and exit code for a mutation refused by `--read-only`.
pub fn refused(what: &str) -> anyhow::Result<u8> {
    eprintln!("cdc-console: refused in --read-only mode: {what}");
    Ok(EXIT_REFUSED)
}

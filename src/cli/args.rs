//! The command line's arguments: global flags and one subcommand per view or action.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cdc-console",
    version,
    about = "Drive and inspect a PostgreSQL → Debezium → Kafka → PostgreSQL CDC pipeline.\n\nWithout a subcommand, opens the console."
)]
pub struct Cli {
    /// Configuration file (default: $XDG_CONFIG_HOME/cdc-console/config.toml when it exists).
    #[arg(long, global = true, env = "CDC_CONSOLE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The context (named environment of the config file) to use (default: the file's
    /// `context`). `cdc-console contexts` lists them.
    #[arg(long, global = true, env = "CDC_CONSOLE_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,
    /// Refuse every mutating action (connector pause/resume/stop/restart/delete/apply, generator,
    /// replicator, processor, dead-letters purge and redrive).
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
    /// The config file's contexts: name, the one in use (*), read-only, and their endpoints.
    Contexts {
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
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
    /// Dead letters in the sink (`cdc.dead_letters`), per consumer: replica:<name>, job:<name>.
    DeadLetters {
        #[command(subcommand)]
        verb: DeadLetterVerb,
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
        /// Exit at the first error instead of retrying the errors worth retrying (with backoff,
        /// 1 s doubling to 30 s).
        #[arg(long)]
        fail_fast: bool,
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
        /// Exit at the first error instead of retrying the errors worth retrying (with backoff,
        /// 1 s doubling to 30 s).
        #[arg(long)]
        fail_fast: bool,
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
        /// Exit at the first error instead of retrying the errors worth retrying (with backoff,
        /// 1 s doubling to 30 s).
        #[arg(long)]
        fail_fast: bool,
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
    Pause {
        name: String,
    },
    Resume {
        name: String,
    },
    /// Stop the connector and its tasks (kept registered, offsets kept).
    Stop {
        name: String,
    },
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

#[derive(Debug, Subcommand)]
pub enum DeadLetterVerb {
    /// Per consumer: the letters counted, reasons grouped with counts, first and last seen.
    List {
        /// Only this consumer's (`replica:<name>` or `job:<name>`).
        #[arg(long)]
        consumer: Option<String>,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// One letter, by its id or by consumer and offset: where it came from, key and payload, why.
    Show {
        /// The letter's id (see `list`'s newest letters, or the console's view).
        #[arg(required_unless_present = "offset", conflicts_with_all = ["consumer", "offset"])]
        id: Option<i64>,
        #[arg(long, requires = "offset")]
        consumer: Option<String>,
        #[arg(long, requires = "consumer")]
        offset: Option<i64>,
        /// Narrows --offset to a topic.
        #[arg(long, requires = "offset")]
        topic: Option<String>,
        /// Narrows --offset to a partition.
        #[arg(long, requires = "offset")]
        partition: Option<i32>,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Delete a consumer's letters. Asks for the consumer's name unless --yes.
    Purge {
        #[arg(long)]
        consumer: String,
        #[arg(long)]
        yes: bool,
    },
    /// Re-apply a replica's letters once their cause is fixed (in the config or the code),
    /// through the replica as configured now, exactly once: a letter a later change of its row
    /// superseded applies nothing. Asks for the consumer's name unless --yes. Exits 1 when a
    /// letter stays outstanding (refused again, or not verifiable).
    Redrive {
        /// The replica's letters: replica:<name> (a job's cannot be redriven: the error says
        /// what to do instead).
        #[arg(long)]
        consumer: String,
        /// These letters (see `list` and `show`); repeatable.
        #[arg(long = "id", value_name = "ID", num_args = 1.., required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<i64>,
        /// Every outstanding letter of the consumer.
        #[arg(long)]
        all: bool,
        /// Do not ask first (needed without a terminal).
        #[arg(long)]
        yes: bool,
        /// Most records read per letter to rule out a later change of its row (from the letter
        /// to the replica's stored offset); a letter that needs more stays outstanding.
        #[arg(long, default_value_t = 5_000_000, value_name = "RECORDS")]
        max_scan: u64,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
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

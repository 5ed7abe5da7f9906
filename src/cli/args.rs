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
    /// The Flink session cluster's jobs (`[flink] rest`): state, uptime, restarts, checkpoints,
    /// watermarks, backpressure, rates, source lag; cancel, stop with a savepoint, restart
    /// from the last savepoint. Without a verb: `jobs`.
    Flink {
        #[command(subcommand)]
        verb: Option<FlinkVerb>,
        #[arg(short, long, global = true, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Dead letters in the sink (`cdc.dead_letters`), per consumer: replica:<name>, job:<name>.
    DeadLetters {
        #[command(subcommand)]
        verb: DeadLetterVerb,
    },
    /// Replication slots on the source with the slot guard: WAL status, retained WAL and its
    /// growth, time until max_slot_wal_keep_size invalidates a slot, inactive since, and the
    /// idle-source doctor. Exits 1 when a slot is amber or red.
    Slots {
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
        /// Reads the source twice this far apart: rates (WAL growth, time to the limit, source
        /// changes/s) need two polls. 0s reads once.
        #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
        sample: std::time::Duration,
    },
    /// End-to-end latency per stage (source commit → Debezium → broker → console), p50 to max.
    Latency {
        /// How long to sample the change topics.
        #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
        window: std::time::Duration,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// The alert rules evaluated on the backends read for --sample: the alerts whose
    /// conditions hold (pending or firing per their `for`). Exits 1 when any is firing.
    Alerts {
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
        /// How long the collectors run before the rules are judged.
        #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
        sample: std::time::Duration,
        /// List the effective rules (built-in or the config's; disabled ones marked) instead.
        #[arg(long)]
        rules: bool,
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
        /// Print the job as Flink SQL (the sink password as a placeholder) and exit; where
        /// Flink cannot run it as the processor does, the SQL's header says how it differs.
        #[arg(long, conflicts_with = "on")]
        flink_sql: bool,
        /// Where the job runs: the embedded processor (the default), or the Flink cluster of
        /// `[flink]` (creates the output table + `flink.output_suffix`, submits the SQL through
        /// the SQL gateway, records the submission in the sink and prints the Flink job id).
        #[arg(long, value_enum, default_value_t = Engine::Embedded)]
        on: Engine,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// A change topic's events: partition, offset, time, key, op, LSN, txId and the column
    /// diff of before and after (`*` changed). The newest 20 by default; with --key or --where,
    /// the whole topic (a key's history over every partition, its own partition first). Exits 1
    /// when a key or filter matched nothing.
    Events(super::events::Ask),
    /// A row's whole story: the source row now, the row in each replica of the table, the key's
    /// change events (offsets, LSNs, txIds) and where each replica's replicator stands, with a
    /// verdict per replica: in sync, in flight (it will settle) or diverged (it will not). Exits
    /// 0 when every replica is in sync or in flight, 1 when one diverged, 2 on error.
    Row {
        /// The source table, schema.table (e.g. public.orders).
        table: String,
        /// The primary key as JSON ('{"order_id":42}'), or a bare value for a one-column key.
        key: String,
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
    /// The consistency gate for CI: stage health, consumer-group lag against thresholds and a
    /// diff of each replica, as named checks with a summary (and JUnit XML with --junit).
    /// Exits 0 when all pass, 1 when one fails, 2 when one could not run.
    Check(super::check::CheckArgs),
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
    /// Stored offsets (Kafka Connect's offsets API), with Debezium PostgreSQL's three-way LSN
    /// check; set or reset them through stop → change → resume.
    Offsets {
        #[command(subcommand)]
        verb: OffsetsVerb,
    },
    /// Incremental snapshots through Debezium's signals: start one of --tables, --stop, --pause
    /// or --resume it; without any, the latest snapshot's progress (from the notifications).
    Snapshot(SnapshotArgs),
}

#[derive(Debug, clap::Args)]
#[expect(clippy::struct_excessive_bools, reason = "clap's switches, made exclusive by clap")]
pub struct SnapshotArgs {
    pub name: String,
    /// Tables to snapshot (`schema.table`, `public.` when bare), comma-separated; with --stop,
    /// only these are taken out of the running snapshot.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub tables: Vec<String>,
    /// Debezium's snapshot type (the console sends incremental ones).
    #[arg(long, value_enum, default_value_t = SnapshotKind::Incremental)]
    pub kind: SnapshotKind,
    /// The signal channel: the signal table (`source`, the default when enabled) or the Kafka
    /// signal topic.
    #[arg(long, value_enum)]
    pub channel: Option<SignalChannel>,
    #[arg(long, conflicts_with_all = ["pause", "resume"])]
    pub stop: bool,
    #[arg(long, conflicts_with_all = ["stop", "resume", "tables"])]
    pub pause: bool,
    #[arg(long, conflicts_with_all = ["stop", "pause", "tables"])]
    pub resume: bool,
    /// Follow the progress until the snapshot completes or is aborted, with a progress line.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long (exit 1).
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    #[arg(short, long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotKind {
    Incremental,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignalChannel {
    Source,
    Kafka,
}

#[derive(Debug, Subcommand)]
pub enum OffsetsVerb {
    /// The stored offsets; for Debezium PostgreSQL, the offset's LSN against the slot's
    /// confirmed_flush_lsn and the source's current WAL, with a verdict. Exits 1 when the
    /// verdict is an error (changes would be lost, or the connector cannot start).
    Get {
        name: String,
        #[arg(short, long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Make the connector resume at an LSN (Debezium PostgreSQL), or store a raw offsets body.
    /// Asks for the connector's name unless --yes.
    Set {
        name: String,
        /// 0/16B3A20 (as PostgreSQL writes it) or an integer: changes committed after it are
        /// emitted (again) on resume.
        #[arg(long, required_unless_present = "json", conflicts_with = "json")]
        lsn: Option<String>,
        /// A raw body for `PATCH /connectors/NAME/offsets`: {"offsets": [{"partition": {…},
        /// "offset": {…}}]}, or @FILE.
        #[arg(long)]
        json: Option<String>,
        /// Set it even when the check says changes would be lost.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        yes: bool,
    },
    /// Forget the stored offsets: the connector starts afresh (Debezium: per snapshot.mode).
    /// Asks for the connector's name unless --yes.
    Reset {
        name: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FlinkVerb {
    /// Every job the JobManager knows (live ones watched in detail), with its console job.
    Jobs,
    /// One job: vertices with parallelism, watermark, backpressure and rates, checkpoints,
    /// exceptions. ID is a Flink job id or a console job's name (its newest run).
    Job { id: String },
    /// Cancel the job (no savepoint). Asks for the job's name unless --yes.
    Cancel {
        id: String,
        #[arg(long)]
        yes: bool,
    },
    /// Stop the job with a savepoint (not drained) and print the savepoint's path. Asks for the
    /// job's name unless --yes.
    Stop {
        id: String,
        /// Where the savepoint goes, as the cluster sees it (default: `[flink] savepoint_dir`,
        /// else the cluster's own).
        #[arg(long, value_name = "DIR")]
        savepoint_dir: Option<String>,
        /// How long to wait for the savepoint.
        #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
        wait: std::time::Duration,
        #[arg(long)]
        yes: bool,
    },
    /// Submit a console job again from its last savepoint (its newest stopped Flink run's).
    /// Asks for the job's name unless --yes.
    Restart {
        job: String,
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

/// Where `process` runs a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    Embedded,
    Flink,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

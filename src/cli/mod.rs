//! The command line: no subcommand opens the TUI; subcommands print tables or JSON for scripts.

mod alerts;
mod args;
mod brokers;
pub mod check;
mod confirm;
mod connectors;
mod contexts;
mod deadletters;
mod diff;
mod events;
mod flink;
mod flink_detail;
mod generate;
mod groups;
mod latency;
mod offsets;
mod process;
mod process_flink;
mod redrive;
mod replicate;
mod row;
mod serve;
mod slots;
mod snapshot;
mod status;
pub mod table;

use std::process::ExitCode;

pub use args::{
    Cli, Command, ConnectorVerb, DeadLetterVerb, FlinkVerb, OffsetsVerb, Output, RestartTasks,
    SignalChannel, SnapshotArgs,
};

use crate::config;

/// Everything is fine (or, for `status`, every stage is up or degraded).
pub const EXIT_OK: u8 = 0;
/// A stage is down.
pub const EXIT_DOWN: u8 = 1;
/// The console itself could not do what was asked: bad config, bad arguments, I/O error, or a
/// backend refused the request (its answer is printed verbatim).
pub const EXIT_ERROR: u8 = 2;
/// A mutating command refused because of `--read-only` or a context marked `read_only`.
pub const EXIT_REFUSED: u8 = 3;

#[expect(clippy::too_many_lines, reason = "one arm per subcommand")]
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let _log = crate::logging::init();
    let loaded = config::load_context(cli.config.as_deref(), cli.context.as_deref())?;
    let source = &loaded.source;
    tracing::info!(?source, context = loaded.current, "configuration loaded");
    if let config::ConfigSource::File(file) = source
        && let Some(warning) = config::secret::exposure_warning(file)
    {
        tracing::warn!("{warning}");
        eprintln!("cdc-console: warning: {warning}");
    }
    // At least four workers, whatever the cores: a stage's CPU-bound stretch (staging a large
    // batch, comparing rows) holds a worker, and with two cores two such stretches left no
    // worker to drive the timers, so the screen's clock and the collectors stood still.
    let workers = std::thread::available_parallelism().map_or(4, |n| n.get().max(4));
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build()?;
    let config = loaded.config().clone();
    // A context marked read_only is read-only whatever the flags; --read-only adds to it.
    let read_only = config::ReadOnly::of(cli.read_only, &loaded.current, &config);
    let code = match cli.command {
        Some(Command::Contexts { output }) => contexts::run(&loaded, output)?,
        None => {
            // Theme and keymap errors are config errors: reported before the screen is taken.
            let dir = config::user_config_dir();
            let theme = config::theme::load(
                cli.theme.as_deref().or(config.ui.theme.as_deref()),
                dir.as_deref(),
            )?;
            let keymap = config::keymap::load(
                cli.keymap.as_deref().or(config.ui.keymap.as_deref()),
                dir.as_deref(),
            )?;
            let settings = crate::app::Settings {
                theme,
                keymap,
                read_only: cli.read_only,
                metrics_addr: cli.metrics_addr,
            };
            rt.block_on(crate::app::run(loaded, settings))?
        }
        Some(Command::Check(args)) => rt.block_on(check::run(&config, &args))?,
        Some(Command::Status { output }) => rt.block_on(status::run(&config, output))?,
        Some(Command::Brokers { output }) => rt.block_on(brokers::brokers(&config, output))?,
        Some(Command::Topics { internal, output }) => {
            rt.block_on(brokers::topics(&config, internal, output))?
        }
        Some(Command::Groups { window, output }) => {
            rt.block_on(groups::groups(&config, window, output))?
        }
        Some(Command::Lag { group, window, output }) => {
            rt.block_on(groups::lag(&config, group.as_deref(), window, output))?
        }
        Some(Command::Connectors { cluster, verb }) => {
            rt.block_on(connectors::run(&config, cluster.as_deref(), verb, &read_only))?
        }
        Some(Command::Flink { verb, output }) => {
            rt.block_on(flink::run(&config, verb.unwrap_or(FlinkVerb::Jobs), output, &read_only))?
        }
        Some(Command::DeadLetters { verb: DeadLetterVerb::Purge { consumer, .. } })
            if read_only.is_on() =>
        {
            refused(&read_only, &format!("purging the dead letters of {consumer}"))?
        }
        Some(Command::DeadLetters { verb: DeadLetterVerb::Redrive { consumer, .. } })
            if read_only.is_on() =>
        {
            refused(&read_only, &format!("redriving the dead letters of {consumer}"))?
        }
        Some(Command::DeadLetters { verb }) => rt.block_on(deadletters::run(&config, verb))?,
        Some(Command::Slots { output, sample }) => {
            rt.block_on(slots::run(&config, output, sample))?
        }
        Some(Command::Events(ask)) => rt.block_on(events::run(&config, ask))?,
        Some(Command::Latency { window, output }) => {
            rt.block_on(latency::run(&config, window, output))?
        }
        Some(Command::Alerts { output, sample, rules }) => {
            rt.block_on(alerts::run(&config, output, sample, rules))?
        }
        Some(Command::Serve) => {
            rt.block_on(serve::run(&config, cli.metrics_addr, read_only.is_on()))?
        }
        Some(Command::Generate { .. }) if read_only.is_on() => {
            refused(&read_only, "generate writes into the source")?
        }
        Some(Command::Generate { rate, duration, seed, mix, fail_fast, output }) => {
            let settings = crate::pipeline::generator::Settings { rate, duration, seed, mix };
            rt.block_on(generate::run(&config, &settings, supervision(fail_fast), output))?
        }
        Some(Command::Row { table, key, output }) => {
            rt.block_on(row::run(&config, &table, &key, output))?
        }
        Some(Command::Diff {
            tables,
            factor,
            threshold,
            connections,
            consumer,
            settle,
            hash,
            output,
        }) => {
            let hash = if hash == "pg" {
                crate::pipeline::diff::checksum::Hash::Pg
            } else {
                crate::pipeline::diff::checksum::Hash::Md5
            };
            let kafka = Some(crate::kafka::client_config(&config));
            let opts = crate::pipeline::diff::Options {
                factor,
                threshold,
                connections,
                consumer,
                settle,
                hash,
                kafka,
            };
            rt.block_on(diff::run(&config, &tables, &opts, output))?
        }
        Some(Command::Process { job, flink_sql: true, .. }) => {
            rt.block_on(process_flink::print(&config, job.as_deref()))?
        }
        Some(Command::Process { .. }) if read_only.is_on() => {
            refused(&read_only, "process writes into the sink")?
        }
        Some(Command::Process { job, on: args::Engine::Flink, output, .. }) => {
            rt.block_on(process_flink::submit(&config, job.as_deref(), output))?
        }
        Some(Command::Process {
            job,
            until_idle,
            fail_fast,
            time_limit,
            reset,
            group,
            output,
            ..
        }) => {
            let opts = crate::pipeline::processor::Options {
                until_idle,
                time_limit,
                group,
                ..Default::default()
            };
            let how = supervision(fail_fast);
            rt.block_on(process::run(&config, job.as_deref(), reset, &opts, how, output))?
        }
        Some(Command::Replicate { .. }) if read_only.is_on() => {
            refused(&read_only, "replicate writes into the sink")?
        }
        Some(Command::Replicate { until_idle, max_batch, fail_fast, time_limit, output }) => {
            let opts = crate::pipeline::replicator::Options {
                max_batch,
                until_idle,
                time_limit,
                ..Default::default()
            };
            rt.block_on(replicate::run(&config, &opts, supervision(fail_fast), output))?
        }
    };
    // Collector tasks may sit in a blocking librdkafka call; do not wait for them to notice.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(ExitCode::from(code))
}

/// The message and exit code for a mutation refused by `--read-only` or a read-only context.
pub fn refused(read_only: &config::ReadOnly, what: &str) -> anyhow::Result<u8> {
    eprintln!("cdc-console: {}", read_only.refusal(what));
    Ok(EXIT_REFUSED)
}

/// How a headless stage retries: with the default backoff, or not at all with `--fail-fast`.
fn supervision(fail_fast: bool) -> crate::pipeline::retry::Supervision {
    crate::pipeline::retry::Supervision { fail_fast, ..Default::default() }
}

/// Says on stderr that a headless stage will try again (the supervisor logs it too).
pub fn say_retrying(what: &str, r: Option<&crate::pipeline::retry::Retrying>) {
    if let Some(r) = r {
        let wait = r.next_in(std::time::SystemTime::now());
        eprintln!(
            "cdc-console: {what}: retry {} in {:.1}s (next attempt at {}): {}",
            r.attempt,
            wait.as_secs_f64(),
            crate::units::epoch_ms(i64::try_from(r.next_attempt_at_ms).unwrap_or(i64::MAX)),
            r.reason
        );
    }
}

//! `cdc-console connectors snapshot NAME [--tables t1,t2 | --stop | --pause | --resume] [--wait]`:
//! Debezium's incremental-snapshot signals, sent through the channel the connector's config
//! enables, and the progress its notifications report.
//!
//! Exit codes: 0 sent (or, with --wait, the snapshot completed or the asked change happened);
//! 1 the snapshot was aborted or --timeout passed while waiting; 2 signalling not configured,
//! the connector unknown, a channel refused; 3 refused by read-only (before anything is sent).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK, Output, SignalChannel, SnapshotArgs};
use crate::collectors::connect::Probe;
use crate::collectors::snapshot::{
    Channel, NotificationReader, Signalling, SnapshotError, SnapshotHistory, SnapshotProgress,
    SnapshotSignal, SnapshotStatus, TableState, qualify, read_history, send,
};
use crate::config::Config;

/// What the invocation would change, for the read-only refusal; `None` when it only reads.
pub fn mutation(a: &SnapshotArgs) -> Option<String> {
    signal_of(a).map(|s| format!("connectors snapshot {} ({})", a.name, s.kind()))
}

fn signal_of(a: &SnapshotArgs) -> Option<SnapshotSignal> {
    let tables = || a.tables.iter().map(|t| qualify(t.trim())).collect::<Vec<_>>();
    if a.stop {
        Some(SnapshotSignal::Stop(tables()))
    } else if a.pause {
        Some(SnapshotSignal::Pause)
    } else if a.resume {
        Some(SnapshotSignal::Resume)
    } else if a.tables.is_empty() {
        None
    } else {
        Some(SnapshotSignal::Execute(tables()))
    }
}

#[derive(Serialize)]
struct Report<'a> {
    connector: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<Channel>,
    notification_topic: Option<&'a str>,
    /// The snapshot followed (with --wait), or the latest one notified.
    snapshot: Option<&'a SnapshotProgress>,
}

pub async fn run(config: &Config, probe: &Probe, args: SnapshotArgs) -> anyhow::Result<u8> {
    let detail = match probe.describe(&args.name).await {
        Ok(d) => d,
        Err(e) => return Ok(fail(&e)),
    };
    let signalling = match Signalling::of(&args.name, &detail.connector.config) {
        Ok(s) => s,
        Err(e) => return Ok(fail(&e)),
    };
    let Some(signal) = signal_of(&args) else {
        return status(config, &signalling, args.output).await;
    };
    let asked = args.channel.map(|c| match c {
        SignalChannel::Source => Channel::Source,
        SignalChannel::Kafka => Channel::Kafka,
    });
    let channel = match signalling.channel(asked) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    // Read what is there before sending, so that --wait tells new notifications from old.
    let reader = if args.wait {
        match start_reader(config, &signalling).await {
            Ok(r) => Some(r),
            Err(e) => return Ok(fail(&e)),
        }
    } else {
        None
    };
    let id = match send(config, &signalling, channel, &signal).await {
        Ok(id) => id,
        Err(e) => return Ok(fail(&e)),
    };
    let via = match channel {
        Channel::Source => {
            format!("signal table {}", signalling.signal_table.as_deref().unwrap_or(""))
        }
        Channel::Kafka => {
            format!("signal topic {}", signalling.kafka_topic.as_deref().unwrap_or(""))
        }
    };
    eprintln!("cdc-console: sent {} {id} to {} through the {via}", signal.kind(), args.name);
    let mut report = Report {
        connector: &args.name,
        signal: Some(signal.kind()),
        signal_id: Some(&id),
        channel: Some(channel),
        notification_topic: signalling.notification_topic.as_deref(),
        snapshot: None,
    };
    let Some(reader) = reader else {
        print(&report, args.output)?;
        return Ok(EXIT_OK);
    };
    let (history, followed, code) = follow(reader, signal, id.clone(), args.timeout).await?;
    report.snapshot = followed.as_deref().and_then(|f| history.get(f));
    print(&report, args.output)?;
    Ok(code)
}

async fn start_reader(
    config: &Config,
    s: &Signalling,
) -> Result<NotificationReader, SnapshotError> {
    let mut reader = NotificationReader::new(config, s.notifications()?)?;
    let limit = config.timeouts.request() * 2;
    tokio::task::spawn_blocking(move || reader.catch_up(limit).map(|()| reader)).await.map_err(
        |e| SnapshotError::Notifications { topic: String::new(), message: e.to_string() },
    )?
}

/// Follows the notifications until what was asked shows, or `timeout`: the snapshot an
/// execute-snapshot started, or the one a resume-snapshot resumed, completed or aborted; a new
/// ABORTED (stop) or PAUSED (pause) notification.
async fn follow(
    mut reader: NotificationReader,
    signal: SnapshotSignal,
    id: String,
    timeout: Duration,
) -> anyhow::Result<(SnapshotHistory, Option<String>, u8)> {
    let from = reader.seen.len();
    let expected = match signal {
        SnapshotSignal::Execute(_) => None,
        SnapshotSignal::Stop(_) => Some("ABORTED"),
        SnapshotSignal::Pause => Some("PAUSED"),
        SnapshotSignal::Resume => Some("RESUMED"),
    };
    let outcome = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + timeout;
        // The snapshot to follow: the signal's own, or the one the expected notification names.
        let mut followed = expected.is_none().then(|| id.clone());
        while Instant::now() < deadline {
            if !reader.poll_for(Duration::from_secs(1))? {
                continue;
            }
            if followed.is_none() {
                followed = reader.seen[from..]
                    .iter()
                    .find(|(_, kind)| Some(kind.as_str()) == expected)
                    .map(|(id, _)| id.clone());
            }
            let Some(s) = followed.as_deref().and_then(|f| reader.history.get(f)) else {
                continue;
            };
            eprintln!("{}", progress_line(s));
            let code = match s.status {
                SnapshotStatus::Completed => EXIT_OK,
                SnapshotStatus::Aborted if expected == Some("ABORTED") => EXIT_OK,
                SnapshotStatus::Aborted => EXIT_DOWN,
                _ if matches!(expected, Some("ABORTED" | "PAUSED")) => EXIT_OK,
                _ => continue,
            };
            return Ok((reader.history, followed, code));
        }
        eprintln!("cdc-console: not seen within {}", humantime::format_duration(timeout));
        Ok::<_, SnapshotError>((reader.history, followed, EXIT_DOWN))
    })
    .await?;
    Ok(outcome?)
}

/// One line: status, tables done of all, rows scanned, the table being scanned and its key.
pub fn progress_line(s: &SnapshotProgress) -> String {
    let mut line = format!(
        "snapshot {}: {}, {}/{} tables done, {} rows scanned",
        s.id,
        s.status.word(),
        s.done(),
        s.tables.len(),
        s.rows_scanned()
    );
    if let Some(t) = s.tables.iter().find(|t| t.state == TableState::Scanning) {
        line += &format!("; {} at key {}", t.table, t.last_key.as_deref().unwrap_or("-"));
        if let Some(max) = &t.maximum_key {
            line += &format!(" of {max}");
        }
    }
    line
}

async fn status(config: &Config, s: &Signalling, output: Output) -> anyhow::Result<u8> {
    let history = match s.notifications() {
        Ok(topic) => match read_history(config, topic).await {
            Ok(h) => h,
            Err(e) => return Ok(fail(&e)),
        },
        Err(e) => return Ok(fail(&e)),
    };
    let report = Report {
        connector: &s.connector,
        signal: None,
        signal_id: None,
        channel: None,
        notification_topic: s.notification_topic.as_deref(),
        snapshot: history.latest(),
    };
    print(&report, output)?;
    Ok(EXIT_OK)
}

fn print(r: &Report, output: Output) -> anyhow::Result<()> {
    if output == Output::Json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    let Some(s) = r.snapshot else {
        if r.signal.is_none() {
            println!(
                "(no incremental snapshot notified on {})",
                r.notification_topic.unwrap_or("the notification topic")
            );
        }
        return Ok(());
    };
    println!("{}", progress_line(s));
    let mut t = Table::new(&["table", "state", "rows scanned", "scan", "key", "max key"]);
    for tp in &s.tables {
        t.row(vec![
            tp.table.clone(),
            tp.state.word().to_string(),
            tp.rows_scanned.map_or_else(|| "-".into(), |r| r.to_string()),
            tp.scan_status.clone().unwrap_or_else(|| "-".into()),
            tp.last_key.clone().unwrap_or_else(|| "-".into()),
            tp.maximum_key.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

fn fail(e: &dyn std::fmt::Display) -> u8 {
    eprintln!("cdc-console: {e}");
    EXIT_ERROR
}

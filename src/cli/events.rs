//! `cdc-console events TOPIC`: a change topic's events — partition, offset, time, key, op, LSN,
//! txId and the column diff of before and after — the newest first, from a point, or a key's
//! whole history over every partition; `--follow` then tails the topic live. A progress line on
//! stderr while scanning. Exit code 0; 1 when a key or filter found nothing; 2 on an error.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::events::{
    self, Body, ChangeEvent, ColumnDiff, Filter, Found, Mark, Reader, ScanProgress, SearchOptions,
    Start, Where,
};

/// What `events` was asked (its command line).
#[derive(Debug, Clone, clap::Args)]
pub struct Ask {
    /// The change topic.
    pub topic: String,
    /// The record key as JSON, e.g. '{"order_id":42}' (an object matches keys holding its
    /// fields).
    #[arg(long)]
    pub key: Option<String>,
    /// Only changes whose after or before image has column=value (repeatable).
    #[arg(long = "where", value_name = "COLUMN=VALUE")]
    pub wheres: Vec<String>,
    /// Start at this offset in every partition.
    #[arg(long, group = "start")]
    pub from_offset: Option<i64>,
    /// Start at this time: RFC 3339 (2026-12-06T15:00:00Z) or a time ago (10m).
    #[arg(long, group = "start", value_name = "TIME")]
    pub from_time: Option<String>,
    /// The newest N events, newest first.
    #[arg(long, group = "start", value_name = "N")]
    pub last: Option<u64>,
    /// Only these ops: c (create), u (update), d (delete, and tombstones), r (snapshot read),
    /// t (truncate), comma-separated.
    #[arg(long = "op", value_name = "c,u,d,r")]
    pub ops: Option<String>,
    /// After what was read, tail the topic live until Ctrl-C (`-o json`: one event a line).
    #[arg(long)]
    pub follow: bool,
    /// Most events kept: from a point the first ones, else the newest ones.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub max: usize,
    #[arg(short, long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

impl Ask {
    /// The library's options: with a key or a column filter and no start, the whole topic;
    /// without either, the newest 20.
    pub fn options(&self, timeout: Duration) -> anyhow::Result<SearchOptions> {
        let filter = Filter {
            ops: self.ops.as_deref().map(Filter::parse_ops).transpose()?.unwrap_or_default(),
            key: self.key.as_deref().map(Filter::parse_key).transpose()?,
            wheres: self.wheres.iter().map(|w| Where::parse(w)).collect::<Result<_, _>>()?,
        };
        let start = match (self.from_offset, &self.from_time, self.last) {
            (Some(n), _, _) => Start::Offset(n),
            (_, Some(t), _) => Start::Time(parse_time(t)?),
            (_, _, Some(n)) => Start::Last(n),
            _ if filter.key.is_some() || !filter.wheres.is_empty() => Start::Beginning,
            _ => Start::Last(20),
        };
        let max_events = match start {
            Start::Last(n) => usize::try_from(n).unwrap_or(usize::MAX).min(self.max),
            _ => self.max,
        };
        Ok(SearchOptions { start, filter, max_events, timeout })
    }
}

/// RFC 3339 (`2026-12-06T15:00:00Z`, or without the zone as UTC) or a time ago (`10m`).
pub fn parse_time(s: &str) -> anyhow::Result<i64> {
    let t = match humantime::parse_rfc3339_weak(s) {
        Ok(t) => t,
        Err(_) => match humantime::parse_duration(s) {
            Ok(ago) => std::time::SystemTime::now() - ago,
            Err(_) => anyhow::bail!(
                "--from-time {s:?}: expected an RFC 3339 time (2026-12-06T15:00:00Z) or a time ago (10m)"
            ),
        },
    };
    let ms = t.duration_since(std::time::UNIX_EPOCH)?.as_millis();
    Ok(i64::try_from(ms)?)
}

pub async fn run(config: &Config, ask: Ask) -> anyhow::Result<u8> {
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    let opts = ask.options(timeout)?;
    let client = crate::kafka::client_config(config);
    let (c, topic, o) = (client.clone(), ask.topic.clone(), opts.clone());
    let line = Arc::new(ProgressLine::new());
    let said = line.clone();
    let found = tokio::task::spawn_blocking(move || {
        events::read(&c, &topic, &o, &|p: &ScanProgress| said.show(p))
    })
    .await??;
    line.clear();
    print_found(&ask, &found)?;
    if ask.follow {
        follow(client, &ask, opts, found.next).await?;
        return Ok(EXIT_OK);
    }
    let filtered = !opts.filter.is_empty();
    Ok(if filtered && found.events.is_empty() { EXIT_DOWN } else { EXIT_OK })
}

/// The whole answer for `-o json`.
#[derive(Serialize)]
struct Answer<'a> {
    topic: &'a str,
    events: Vec<Shown<'a>>,
    newest_first: bool,
    scanned: u64,
    matched: u64,
    truncated: bool,
    key_partition: Option<i32>,
}

/// An event with its column diff.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    event: &'a ChangeEvent,
    time: Option<String>,
    diff: Vec<ColumnDiff>,
}

impl<'a> Shown<'a> {
    fn of(event: &'a ChangeEvent) -> Self {
        Self { event, time: event.timestamp_ms.map(crate::units::epoch_ms), diff: event.diff() }
    }
}

fn print_found(ask: &Ask, found: &Found) -> anyhow::Result<()> {
    match ask.output {
        Output::Json if ask.follow => {
            for e in &found.events {
                println!("{}", serde_json::to_string(&Shown::of(e))?);
            }
        }
        Output::Json => {
            let answer = Answer {
                topic: &ask.topic,
                events: found.events.iter().map(Shown::of).collect(),
                newest_first: found.newest_first,
                scanned: found.scanned,
                matched: found.matched,
                truncated: found.truncated,
                key_partition: found.key_partition,
            };
            println!("{}", serde_json::to_string_pretty(&answer)?);
        }
        Output::Table => {
            print!("{}", render(&found.events, true));
            let kept = found.events.len();
            let mut summary = format!("{kept} events ({} records read", found.scanned);
            if let Some(p) = found.key_partition {
                summary.push_str(&format!(", the key's partition {p} first"));
            }
            summary.push(')');
            if found.truncated {
                summary.push_str(&format!("; {} matched, only {kept} kept (--max)", found.matched));
            }
            eprintln!("{summary}");
        }
    }
    Ok(())
}

/// Tails the topic from where the read ended until Ctrl-C, printing each kept event.
async fn follow(
    client: rdkafka::ClientConfig,
    ask: &Ask,
    opts: SearchOptions,
    next: std::collections::BTreeMap<i32, i64>,
) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let (topic, output, halt) = (ask.topic.clone(), ask.output, stop.clone());
    let task = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let parts = events::partitions(&client, &topic, opts.timeout)?;
        let mut reader = Reader::open(&client, &topic, &parts, &Start::At(next), opts.timeout)?;
        let mut failed = None;
        while !halt.load(Ordering::Relaxed) && failed.is_none() {
            reader.poll(Duration::from_millis(200), Duration::MAX, &mut |m| {
                let e = events::decode_message(m);
                if !opts.filter.keeps(&e) {
                    return;
                }
                let shown = match output {
                    Output::Json => serde_json::to_string(&Shown::of(&e)).map(|s| s + "\n"),
                    Output::Table => Ok(render(std::slice::from_ref(&e), false)),
                };
                match shown {
                    Ok(s) => print!("{s}"),
                    Err(err) => failed = Some(err),
                }
            })?;
        }
        failed.map_or(Ok(()), |e| Err(e.into()))
    });
    tokio::select! {
        r = task => r??,
        _ = tokio::signal::ctrl_c() => stop.store(true, Ordering::Relaxed),
    }
    Ok(())
}

/// Events as rows (with a header when `header`), each followed by its column diff: `*` a changed
/// column (`before → after`), `+` set by an insert, `-` removed by a delete, `?` unknown (no
/// before image).
pub fn render(events: &[ChangeEvent], header: bool) -> String {
    let mut t = crate::cli::table::Table::new(&[
        "partition",
        "offset",
        "time",
        "key",
        "op",
        "lsn",
        "txid",
        "table",
    ]);
    for e in events {
        let c = e.change();
        t.row(vec![
            e.partition.to_string(),
            e.offset.to_string(),
            e.timestamp_ms.map(crate::units::epoch_ms).unwrap_or_default(),
            e.key.as_ref().map_or_else(|| "null".into(), ToString::to_string),
            e.op_label().to_string(),
            c.and_then(|c| c.lsn).map(|l| l.to_string()).unwrap_or_default(),
            c.and_then(|c| c.tx_id).map(|l| l.to_string()).unwrap_or_default(),
            c.map(|c| {
                format!(
                    "{}.{}",
                    c.schema.as_deref().unwrap_or(""),
                    c.table.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_default(),
        ]);
    }
    let rendered = t.render();
    let mut lines = rendered.lines();
    let mut out = String::new();
    if let Some(head) = lines.next()
        && header
    {
        out.push_str(head);
        out.push('\n');
    }
    for (line, e) in lines.zip(events) {
        out.push_str(line);
        out.push('\n');
        out.push_str(&details(e));
    }
    out
}

fn details(e: &ChangeEvent) -> String {
    if let Body::Raw { text, reason } = &e.body {
        let shown: String = text.chars().take(200).collect();
        let more = if text.chars().count() > 200 { "…" } else { "" };
        return format!("    raw ({reason}): {shown}{more}\n");
    }
    let diff = e.diff();
    let width = diff.iter().map(|d| d.column.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for d in diff {
        let v =
            |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string).unwrap_or_default();
        let (mark, value) = match d.mark {
            Mark::Same => (' ', v(&d.after)),
            Mark::Changed => ('*', format!("{} → {}", v(&d.before), v(&d.after))),
            Mark::Added => ('+', v(&d.after)),
            Mark::Removed => ('-', v(&d.before)),
            Mark::Unknown => ('?', v(&d.after)),
        };
        out.push_str(&format!("    {mark} {:<width$}  {value}\n", d.column));
    }
    out
}

/// The scan's progress on stderr: one line rewritten in place on a terminal, nothing otherwise.
struct ProgressLine {
    tty: bool,
    shown: AtomicBool,
}

impl ProgressLine {
    fn new() -> Self {
        use std::io::IsTerminal;
        Self { tty: std::io::stderr().is_terminal(), shown: AtomicBool::new(false) }
    }

    fn show(&self, p: &ScanProgress) {
        if !self.tty || p.done {
            return;
        }
        let (read, of) = p.totals();
        let pct = (read * 100).checked_div(of).unwrap_or(100);
        let parts: Vec<String> =
            p.partitions.iter().map(|(n, r, t)| format!("p{n} {r}/{t}")).collect();
        eprint!(
            "\r\x1b[Kscanning {}: {read}/{of} records ({pct}%), {} matched · {}",
            p.topic,
            p.matched,
            parts.join(" ")
        );
        self.shown.store(true, Ordering::Relaxed);
    }

    fn clear(&self) {
        if self.shown.load(Ordering::Relaxed) {
            eprint!("\r\x1b[K");
        }
    }
}

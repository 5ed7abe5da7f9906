//! `cdc-console dead-letters`: the sink's dead letters per consumer (`replica:<name>`,
//! `job:<name>`): `list` them with their reasons grouped, `show` one, `purge` a consumer's,
//! `redrive` a replica's (`redrive.rs`). Exit code 0, 1 when `show` finds no such letter, 2 on an
//! error.

use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{DeadLetterVerb, EXIT_DOWN, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::deadletter::redrive::Chosen;
use crate::pipeline::deadletter::{self, ConsumerLetters, Letter, Pick};

pub async fn run(config: &Config, verb: DeadLetterVerb) -> anyhow::Result<u8> {
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    let sink = crate::pipeline::connect(&config.sink, timeout, "dead-letters")
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", config.sink, crate::pg::message(&e)))?;
    let exists: bool =
        sink.query_one("SELECT to_regclass('cdc.dead_letters') IS NOT NULL", &[]).await?.get(0);
    if exists {
        // An older table gains its consumer column (what the replicator and processor do too).
        crate::pipeline::create_if_missing(&sink, deadletter::DDL).await?;
    }
    match verb {
        DeadLetterVerb::List { consumer, output } => {
            let consumers = if exists {
                deadletter::summary(&sink, consumer.as_deref()).await?
            } else {
                Vec::new()
            };
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&consumers)?),
                Output::Table => print!("{}", render_list(&consumers)),
            }
            Ok(EXIT_OK)
        }
        DeadLetterVerb::Show { id, consumer, offset, topic, partition, output } => {
            let pick = match (id, consumer.as_deref(), offset) {
                (Some(id), _, _) => Pick::Id(id),
                (None, Some(consumer), Some(offset)) => {
                    Pick::At { consumer, offset, topic: topic.as_deref(), partition }
                }
                _ => anyhow::bail!("show needs an id, or --consumer and --offset"),
            };
            let letters = if exists { deadletter::find(&sink, &pick).await? } else { Vec::new() };
            match output {
                Output::Json => {
                    let shown: Vec<Shown> = letters.iter().map(Shown::of).collect();
                    println!("{}", serde_json::to_string_pretty(&shown)?);
                }
                Output::Table if letters.is_empty() => eprintln!("no such dead letter"),
                Output::Table => print!("{}", render_letters(&letters)),
            }
            Ok(if letters.is_empty() { EXIT_DOWN } else { EXIT_OK })
        }
        DeadLetterVerb::Redrive { consumer, ids, all, yes, max_scan, output } => {
            let chosen = if all { Chosen::All } else { Chosen::Ids(&ids) };
            super::redrive::run(config, &sink, &consumer, chosen, yes, max_scan, output).await
        }
        DeadLetterVerb::Purge { consumer, yes } => {
            if !yes
                && !super::confirm::type_back(
                    format!(
                        "Purge every dead letter of {consumer}? Type the consumer to confirm (empty cancels): "
                    ),
                    &consumer,
                    &format!("purge the dead letters of {consumer}"),
                )
                .await?
            {
                return Ok(EXIT_OK);
            }
            let n = if exists { deadletter::purge(&sink, &consumer).await? } else { 0 };
            println!("purged {n} dead letters of {consumer}");
            Ok(EXIT_OK)
        }
    }
}

/// A letter for JSON: key and payload readable as well as raw (hex), times as RFC 3339.
#[derive(Serialize)]
struct Shown<'a> {
    id: i64,
    consumer: &'a str,
    topic: &'a str,
    partition: i32,
    offset: i64,
    reason: &'a str,
    recorded_at: String,
    /// When it was redriven and what became of it; absent while outstanding.
    #[serde(skip_serializing_if = "Option::is_none")]
    redriven_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redrive_outcome: Option<&'a str>,
    key: String,
    payload: String,
    payload_json: Option<serde_json::Value>,
}

impl<'a> Shown<'a> {
    fn of(l: &'a Letter) -> Self {
        Self {
            id: l.id,
            consumer: &l.consumer,
            topic: &l.topic,
            partition: l.partition,
            offset: l.offset,
            reason: &l.reason,
            recorded_at: time(l.recorded_ms),
            redriven_at: l.redriven_ms.map(time),
            redrive_outcome: l.redrive_outcome.as_deref(),
            key: deadletter::readable(l.key.as_deref()),
            payload: deadletter::readable(l.payload.as_deref()),
            payload_json: l.payload.as_deref().and_then(|p| serde_json::from_slice(p).ok()),
        }
    }
}

fn time(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0).unsigned_abs());
    humantime::format_rfc3339_seconds(t).to_string()
}

fn render_list(consumers: &[ConsumerLetters]) -> String {
    if consumers.is_empty() {
        return "no dead letters\n".into();
    }
    let mut t = Table::new(&["consumer", "letters", "redriven", "first seen", "last seen"]);
    for c in consumers {
        t.row(vec![
            c.consumer.clone(),
            c.count.to_string(),
            c.redriven.to_string(),
            time(c.first_ms),
            time(c.last_ms),
        ]);
    }
    let mut out = t.render();
    for c in consumers {
        let mut r = Table::new(&["count", "last seen", "reason"]);
        for reason in &c.reasons {
            r.row(vec![reason.count.to_string(), time(reason.last_ms), reason.reason.clone()]);
        }
        let name = if c.consumer.is_empty() {
            "(unnamed, recorded before consumers)"
        } else {
            &c.consumer
        };
        out.push_str(&format!("\n{name}: reasons\n{}", r.render()));
    }
    out
}

fn render_letters(letters: &[Letter]) -> String {
    let mut out = String::new();
    for l in letters {
        let redriven = match (l.redriven_ms, l.redrive_outcome.as_deref()) {
            (Some(ms), outcome) => {
                format!("redriven:    {} ({})\n", time(ms), outcome.unwrap_or("-"))
            }
            (None, _) => String::new(),
        };
        out.push_str(&format!(
            "id:          {}\nconsumer:    {}\ntopic:       {}\npartition:   {}\noffset:      {}\nrecorded at: {}\n{redriven}reason:      {}\nkey:\n{}\npayload:\n{}\n\n",
            l.id,
            l.consumer,
            l.topic,
            l.partition,
            l.offset,
            time(l.recorded_ms),
            l.reason,
            deadletter::readable(l.key.as_deref()),
            deadletter::readable(l.payload.as_deref()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::deadletter::ReasonCount;

    #[test]
    fn show_takes_an_id_or_a_consumer_and_an_offset() {
        use clap::Parser;
        let parse = |args: &[&str]| {
            crate::cli::Cli::try_parse_from([&["cdc-console", "dead-letters"], args].concat())
        };
        assert!(parse(&["show", "42"]).is_ok());
        assert!(parse(&["show", "--consumer", "job:j", "--offset", "7", "-o", "json"]).is_ok());
        assert!(parse(&["show"]).is_err(), "neither");
        assert!(parse(&["show", "--offset", "7"]).is_err(), "an offset without its consumer");
        assert!(parse(&["show", "42", "--consumer", "job:j", "--offset", "7"]).is_err(), "both");
        assert!(parse(&["purge"]).is_err(), "purge names its consumer");
        assert!(parse(&["purge", "--consumer", "replica:r", "--yes"]).is_ok());
        assert!(parse(&["list", "--consumer", "replica:r"]).is_ok());
    }

    #[test]
    fn lists_consumers_then_their_reasons() {
        let c = ConsumerLetters {
            consumer: "job:j".into(),
            count: 3,
            redriven: 2,
            first_ms: 0,
            last_ms: 1000,
            reasons: vec![ReasonCount { reason: "bad at line N".into(), count: 3, last_ms: 1000 }],
        };
        let out = render_list(&[c]);
        assert!(out.contains("job:j     3        2         1970-01-01T00:00:00Z"), "{out}");
        assert!(out.contains("job:j: reasons"), "{out}");
        assert!(out.contains("bad at line N"), "{out}");
        assert_eq!(render_list(&[]), "no dead letters\n");
    }
}

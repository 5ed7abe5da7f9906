//! `cdc-console row TABLE KEY [-o json]`: a row's whole story (the source row now, each
//! replica's row, the key's change events, where each replicator stands) and a verdict per
//! replica. Exits 0 when every replica is in sync or in flight (it will settle), 1 when one
//! diverged or cannot be judged, 2 on error.

use std::io::IsTerminal;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::events::{ChangeEvent, ScanProgress};
use crate::pipeline::replicator::offsets::lsn_text;
use crate::pipeline::story::{ReplicaStory, RowStory, Verdict, tell};

pub async fn run(config: &Config, table: &str, key: &str, output: Output) -> anyhow::Result<u8> {
    let tty = std::io::stderr().is_terminal();
    let progress: Arc<dyn Fn(&ScanProgress) + Send + Sync> = Arc::new(move |p: &ScanProgress| {
        if tty && !p.done {
            let (read, of) = p.totals();
            eprint!(
                "\r\x1b[Kreading {} for the key: {read}/{of} records, {} matched",
                p.topic, p.matched
            );
        }
    });
    let story = tell(config, table, key, progress).await;
    if tty {
        eprint!("\r\x1b[K");
    }
    let story = match story {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cdc-console: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&story)?),
        Output::Table => print!("{}", render(&story)),
    }
    Ok(match story.verdict() {
        Some(Verdict::Diverged | Verdict::Unknown) => EXIT_DOWN,
        _ => EXIT_OK,
    })
}

/// A JSON value as a person reads it: strings without quotes, NULL for null.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".into(),
        other => other.to_string(),
    }
}

pub fn render(s: &RowStory) -> String {
    let key = Value::Object(s.key.clone());
    let mut out = format!("Row {} {key}\n\nSource {}:\n", s.table, s.table);
    match &s.source_row {
        Some(row) => {
            out += &columns(row, &[], None);
            if let Some(x) = s.source_xmin {
                out += &format!("  (last written by transaction {x})\n");
            }
        }
        None => out += "  (not in the source: deleted, or never there)\n",
    }
    out += &events(s);
    for r in &s.replicas {
        out += &replica(r, s.source_row.as_ref());
    }
    if s.replicas.is_empty() {
        out += &format!("\nNo replica of {} is configured ([[replicas]]).\n", s.table);
    }
    out
}

/// One `column  value` line each; a column in `differs` is marked `*`, with the source's value.
fn columns(
    row: &Map<String, Value>,
    differs: &[String],
    source: Option<&Map<String, Value>>,
) -> String {
    let width = row.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (c, v) in row {
        let shown = if c == "_source_lsn" {
            v.as_u64().map_or_else(|| text(v), |l| format!("{} ({l})", lsn_text(l)))
        } else {
            text(v)
        };
        if differs.contains(c) {
            let was = source.and_then(|s| s.get(c)).map_or_else(|| "-".into(), text);
            out += &format!("  * {c:<width$}  {shown}   (source: {was})\n");
        } else {
            out += &format!("    {c:<width$}  {shown}\n");
        }
    }
    out
}

fn events(s: &RowStory) -> String {
    let topic = s.topic.as_deref().unwrap_or("(no topic)");
    let mut out = format!("\nChange events of the key on {topic}");
    if let Some(e) = &s.events_error {
        return out + &format!(": could not be read: {e}\n");
    }
    out += &format!(" ({} of {} records read):\n", s.events.len(), s.events_scanned);
    if s.events.is_empty() {
        return out + "  (none)\n";
    }
    let mut t = Table::new(&["partition", "offset", "time", "op", "lsn", "txid", "changed"]);
    for e in &s.events {
        t.row(event_row(e));
    }
    out + &t.render()
}

fn event_row(e: &ChangeEvent) -> Vec<String> {
    let c = e.change();
    let changed: Vec<String> =
        e.diff().into_iter().filter(|d| d.mark.changed()).map(|d| d.column).collect();
    vec![
        e.partition.to_string(),
        e.offset.to_string(),
        e.timestamp_ms.map_or_else(|| "-".into(), crate::units::epoch_ms),
        e.op_label().to_string(),
        c.and_then(|c| c.lsn).map_or_else(|| "-".into(), lsn_text),
        c.and_then(|c| c.tx_id).map_or_else(|| "-".into(), |t| t.to_string()),
        changed.join(","),
    ]
}

fn replica(r: &ReplicaStory, source: Option<&Map<String, Value>>) -> String {
    let mut out = format!(
        "\nReplica {} ({}): {}\n",
        r.replica,
        r.sink_table,
        r.verdict.as_str().to_uppercase()
    );
    if let Some(e) = &r.error {
        out += &format!("  could not be read: {e}\n");
    }
    match r.rows.as_slice() {
        [] => out += "  (no row for the key)\n",
        rows => {
            for row in rows {
                out += &columns(row, &r.differs, source);
            }
        }
    }
    let at: Vec<String> = r
        .applied
        .iter()
        .map(|p| {
            format!(
                "p{} next offset {} (source LSN {})",
                p.partition,
                p.next_offset,
                p.source_lsn.as_deref().unwrap_or("-")
            )
        })
        .collect();
    out += &format!(
        "  replicator applied: {}\n",
        if at.is_empty() { "nothing yet".to_string() } else { at.join(", ") }
    );
    out + &format!("  {}\n", r.why)
}

//! `cdc-console slots`: the source's replication slots, with publications and replica identity,
//! the facts that decide whether logical decoding keeps up and keeps its WAL bounded.

use std::time::SystemTime;

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::collectors::Collector;
use crate::collectors::postgres::{PostgresSnapshot, Probe, Role};
use crate::config::Config;
use crate::store::{Backend, Health};
use crate::units::bytes;

#[derive(Serialize)]
struct SlotsReport<'a> {
    source: &'a Backend<PostgresSnapshot>,
    /// Why the exit code is 1: an unreachable source or an inactive slot.
    problems: Vec<String>,
}

pub async fn run(config: &Config, output: Output) -> anyhow::Result<u8> {
    let mut source = Backend::new("source", config.source.to_string());
    let update = Probe::new(Role::Source, config).poll().await;
    if let crate::collectors::UpdateKind::Source(r) = update {
        source.apply(r, SystemTime::now());
    }
    let problems = problems(&source);
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&SlotsReport {
                source: &source,
                problems: problems.clone()
            })?
        ),
        Output::Table => print!("{}", render(&source, &problems)),
    }
    Ok(if problems.is_empty() { EXIT_OK } else { EXIT_DOWN })
}

fn problems(source: &Backend<PostgresSnapshot>) -> Vec<String> {
    match (&source.health, &source.snapshot) {
        (Health::Down { reason, .. }, _) => vec![format!("source down: {reason}")],
        (_, Some(s)) => s
            .slots
            .iter()
            .filter(|s| !s.active)
            .map(|s| format!("slot {} is inactive", s.name))
            .collect(),
        _ => vec!["source not polled".into()],
    }
}

fn render(source: &Backend<PostgresSnapshot>, problems: &[String]) -> String {
    let Some(s) = &source.snapshot else {
        return format!("{}\n", problems.join("\n"));
    };
    let mut out = format!(
        "Source {}: wal_level {}, WAL at {}\n",
        source.endpoint,
        s.wal_level,
        s.current_wal_lsn.as_deref().unwrap_or("-")
    );
    let mut slots = Table::new(&[
        "slot",
        "plugin",
        "type",
        "active",
        "restart lsn",
        "confirmed lsn",
        "retained",
        "lag",
    ]);
    for slot in &s.slots {
        slots.row(vec![
            slot.name.clone(),
            slot.plugin.clone().unwrap_or_default(),
            slot.slot_type.clone(),
            if slot.active { "yes" } else { "NO" }.into(),
            slot.restart_lsn.clone().unwrap_or_default(),
            slot.confirmed_flush_lsn.clone().unwrap_or_default(),
            slot.retained_bytes.map(|b| bytes(b, true)).unwrap_or_default(),
            slot.lag_bytes.map(|b| bytes(b, true)).unwrap_or_default(),
        ]);
    }
    out += &if slots.is_empty() { "(no replication slots)\n".to_string() } else { slots.render() };
    let mut pubs = Table::new(&["publication", "tables"]);
    for p in &s.publications {
        pubs.row(vec![
            p.name.clone(),
            if p.all_tables { "ALL TABLES".into() } else { p.tables.join(", ") },
        ]);
    }
    if !pubs.is_empty() {
        out += "\n";
        out += &pubs.render();
    }
    let mut tables = Table::new(&["captured table", "replica identity"]);
    for t in &s.tables {
        let warn = if t.replica_identity == "full" {
            ""
        } else {
            "  (updates and deletes lose their before image)"
        };
        tables.row(vec![t.name.clone(), format!("{}{warn}", t.replica_identity.to_uppercase())]);
    }
    if !tables.is_empty() {
        out += "\n";
        out += &tables.render();
    }
    for p in problems {
        out += &format!("\n! {p}");
    }
    if !problems.is_empty() {
        out += "\n";
    }
    out
}

//! `cdc-console slots`: the source's replication slots under the slot guard (WAL status, retained
//! WAL and its growth, time to `max_slot_wal_keep_size`, inactive since, the idle-source doctor),
//! with publications and replica identity: whether logical decoding keeps up and keeps its WAL
//! bounded.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::collectors::connect::AutoRestart;
use crate::collectors::postgres::{PostgresSnapshot, Probe, Role};
use crate::collectors::{Collector, ConnectCollector, Update};
use crate::config::Config;
use crate::store::{Backend, GuardLevel, Health, SlotGuard, Store, rfc3339};
use crate::units::{bytes, seconds};

#[derive(Serialize)]
struct SlotsReport<'a> {
    source: &'a Backend<PostgresSnapshot>,
    /// The slot guard's verdict per slot (level, reasons, time to the limit, the doctor).
    guards: Vec<SlotGuard>,
    /// Why the exit code is 1: an unreachable source, or a slot amber or red.
    problems: Vec<String>,
}

pub async fn run(config: &Config, output: Output, sample: Duration) -> anyhow::Result<u8> {
    let mut store = Store::new(config);
    let mut probe = Probe::new(Role::Source, config);
    let first = probe.poll().await;
    store.apply(Update { at: SystemTime::now(), kind: first });
    if !sample.is_zero() {
        tokio::time::sleep(sample).await;
        let second = probe.poll().await;
        store.apply(Update { at: SystemTime::now(), kind: second });
    }
    // Connect says which connector reads which slot and whether it runs (the doctor's half).
    let mut connects: Vec<_> = (0..config.connect.len())
        .filter_map(|i| ConnectCollector::new(config, i, AutoRestart::off()))
        .collect();
    for kind in futures::future::join_all(connects.iter_mut().map(Collector::poll)).await {
        store.apply(Update { at: SystemTime::now(), kind });
    }
    let guards = store.slot_guards(SystemTime::now());
    let problems = problems(&store.source, &guards);
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&SlotsReport {
                source: &store.source,
                guards,
                problems: problems.clone()
            })?
        ),
        Output::Table => print!("{}", render(&store.source, &guards, &problems)),
    }
    Ok(if problems.is_empty() { EXIT_OK } else { EXIT_DOWN })
}

fn problems(source: &Backend<PostgresSnapshot>, guards: &[SlotGuard]) -> Vec<String> {
    match (&source.health, &source.snapshot) {
        (Health::Down { reason, .. }, _) => vec![format!("source down: {reason}")],
        (_, Some(_)) => guards
            .iter()
            .filter(|g| g.level != GuardLevel::Ok)
            .flat_map(|g| {
                g.reasons.iter().map(move |r| format!("{} {}: {r}", level(g.level), g.slot))
            })
            .collect(),
        _ => vec!["source not polled".into()],
    }
}

fn level(l: GuardLevel) -> &'static str {
    match l {
        GuardLevel::Ok => "OK",
        GuardLevel::Amber => "AMBER",
        GuardLevel::Red => "RED",
    }
}

fn render(source: &Backend<PostgresSnapshot>, guards: &[SlotGuard], problems: &[String]) -> String {
    let Some(s) = &source.snapshot else {
        return format!("{}\n", problems.join("\n"));
    };
    let mut out = format!(
        "Source {}: wal_level {}, WAL at {}{}\n",
        source.endpoint,
        s.wal_level,
        s.current_wal_lsn.as_deref().unwrap_or("-"),
        s.wal
            .bytes_per_sec
            .map(|r| format!(", written {}/s", bytes(r as i64, true)))
            .unwrap_or_default(),
    );
    out += &match s.wal.max_slot_wal_keep_size {
        Some(l) => format!("max_slot_wal_keep_size {}\n", bytes(l, true)),
        None => "max_slot_wal_keep_size -1 (no limit)\n".into(),
    };
    if let Some(d) = guards.iter().find_map(|g| g.wal_disk.as_ref()) {
        out += &format!("{d}\n");
    }
    out += &format!(
        "Captured tables: {} changes/s at the source\n",
        s.changes.per_sec.map_or_else(|| "-".into(), |r| format!("{r:.1}"))
    );
    out += &slot_table(s, guards);
    out += &publications_and_tables(s);
    for p in problems {
        out += &format!("\n! {p}");
    }
    if !problems.is_empty() {
        out += "\n";
    }
    out
}

fn slot_table(s: &PostgresSnapshot, guards: &[SlotGuard]) -> String {
    let mut slots = Table::new(&[
        "slot",
        "guard",
        "plugin",
        "database",
        "active",
        "wal status",
        "retained",
        "growth/s",
        "safe wal",
        "limit in",
        "lag",
        "confirmed lsn",
        "inactive since",
    ]);
    for (slot, g) in s.slots.iter().zip(guards) {
        slots.row(vec![
            slot.name.clone(),
            level(g.level).into(),
            slot.plugin.clone().unwrap_or_default(),
            slot.database.clone().unwrap_or_default(),
            if slot.active { "yes" } else { "NO" }.into(),
            slot.wal_status.clone().unwrap_or_default(),
            slot.retained_bytes.map(|b| bytes(b, true)).unwrap_or_default(),
            slot.retained_bytes_per_sec.map(|r| bytes(r as i64, true)).unwrap_or_default(),
            slot.safe_wal_size.map(|b| bytes(b, true)).unwrap_or_default(),
            g.time_to_limit.clone(),
            slot.lag_bytes.map(|b| bytes(b, true)).unwrap_or_default(),
            slot.confirmed_flush_lsn.clone().unwrap_or_default(),
            slot.inactive_since.map(|t| format!("{} (first seen)", rfc3339(t))).unwrap_or_default(),
        ]);
    }
    let mut out =
        if slots.is_empty() { "(no replication slots)\n".to_string() } else { slots.render() };
    for i in guards.iter().filter_map(|g| g.idle_source.as_ref().map(|i| (g, i))) {
        out += &format!(
            "\nIdle source: {} RUNNING, slot {} unchanged for {} while {} of WAL was written.\n  Fix: {}\n",
            i.1.connector,
            i.0.slot,
            seconds(i.1.unchanged_for_secs),
            bytes(i.1.wal_written_bytes, true),
            i.1.advice
        );
    }
    out
}

fn publications_and_tables(s: &PostgresSnapshot) -> String {
    let mut out = String::new();
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
    out
}

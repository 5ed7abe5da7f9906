//! `cdc-console connectors offsets get|set|reset NAME`: a connector's stored offsets with the
//! three-way LSN check, and the guided change (stop → alter or reset → resume), each step
//! printed as it ends.
//!
//! Exit codes: `get` 0, or 1 when the check's verdict is an error; `set`/`reset` 0 when the
//! offsets were changed, 2 when a step failed (the worker's answer printed) or the check
//! refused a target that would lose changes (without `--force`), 3 under read-only.

use serde_json::Value;

use crate::cli::connectors::fail;
use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK, OffsetsVerb, Output};
use crate::collectors::connect::lsn_check::{Level, LsnCheck};
use crate::collectors::connect::offsets::{debezium_body, parse_body, parse_lsn};
use crate::collectors::connect::{OffsetChange, OffsetsReport, Probe, Step, Target};
use crate::config::Config;

/// What a mutating verb would do, for the read-only refusal; `None` for `get`.
pub fn mutation(verb: &OffsetsVerb) -> Option<String> {
    match verb {
        OffsetsVerb::Get { .. } => None,
        OffsetsVerb::Set { name, .. } => Some(format!("connectors offsets set {name}")),
        OffsetsVerb::Reset { name, .. } => Some(format!("connectors offsets reset {name}")),
    }
}

pub async fn run(config: &Config, probe: &Probe, verb: OffsetsVerb) -> anyhow::Result<u8> {
    let name = match &verb {
        OffsetsVerb::Get { name, .. }
        | OffsetsVerb::Set { name, .. }
        | OffsetsVerb::Reset { name, .. } => name.clone(),
    };
    let timeout = config.timeouts.request();
    let target = match probe.offsets_target(&name, &config.source, timeout).await {
        Ok(t) => t,
        Err(e) => return Ok(fail(&e)),
    };
    match verb {
        OffsetsVerb::Get { output, .. } => Ok(get(&target.report, output)?),
        OffsetsVerb::Set { lsn, json, force, yes, .. } => {
            let change = match body(&target, lsn.as_deref(), json.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("cdc-console: {e}");
                    return Ok(EXIT_ERROR);
                }
            };
            print!("{}", render(&target.report));
            if let Some(lsn) = lsn.as_deref().and_then(|l| parse_lsn(l).ok())
                && let Some(check) = target.judge(lsn)
            {
                println!("\nAfter the change: {}", verdict_line(&check));
                if check.level == Level::Error && !force {
                    eprintln!(
                        "cdc-console: refusing: the check says changes would be lost (--force sets it all the same)"
                    );
                    return Ok(EXIT_ERROR);
                }
            }
            guided(probe, &name, &OffsetChange::Alter(change), yes, "set the offsets of").await
        }
        OffsetsVerb::Reset { yes, .. } => {
            print!("{}", render(&target.report));
            println!(
                "\nAfter a reset, the connector has no stored offset and starts afresh (Debezium: per its snapshot.mode)."
            );
            guided(probe, &name, &OffsetChange::Reset, yes, "reset the offsets of").await
        }
    }
}

/// The PATCH body: from `--lsn` for Debezium PostgreSQL, or `--json` (text or @file) as given.
fn body(target: &Target, lsn: Option<&str>, json: Option<&str>) -> Result<Value, String> {
    if let Some(lsn) = lsn {
        let lsn = parse_lsn(lsn)?;
        let Some(server) = &target.server else {
            return Err(format!(
                "--lsn is for Debezium's PostgreSQL connector with a topic.prefix; {} is {}: pass the offsets with --json",
                target.report.connector, target.report.class
            ));
        };
        return Ok(debezium_body(server, lsn));
    }
    let text = json.unwrap_or_default();
    let text = match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("{path}: cannot read the file: {e}"))?,
        None => text.to_string(),
    };
    parse_body(&text).map_err(|e| format!("--json: {e}"))
}

/// Asks (unless `yes`), then runs the flow, printing each step as it ends.
async fn guided(
    probe: &Probe,
    name: &str,
    change: &OffsetChange,
    yes: bool,
    what: &str,
) -> anyhow::Result<u8> {
    if !yes
        && !super::confirm::type_back(
            format!(
                "\nThis stops connector {name}, changes its offsets and resumes it. Type its name to confirm (empty cancels): "
            ),
            name,
            &format!("{what} connector {name}"),
        )
        .await?
    {
        return Ok(EXIT_OK);
    }
    let print = |s: &Step| println!("{} {:<14} {}", if s.ok { "✓" } else { "✗" }, s.step, s.detail);
    match probe.change_offsets(name, change, print).await {
        Ok(_) => Ok(EXIT_OK),
        Err(e) => {
            eprintln!("cdc-console: {name}: {e}");
            Ok(EXIT_ERROR)
        }
    }
}

fn get(report: &OffsetsReport, output: Output) -> anyhow::Result<u8> {
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(report)?),
        Output::Table => print!("{}", render(report)),
    }
    let error = report.lsn_check.as_ref().is_some_and(|c| c.level == Level::Error);
    Ok(if error { EXIT_DOWN } else { EXIT_OK })
}

fn verdict_line(c: &LsnCheck) -> String {
    let level = match c.level {
        Level::Ok => "OK",
        Level::Warning => "WARNING",
        Level::Error => "ERROR",
    };
    format!("{level}: {}", c.verdict)
}

/// The offsets (Debezium's decoded), then the check.
fn render(r: &OffsetsReport) -> String {
    let mut out = format!("Connector {} ({}), {}\n", r.connector, r.state, r.class);
    let mut debezium =
        Table::new(&["server", "lsn", "lsn_proc", "lsn_commit", "txId", "committed at", "type"]);
    let mut raw = Table::new(&["partition", "offset"]);
    for o in &r.offsets {
        match &o.debezium {
            Some(d) => debezium.row(vec![
                d.server.clone(),
                d.lsn.clone().unwrap_or_default(),
                d.lsn_proc.clone().unwrap_or_default(),
                d.lsn_commit.clone().unwrap_or_default(),
                d.tx_id.map(|t| t.to_string()).unwrap_or_default(),
                d.committed_at.clone().unwrap_or_default(),
                if d.snapshot {
                    "snapshot".into()
                } else {
                    d.message_type.clone().unwrap_or_default()
                },
            ]),
            None => raw.row(vec![o.partition.to_string(), o.offset.to_string()]),
        };
    }
    if r.offsets.is_empty() {
        out += "\nOffsets: (none stored)\n";
    }
    for t in [&debezium, &raw] {
        if !t.is_empty() {
            out += "\n";
            out += &t.render();
        }
    }
    if let Some(c) = &r.lsn_check {
        let slot = c.source.slot.as_ref();
        let field = |v: Option<&String>| v.cloned().unwrap_or_else(|| "-".into());
        out += &format!(
            "\nLSN check (slot {}{}):\n  offset resumes at    {}\n  slot restart_lsn     {}\n  slot confirmed_flush {}\n  source current WAL   {}\n{}\n",
            c.slot_name,
            slot.map_or(String::new(), |s| format!(
                ", {}, wal_status {}",
                if s.active { "active" } else { "inactive" },
                field(s.wal_status.as_ref())
            )),
            field(c.offset_lsn.as_ref()),
            field(slot.and_then(|s| s.restart_lsn.as_ref())),
            field(slot.and_then(|s| s.confirmed_flush_lsn.as_ref())),
            field(c.source.current_wal_lsn.as_ref()),
            verdict_line(c),
        );
    }
    if let Some(why) = &r.no_check {
        out += &format!("\nNo LSN check: {why}\n");
    }
    out
}

//! `cdc-console alerts`: the alert rules evaluated headless. The collectors run for the sample
//! while the rules are evaluated on every reading, as the console does, so an alert is pending
//! or firing per its `for` within that time; `--rules` lists the effective rules instead.
//! Exits 1 when any alert is firing.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::alerts::defaults::{Effective, effective};
use crate::alerts::{AlertsSnapshot, Engine};
use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::collectors;
use crate::config::Config;
use crate::store::{Store, rfc3339};

pub async fn run(
    config: &Config,
    output: Output,
    sample: Duration,
    rules: bool,
) -> anyhow::Result<u8> {
    if rules {
        print_rules(&effective(&config.alerts), output)?;
        return Ok(EXIT_OK);
    }
    let snapshot = sample_alerts(config, sample).await;
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&snapshot)?),
        Output::Table => print!("{}", render(&snapshot)),
    }
    Ok(if snapshot.firing() > 0 { EXIT_DOWN } else { EXIT_OK })
}

/// Runs the collectors for `sample`, evaluating on every reading and once at the end.
async fn sample_alerts(config: &Config, sample: Duration) -> AlertsSnapshot {
    let mut store = Store::new(config);
    let mut engine = Engine::new(&config.alerts);
    let (tx, mut updates) = mpsc::channel(64);
    let tasks = collectors::spawn_all(config, &[], tx);
    let until = tokio::time::Instant::now() + sample;
    loop {
        tokio::select! {
            Some(update) = updates.recv() => {
                store.apply(update);
                engine.evaluate(&store, None, SystemTime::now());
            }
            () = tokio::time::sleep_until(until) => break,
        }
    }
    for t in tasks {
        t.abort();
    }
    engine.evaluate(&store, None, SystemTime::now()).0
}

fn render(s: &AlertsSnapshot) -> String {
    let mut t = Table::new(&["state", "severity", "rule", "value", "since", "summary"]);
    for a in &s.alerts {
        let state = serde_json::to_value(a.state).ok();
        let severity = serde_json::to_value(a.severity).ok();
        let word = |v: Option<serde_json::Value>| {
            v.and_then(|v| v.as_str().map(str::to_uppercase)).unwrap_or_default()
        };
        t.row(vec![
            word(state),
            word(severity),
            a.rule.clone(),
            a.value.clone(),
            rfc3339(a.fired_at.unwrap_or(a.active_since)),
            a.summary.clone(),
        ]);
    }
    let mut out = if t.is_empty() { "no alerts\n".to_string() } else { t.render() };
    for e in &s.errors {
        out.push_str(&format!("error: {e}\n"));
    }
    out
}

#[derive(Serialize)]
struct RuleRow<'a> {
    name: &'a str,
    when: &'a str,
    #[serde(rename = "for")]
    for_: &'a str,
    severity: &'a str,
    builtin: bool,
    disabled: bool,
    #[serde(rename = "match")]
    matches: &'a std::collections::BTreeMap<String, String>,
    labels: &'a std::collections::BTreeMap<String, String>,
}

fn print_rules(rules: &[Effective], output: Output) -> anyhow::Result<()> {
    let rows: Vec<RuleRow> = rules
        .iter()
        .map(|e| RuleRow {
            name: &e.config.name,
            when: &e.config.when,
            for_: e.config.for_.as_deref().unwrap_or("0s"),
            severity: e.config.severity.as_deref().unwrap_or("warning"),
            builtin: e.builtin,
            disabled: e.disabled,
            matches: &e.config.matches,
            labels: &e.config.labels,
        })
        .collect();
    if output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut t = Table::new(&["rule", "origin", "when", "for", "severity", "match"]);
    for r in &rows {
        let origin = match (r.builtin, r.disabled) {
            (true, true) => "built-in (disabled)",
            (true, false) => "built-in",
            _ => "config",
        };
        let matches: Vec<String> = r.matches.iter().map(|(k, v)| format!("{k}={v}")).collect();
        t.row(vec![
            r.name.into(),
            origin.into(),
            r.when.into(),
            r.for_.into(),
            r.severity.into(),
            matches.join(","),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

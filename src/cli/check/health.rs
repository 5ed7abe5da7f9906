//! Stage health from one poll of every backend (the store `status` reads): each backend
//! reachable, every connector and task RUNNING, no broker down, no partition offline or refusing
//! writes, no replication slot lost or red in the slot guard.
//!
//! Under-replicated partitions (with enough in-sync replicas to take writes) are a warning, not
//! a failure: nothing is lost or refused, a broker catching up after a restart shows them for a
//! while, and a gate failing on them would fail CI runs that are fine. A partition below
//! `min.insync.replicas` refuses acks=all writes (Debezium's) and fails, as a broker down does.

use std::time::Duration;

use super::model::{Check, Kind, Outcome};
use crate::collectors::connect::ConnectSnapshot;
use crate::collectors::kafka::KafkaSnapshot;
use crate::collectors::postgres::PostgresSnapshot;
use crate::store::{Backend, GuardLevel, Health, Store};

/// The health checks, in pipeline order; `took` is the poll's.
pub fn checks(store: &Store, took: Duration) -> Vec<Check> {
    let mut out = vec![reachable(&store.source, source), slots(store)];
    out.push(reachable(&store.kafka, kafka));
    out.extend(store.connect.iter().map(|c| reachable(c, connectors)));
    out.push(reachable(&store.sink, |s| (Vec::new(), Vec::new(), version(s))));
    out.into_iter().map(|c| c.took(took)).collect()
}

/// What a snapshot shows: (failures, warnings, what was seen when all is well).
type Findings = (Vec<String>, Vec<String>, String);

/// Down when unreachable ("down: why"), else judged by `judge`: failed with its first failure
/// (all of them in the details), passed with its warnings or what it saw.
fn reachable<T: PartialEq>(b: &Backend<T>, judge: impl Fn(&T) -> Findings) -> Check {
    let name = b.name.as_str();
    match (&b.health, &b.snapshot) {
        (Health::Down { reason, .. }, _) => {
            let at = if reason.contains(&b.endpoint) {
                String::new()
            } else {
                format!(" ({})", b.endpoint)
            };
            Check::new(Kind::Health, name, Outcome::Fail, format!("down: {reason}{at}"))
        }
        (Health::Up { .. }, Some(s)) => {
            let (failures, warnings, seen) = judge(s);
            if failures.is_empty() {
                let reason = if warnings.is_empty() {
                    seen
                } else {
                    format!("warning: {}", super::model::first_few(&warnings, 2))
                };
                Check::new(Kind::Health, name, Outcome::Pass, reason)
            } else {
                let reason = super::model::first_few(&failures, 1);
                Check::new(Kind::Health, name, Outcome::Fail, reason)
                    .details([failures, warnings].concat())
            }
        }
        _ => Check::new(Kind::Health, name, Outcome::Error, "no answer from the poll"),
    }
}

fn version(s: &PostgresSnapshot) -> String {
    format!("up, PostgreSQL {}", s.server_version.split_whitespace().next().unwrap_or("?"))
}

fn source(s: &PostgresSnapshot) -> Findings {
    let mut failures = Vec::new();
    if s.wal_level != "logical" {
        failures.push(format!("wal_level is {}, logical decoding needs logical", s.wal_level));
    }
    let warnings = s
        .tables
        .iter()
        .filter(|t| t.replica_identity != "full")
        .map(|t| {
            format!(
                "{} has REPLICA IDENTITY {}: updates and deletes lose their before image",
                t.name,
                t.replica_identity.to_uppercase()
            )
        })
        .collect();
    (failures, warnings, format!("{}, wal_level logical", version(s)))
}

/// The slot guard's verdicts: red (lost, or about to be invalidated) fails, amber warns.
fn slots(store: &Store) -> Check {
    let Some(pg) = store.source.snapshot.as_ref().filter(|_| store.source.is_up()) else {
        return Check::new(Kind::Health, "slots", Outcome::Error, "the source is not reachable");
    };
    let guards = store.slot_guards(std::time::SystemTime::now());
    let said = |level| -> Vec<String> {
        guards
            .iter()
            .filter(|g| g.level == level)
            .map(|g| format!("slot {}: {}", g.slot, g.reasons.join("; ")))
            .collect()
    };
    let (red, amber) = (said(GuardLevel::Red), said(GuardLevel::Amber));
    if !red.is_empty() {
        let reason = super::model::first_few(&red, 1);
        return Check::new(Kind::Health, "slots", Outcome::Fail, reason)
            .details([red, amber].concat());
    }
    let reason = if amber.is_empty() {
        let names: Vec<&str> = pg.slots.iter().map(|s| s.name.as_str()).collect();
        format!("{} slot(s) ok: {}", names.len(), names.join(", "))
    } else {
        format!("warning: {}", super::model::first_few(&amber, 2))
    };
    Check::new(Kind::Health, "slots", Outcome::Pass, reason)
}

fn kafka(k: &KafkaSnapshot) -> Findings {
    let mut failures: Vec<String> = k
        .brokers
        .iter()
        .filter(|b| b.is_down())
        .map(|b| {
            let why = b.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
            format!("broker {} at {} is down{why}", b.id, b.address())
        })
        .collect();
    let mut warnings = Vec::new();
    for t in &k.topics {
        let (offline, refusing, under) = (t.offline(), t.below_min_isr(), t.under_replicated());
        if offline > 0 {
            failures.push(format!("{}: {offline} partition(s) offline", t.name));
        }
        if refusing > 0 {
            failures.push(format!(
                "{}: {refusing} partition(s) refuse writes: fewer in-sync replicas than min.insync.replicas",
                t.name
            ));
        }
        if under > 0 {
            warnings.push(format!("{}: {under} partition(s) under-replicated", t.name));
        }
    }
    let seen = format!(
        "{} broker(s) up, {} topic(s), no partition offline",
        k.brokers.len(),
        k.topics.len()
    );
    (failures, warnings, seen)
}

fn connectors(c: &ConnectSnapshot) -> Findings {
    let mut failures = Vec::new();
    if c.connectors.is_empty() {
        failures.push("no connectors registered: nothing captures the source".into());
    }
    for k in c.connectors.iter().filter(|k| !k.is_running()) {
        let tasks: Vec<String> = k.tasks.iter().map(|t| format!("{} {}", t.id, t.state)).collect();
        let tasks = if tasks.is_empty() {
            "no tasks".into()
        } else {
            format!("tasks: {}", tasks.join(", "))
        };
        failures.push(format!("connector {} is {} ({tasks})", k.name, k.state));
    }
    let names: Vec<&str> = c.connectors.iter().map(|k| k.name.as_str()).collect();
    (failures, Vec::new(), format!("{} connector(s) RUNNING: {}", names.len(), names.join(", ")))
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;

//! The Prometheus side, offline: the exposition of a fully populated store (`exposition`), and
//! the rules file and Grafana dashboard under compose/ that query it (`dashboards`).

#[path = "../common/mod.rs"]
mod common;
mod dashboards;
mod exposition;
#[path = "../offline_render/fixtures.rs"]
mod fixtures;

use std::collections::BTreeMap;

use cdc_console::alerts::{Alert, AlertState, Severity};
use cdc_console::collectors::connect::AutoRestartStatus;
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::pipeline::deadletter::ConsumerLetters;
use cdc_console::store::Store;
use fixtures::*;

fn alert(rule: &str, severity: Severity, state: AlertState) -> Alert {
    Alert {
        rule: rule.into(),
        severity,
        state,
        labels: BTreeMap::from([("group".to_string(), "g".to_string())]),
        value: "42s".into(),
        summary: "lag".into(),
        active_since: t(0),
        fired_at: None,
        resolved_at: None,
    }
}

/// Every fact the console exports, at least once: the healthy pipeline with groups and latency,
/// a troubled Kafka (a broker down, under-replicated and offline partitions), a connector that
/// auto-restarts, a growing slot with a limit, lost records, dead letters and alerts.
pub fn populated() -> Store {
    let mut s = healthy_full();
    let mut pg = pg(true);
    pg.slots[0].retained_bytes_per_sec = Some(4096.0);
    s.apply(Update { at: t(0), kind: UpdateKind::Source(Ok(pg)) });
    let mut sink = fixtures::pg(false);
    sink.dead_letters.consumers.push(ConsumerLetters {
        consumer: "job:orders".into(),
        count: 3,
        redriven: 1,
        first_ms: 0,
        last_ms: 0,
        reasons: vec![],
    });
    s.apply(Update { at: t(0), kind: UpdateKind::Sink(Ok(sink)) });
    let mut connect = connect_failing();
    connect.connectors[0].auto_restart =
        Some(AutoRestartStatus { active: true, restarts: 2, ..Default::default() });
    s.apply(Update { at: t(0), kind: UpdateKind::Connect(0, Ok(connect)) });
    s.apply(Update { at: t(0), kind: UpdateKind::Kafka(Ok(kafka_troubled())) });
    let mut groups = groups();
    groups.groups[0].partitions[0].lost = Some(7);
    s.apply(Update { at: t(0), kind: UpdateKind::Groups(Ok(groups)) });
    s.alerts.alerts = vec![
        alert("lag", Severity::Warning, AlertState::Firing),
        alert("slot", Severity::Critical, AlertState::Pending),
    ];
    s.alerts.errors = vec!["rule x: unknown fact".into()];
    s
}

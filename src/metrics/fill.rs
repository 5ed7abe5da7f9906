//! Copies the store's facts into the families: one function per backend.

use std::time::SystemTime;

use super::families::Families;
use super::labels::{
    AlertsL, BackendL, BrokerL, ConnectorL, ConnectorStateL, ConsumerL, GroupL, GroupVerdictL,
    LatencyL, PartitionL, PartitionVerdictL, SlotL, SlotWalL, StageL, TaskStateL, TopicL,
};
use crate::alerts::{AlertState, Severity};
use crate::store::{Health, Store};

/// An offset count or byte size as a gauge value (saturating: a gauge is an i64).
fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// An enum's serde name ("OK", "end_to_end"), as the JSON output spells it.
fn word<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

pub fn fill(f: &Families, store: &Store, now: SystemTime) {
    backends(f, store);
    connectors(f, store);
    kafka(f, store);
    groups(f, store);
    slots(f, store, now);
    latency(f, store);
    alerts(f, store);
    dead_letters(f, store);
}

fn dead_letters(f: &Families, store: &Store) {
    for c in store.sink.snapshot.iter().flat_map(|s| &s.dead_letters.consumers) {
        let l = ConsumerL { consumer: c.consumer.clone() };
        f.dead_letters.get_or_create(&l).set(int(c.count));
        f.dead_letters_redriven.get_or_create(&l).set(int(c.redriven));
    }
}

fn backends(f: &Families, store: &Store) {
    let up = |name: &str, health: &Health| {
        let v = i64::from(matches!(health, Health::Up { .. }));
        f.backend_up.get_or_create(&BackendL { backend: name.to_string() }).set(v);
    };
    up(&store.source.name, &store.source.health);
    up(&store.sink.name, &store.sink.health);
    up(&store.kafka.name, &store.kafka.health);
    for c in &store.connect {
        up(&c.name, &c.health);
    }
    up(&store.latency.name, &store.latency.health);
    up(&store.groups.name, &store.groups.health);
    for s in store.stages() {
        f.stage_state.get_or_create(&StageL { stage: s.stage, state: word(s.state) }).set(1);
    }
}

fn connectors(f: &Families, store: &Store) {
    for c in &store.connect {
        let cluster = c.name.trim_start_matches("connect:");
        for k in c.snapshot.iter().flat_map(|s| &s.connectors) {
            let labels = ConnectorStateL {
                cluster: cluster.to_string(),
                connector: k.name.clone(),
                state: k.state.clone(),
            };
            f.connector_state.get_or_create(&labels).set(1);
            for t in &k.tasks {
                let labels = TaskStateL {
                    cluster: cluster.to_string(),
                    connector: k.name.clone(),
                    task: t.id.to_string(),
                    state: t.state.clone(),
                };
                f.task_state.get_or_create(&labels).set(1);
            }
            if let Some(a) = &k.auto_restart {
                let labels = ConnectorL { cluster: cluster.to_string(), connector: k.name.clone() };
                f.auto_restarts.get_or_create(&labels).inc_by(u64::from(a.restarts));
            }
        }
    }
}

fn kafka(f: &Families, store: &Store) {
    use crate::collectors::kafka::BrokerState;
    let Some(k) = &store.kafka.snapshot else { return };
    for b in &k.brokers {
        let v = match b.state {
            BrokerState::Up => 1,
            BrokerState::Down => 0,
            BrokerState::Unknown => continue,
        };
        f.broker_up.get_or_create(&BrokerL { broker: b.id.to_string() }).set(v);
    }
    for t in &k.topics {
        let l = TopicL { topic: t.name.clone() };
        let count = |p: fn(&crate::collectors::kafka::Partition) -> bool| {
            t.partition_details.iter().filter(|x| p(x)).count()
        };
        f.topic_partitions.get_or_create(&l).set(int(t.partitions as u64));
        f.under_replicated.get_or_create(&l).set(int(count(|p| p.under_replicated) as u64));
        f.offline.get_or_create(&l).set(int(count(|p| p.offline) as u64));
        f.below_min_isr.get_or_create(&l).set(int(count(|p| p.below_min_isr) as u64));
        if let Some(r) = t.messages_per_sec {
            f.topic_rate.get_or_create(&l).set(r);
        }
    }
}

fn groups(f: &Families, store: &Store) {
    for g in store.groups.snapshot.iter().flat_map(|s| &s.groups) {
        let gl = GroupL { group: g.name.clone() };
        let verdict = GroupVerdictL { group: g.name.clone(), verdict: word(g.verdict) };
        f.group_verdict.get_or_create(&verdict).set(1);
        f.group_members.get_or_create(&gl).set(int(g.members.len() as u64));
        if let Some(total) = g.total_lag {
            f.group_total_lag.get_or_create(&gl).set(int(total));
        }
        if let Some(s) = g.max_lag_seconds {
            f.group_max_lag_seconds.get_or_create(&gl).set(s);
        }
        for p in &g.partitions {
            let pl = PartitionL {
                group: g.name.clone(),
                topic: p.topic.clone(),
                partition: p.partition.to_string(),
            };
            if let Some(lag) = p.lag {
                f.group_lag.get_or_create(&pl).set(int(lag));
            }
            if let Some(lost) = p.lost {
                f.lost_records.get_or_create(&pl).set(int(lost));
            }
            if let Some(s) = p.lag_seconds {
                f.group_lag_seconds.get_or_create(&pl).set(s.seconds);
            }
            let PartitionL { group, topic, partition } = pl;
            let labels = PartitionVerdictL { group, topic, partition, verdict: word(p.verdict) };
            f.partition_verdict.get_or_create(&labels).set(1);
        }
    }
}

/// The slots as the source reports them, and the slot guard's verdicts (0 ok, 1 amber, 2 red)
/// with the time to `max_slot_wal_keep_size`, so an alert need not recompute them.
fn slots(f: &Families, store: &Store, now: SystemTime) {
    let Some(pg) = &store.source.snapshot else { return };
    for s in &pg.slots {
        let l = SlotL { slot: s.name.clone() };
        if let Some(v) = s.lag_bytes {
            f.slot_lag.get_or_create(&l).set(v);
        }
        if let Some(v) = s.retained_bytes {
            f.slot_retained.get_or_create(&l).set(v);
        }
        f.slot_active.get_or_create(&l).set(i64::from(s.active));
        if let Some(w) = &s.wal_status {
            let labels = SlotWalL { slot: s.name.clone(), wal_status: w.clone() };
            f.slot_wal_status.get_or_create(&labels).set(1);
        }
    }
    for g in store.slot_guards(now) {
        let l = SlotL { slot: g.slot };
        f.slot_guard_level.get_or_create(&l).set(g.level as i64);
        if let Some(v) = g.time_to_limit_secs {
            f.slot_seconds_to_limit.get_or_create(&l).set(int(v));
        }
    }
    if let Some(r) = pg.changes.per_sec {
        f.source_changes.set(r);
    }
}

fn latency(f: &Families, store: &Store) {
    for s in store.latency.snapshot.iter().flat_map(|s| &s.stages) {
        let stage = word(s.stage);
        let ms = &s.ms;
        for (p, v) in
            [("p50", ms.p50), ("p90", ms.p90), ("p99", ms.p99), ("p999", ms.p999), ("max", ms.max)]
        {
            let labels = LatencyL { stage: stage.clone(), percentile: p.to_string() };
            f.latency.get_or_create(&labels).set(v as f64 / 1000.0);
        }
    }
}

/// Every state × severity, zeros included, so a rule or panel on `firing` always has a series.
fn alerts(f: &Families, store: &Store) {
    let states = [AlertState::Firing, AlertState::Pending, AlertState::Resolved];
    let severities = [Severity::Critical, Severity::Warning, Severity::Info];
    for state in states {
        for severity in severities {
            let n = store
                .alerts
                .alerts
                .iter()
                .filter(|a| a.state == state && a.severity == severity)
                .count();
            let labels = AlertsL { state: word(state), severity: word(severity) };
            f.alerts.get_or_create(&labels).set(int(n as u64));
        }
    }
    f.alert_rule_errors.set(int(store.alerts.errors.len() as u64));
}

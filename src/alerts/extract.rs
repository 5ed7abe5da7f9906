//! The facts read from the store: the backends the collectors poll. A backend that is down (or
//! not polled yet) makes its facts unreadable, never empty: emptiness would resolve alerts.
//!
//! The growth facts come out of here as running totals (letters recorded, late events); the
//! evaluator's `growth` turns them into what was added over the last five minutes.

use std::time::SystemTime;

use super::facts::{Facts, Reading, Sample, Value};
use crate::store::snapshots::Topic;
use crate::store::{Backend, GuardLevel, Health, Store};

type Labels = Vec<(&'static str, String)>;

/// Every fact of the store at `now`.
pub fn read(store: &Store, now: SystemTime) -> Facts {
    let mut facts = Facts::default();
    backends(store, &mut facts);
    kafka(store, &mut facts);
    groups(store, &mut facts);
    connect(store, &mut facts);
    slots(store, now, &mut facts);
    dead_letters(store, &mut facts);
    facts
}

fn num(labels: Labels, n: f64) -> Sample {
    Sample::new(labels, Some(Value::Number(n)))
}

fn text(labels: Labels, t: &str) -> Sample {
    Sample::new(labels, Some(Value::Text(t.to_string())))
}

/// Why a backend's data cannot be trusted now; `None` while it answers.
fn unreadable<T: PartialEq>(b: &Backend<T>) -> Option<String> {
    match (&b.health, &b.snapshot) {
        (Health::Up { .. }, Some(_)) => None,
        (Health::Down { reason, .. }, _) => Some(format!("{} down: {reason}", b.name)),
        _ => Some(format!("{} not read yet", b.name)),
    }
}

/// `backend_up`: 0 with the reason while down; a backend not polled yet is unknown.
fn backends(store: &Store, facts: &mut Facts) {
    let mut reading = Reading::default();
    let all = [(&store.source.name, &store.source.health), (&store.sink.name, &store.sink.health)]
        .into_iter()
        .chain(std::iter::once((&store.kafka.name, &store.kafka.health)))
        .chain(store.connect.iter().map(|c| (&c.name, &c.health)));
    for (name, health) in all {
        let labels = vec![("backend", name.clone())];
        reading.samples.push(match health {
            Health::Up { .. } => num(labels, 1.0),
            Health::Down { reason, .. } => {
                Sample { note: Some(reason.clone()), ..num(labels, 0.0) }
            }
            Health::Unknown => Sample::new(labels, None),
        });
    }
    facts.set("backend_up", reading);
}

fn kafka(store: &Store, facts: &mut Facts) {
    let names = ["broker_up", "under_replicated_partitions", "offline_partitions"];
    let Some(k) = store.kafka.snapshot.as_ref().filter(|_| unreadable(&store.kafka).is_none())
    else {
        let why = unreadable(&store.kafka).unwrap_or_default();
        for n in names {
            facts.set(n, Reading::unreadable(why.clone()));
        }
        return;
    };
    let brokers = k.brokers.iter().map(|b| {
        let labels = vec![("broker", b.id.to_string()), ("address", b.address())];
        let s = num(labels, if b.is_down() { 0.0 } else { 1.0 });
        Sample { note: b.reason.clone().filter(|_| b.is_down()), ..s }
    });
    facts.set("broker_up", Reading { samples: brokers.collect(), ..Reading::default() });
    let topics = |count: fn(&Topic) -> usize| Reading {
        samples: k
            .topics
            .iter()
            .filter(|t| t.error.is_none())
            .map(|t| num(vec![("topic", t.name.clone())], count(t) as f64))
            .collect(),
        ..Reading::default()
    };
    facts.set("under_replicated_partitions", topics(Topic::under_replicated));
    facts.set("offline_partitions", topics(Topic::offline));
}

fn groups(store: &Store, facts: &mut Facts) {
    let names = ["group_lag", "group_lag_seconds", "group_verdict"];
    let Some(g) = store.groups.snapshot.as_ref().filter(|_| unreadable(&store.groups).is_none())
    else {
        let why = unreadable(&store.groups).unwrap_or_default();
        for n in names {
            facts.set(n, Reading::unreadable(why.clone()));
        }
        return;
    };
    let (mut lag, mut seconds, mut verdict) = Default::default();
    let (lag, seconds, verdict): (&mut Reading, &mut Reading, &mut Reading) =
        (&mut lag, &mut seconds, &mut verdict);
    for group in &g.groups {
        let labels = || vec![("group", group.name.clone())];
        if group.error.is_some() {
            // Its offsets could not be read this time: what it was stands.
            let why = format!("group {}: {}", group.name, group.error.as_deref().unwrap_or(""));
            for r in [&mut *lag, &mut *seconds, &mut *verdict] {
                r.unreadable.push((labels(), why.clone()));
            }
            continue;
        }
        lag.samples.push(Sample::new(labels(), group.total_lag.map(|l| Value::Number(l as f64))));
        seconds.samples.push(Sample::new(labels(), group.max_lag_seconds.map(Value::Number)));
        verdict.samples.push(text(labels(), group.verdict.as_str()));
    }
    for (n, r) in names.iter().zip([lag, seconds, verdict]) {
        facts.set(n, std::mem::take(r));
    }
}

fn connect(store: &Store, facts: &mut Facts) {
    let (mut connectors, mut tasks) = (Reading::default(), Reading::default());
    for (cluster, backend) in store.connect.iter().enumerate() {
        let name = backend.name.strip_prefix("connect:").unwrap_or(&backend.name).to_string();
        let scope = vec![("cluster", name.clone())];
        let Some(s) = backend.snapshot.as_ref().filter(|_| unreadable(backend).is_none()) else {
            let why = unreadable(backend).unwrap_or_else(|| format!("connect {cluster}"));
            connectors.unreadable.push((scope.clone(), why.clone()));
            tasks.unreadable.push((scope, why));
            continue;
        };
        for c in &s.connectors {
            let labels = vec![("cluster", name.clone()), ("connector", c.name.clone())];
            connectors.samples.push(text(labels.clone(), &c.state));
            for t in &c.tasks {
                let mut labels = labels.clone();
                labels.push(("task", t.id.to_string()));
                tasks.samples.push(text(labels, &t.state));
            }
        }
    }
    facts.set("connector_state", connectors);
    facts.set("task_state", tasks);
}

fn slots(store: &Store, now: SystemTime, facts: &mut Facts) {
    let names = ["slot_retained_bytes", "slot_wal_status", "slot_guard_level"];
    let Some(pg) = store.source.snapshot.as_ref().filter(|_| unreadable(&store.source).is_none())
    else {
        let why = unreadable(&store.source).unwrap_or_default();
        for n in names {
            facts.set(n, Reading::unreadable(why.clone()));
        }
        return;
    };
    let guards = store.slot_guards(now);
    let (mut retained, mut status, mut level) = Default::default();
    let (retained, status, level): (&mut Reading, &mut Reading, &mut Reading) =
        (&mut retained, &mut status, &mut level);
    for slot in &pg.slots {
        let labels = || vec![("slot", slot.name.clone())];
        retained
            .samples
            .push(Sample::new(labels(), slot.retained_bytes.map(|b| Value::Number(b as f64))));
        status.samples.push(Sample::new(labels(), slot.wal_status.clone().map(Value::Text)));
        let lost = slot.wal_status.as_deref() == Some("lost");
        let guard = guards.iter().find(|g| g.slot == slot.name).map(|g| g.level);
        let word = match guard {
            _ if lost => Some("lost"),
            Some(GuardLevel::Ok) => Some("ok"),
            Some(GuardLevel::Amber) => Some("amber"),
            Some(GuardLevel::Red) => Some("red"),
            None => None,
        };
        level.samples.push(Sample::new(labels(), word.map(|w| Value::Text(w.into()))));
    }
    for (n, r) in names.iter().zip([retained, status, level]) {
        facts.set(n, std::mem::take(r));
    }
}

/// The running total of letters each consumer recorded (outstanding and redriven).
fn dead_letters(store: &Store, facts: &mut Facts) {
    let reading = match store.sink.snapshot.as_ref().filter(|_| unreadable(&store.sink).is_none()) {
        Some(pg) => Reading {
            samples: pg
                .dead_letters
                .consumers
                .iter()
                .map(|c| {
                    let total = (c.count + c.redriven) as f64;
                    num(vec![("consumer", c.consumer.clone())], total)
                })
                .collect(),
            ..Reading::default()
        },
        None => Reading::unreadable(unreadable(&store.sink).unwrap_or_default()),
    };
    facts.set("dead_letters_growth", reading);
}

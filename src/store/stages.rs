//! The pipeline as stages with one verdict each: what `status` prints first and what decides
//! its exit code.

use std::time::SystemTime;

use serde::Serialize;

use super::snapshots::{Embedded, Retrying};
use super::{Backend, GuardLevel, Health, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageState {
    Up,
    /// Reachable but not all well: a paused connector, an inactive slot, a table without
    /// REPLICA IDENTITY FULL.
    Degraded,
    /// Not doing its job: unreachable, a failed connector task, partitions refusing writes.
    Down,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub stage: String,
    pub endpoint: String,
    pub state: StageState,
    #[serde(serialize_with = "super::health::ser_opt_time")]
    pub since: Option<SystemTime>,
    /// Why it is not up; empty when up.
    pub detail: Vec<String>,
}

impl Embedded {
    /// The stages the console runs itself: generator, replicator, processor (see
    /// [`embedded_stage`]).
    pub fn stages(&self, now: SystemTime) -> Vec<Stage> {
        let (g, r, p) = (&self.generator, &self.replicator, &self.processor);
        vec![
            embedded_stage("generator", g.running, g.retrying.as_ref(), g.error.as_deref(), now),
            embedded_stage("replicator", r.running, r.retrying.as_ref(), r.error.as_deref(), now),
            embedded_stage("processor", p.running, p.retrying.as_ref(), p.error.as_deref(), now),
        ]
    }
}

/// A stage the console runs itself: degraded while it waits to retry ("retrying (attempt N,
/// next in Ns): reason"), neither up nor finished; up while it runs; down once it failed for
/// good; unknown when not started.
pub fn embedded_stage(
    name: &str,
    running: bool,
    retrying: Option<&Retrying>,
    error: Option<&str>,
    now: SystemTime,
) -> Stage {
    let (state, since, detail) = match (retrying, running, error) {
        (Some(r), ..) => (
            StageState::Degraded,
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_millis(r.since_ms)),
            vec![r.describe(now)],
        ),
        (None, true, _) => (StageState::Up, None, Vec::new()),
        (None, false, Some(e)) => (StageState::Down, None, vec![e.to_owned()]),
        (None, false, None) => (StageState::Unknown, None, vec!["not running".into()]),
    };
    Stage { stage: name.into(), endpoint: "embedded".into(), state, since, detail }
}

impl Store {
    /// Source → connectors → broker → sink, plus each Connect worker. A degraded stage's
    /// `since` is when it became degraded (an up one's: since when it answers, its uptime).
    pub fn stages(&self) -> Vec<Stage> {
        let mut stages = self.stages_by_health();
        for s in stages.iter_mut().filter(|s| s.state == StageState::Degraded) {
            if let Some(at) = self.degraded_since.get(&s.stage) {
                s.since = Some(*at);
            }
        }
        stages
    }

    /// Notes when each stage became degraded (kept while it stays so, forgotten once not).
    pub(super) fn track_degraded(&mut self, at: SystemTime) {
        let degraded: Vec<String> = self
            .stages_by_health()
            .into_iter()
            .filter(|s| s.state == StageState::Degraded)
            .map(|s| s.stage)
            .collect();
        self.degraded_since.retain(|name, _| degraded.contains(name));
        for name in degraded {
            self.degraded_since.entry(name).or_insert(at);
        }
    }

    /// The stages with `since` from each backend's health.
    fn stages_by_health(&self) -> Vec<Stage> {
        let mut out = vec![self.source_stage(), self.kafka_stage()];
        for c in &self.connect {
            out.push(stage_of(c, |_| Vec::new()));
            out.push(connectors_stage(c));
        }
        out.push(stage_of(&self.sink, |_| Vec::new()));
        out
    }

    /// Degraded by an amber slot or a table that loses before images; down with a red slot
    /// (lost, or about to be): changes will be missing.
    fn source_stage(&self) -> Stage {
        let guards = self.slot_guards(self.source.updated_at.unwrap_or(SystemTime::UNIX_EPOCH));
        let mut stage = stage_of(&self.source, |s| {
            let mut warn = Vec::new();
            if s.wal_level != "logical" {
                warn.push(format!("wal_level is {}, logical decoding needs logical", s.wal_level));
            }
            // Red first (each guard lists its own reasons worst first): the box shows the top.
            let mut by_level: Vec<_> = guards
                .iter()
                .flat_map(|g| g.reasons.iter().enumerate().map(move |(i, r)| (g.level, i, r)))
                .collect();
            by_level.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            warn.extend(by_level.into_iter().map(|x| x.2.clone()));
            for t in s.tables.iter().filter(|t| t.replica_identity != "full") {
                warn.push(format!(
                    "{} has REPLICA IDENTITY {}: updates and deletes lose their before image",
                    t.name,
                    t.replica_identity.to_uppercase()
                ));
            }
            warn
        });
        if stage.state == StageState::Degraded && guards.iter().any(|g| g.level == GuardLevel::Red)
        {
            stage.state = StageState::Down;
        }
        stage
    }

    /// Degraded by what [`kafka_warnings`] finds; down while a partition is below
    /// min.insync.replicas, the cluster answers then, but the pipeline stalls at that partition:
    /// every acks=all producer (Debezium through Connect) has its writes refused.
    fn kafka_stage(&self) -> Stage {
        let mut stage = stage_of(&self.kafka, kafka_warnings);
        let refusing = self
            .kafka
            .snapshot
            .as_ref()
            .is_some_and(|k| k.topics.iter().any(|t| t.below_min_isr() > 0));
        if stage.state == StageState::Degraded && refusing {
            stage.state = StageState::Down;
        }
        stage
    }
}

/// Partitions refusing writes, brokers down, partitions offline or under-replicated: the
/// cluster answers but is not whole. What refuses writes comes first: it is why the stage is
/// down, and the overview's box shows only the first few lines.
fn kafka_warnings(k: &crate::collectors::kafka::KafkaSnapshot) -> Vec<String> {
    let refusing = k.topics.iter().filter_map(|t| {
        let (n, min) = (t.below_min_isr(), t.min_insync_replicas?);
        (n > 0).then(|| format!("{}: {n} partition(s) refuse writes: fewer in-sync replicas than min.insync.replicas={min}", t.name))
    });
    let down = k.brokers.iter().filter(|b| b.is_down()).map(|b| {
        format!(
            "broker {} at {} is down{}",
            b.id,
            b.address(),
            b.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
        )
    });
    let mut warn: Vec<String> = refusing.chain(down).collect();
    for t in &k.topics {
        let (offline, under) = (t.offline(), t.under_replicated());
        if offline > 0 {
            warn.push(format!("{}: {offline} partition(s) offline", t.name));
        }
        if under > 0 {
            warn.push(format!("{}: {under} partition(s) under-replicated", t.name));
        }
    }
    warn
}

/// A backend's stage: down when unreachable, degraded when `warnings` finds anything.
fn stage_of<T: PartialEq>(b: &Backend<T>, warnings: impl Fn(&T) -> Vec<String>) -> Stage {
    let (state, since, detail) = match (&b.health, &b.snapshot) {
        (Health::Unknown, _) => (StageState::Unknown, None, vec!["not polled yet".into()]),
        (Health::Down { since, reason, .. }, _) => {
            (StageState::Down, Some(*since), vec![reason.clone()])
        }
        (Health::Up { since }, Some(s)) => {
            let w = warnings(s);
            let state = if w.is_empty() { StageState::Up } else { StageState::Degraded };
            (state, Some(*since), w)
        }
        (Health::Up { since }, None) => (StageState::Up, Some(*since), Vec::new()),
    };
    Stage { stage: b.name.clone(), endpoint: b.endpoint.clone(), state, since, detail }
}

/// Connectors of one Connect cluster: down when one failed, degraded when one is not running.
fn connectors_stage(b: &Backend<crate::collectors::connect::ConnectSnapshot>) -> Stage {
    let name = format!("{}/connectors", b.name);
    let Some(snap) = b.snapshot.as_ref().filter(|_| b.is_up()) else {
        let (state, since, why) = match &b.health {
            Health::Down { since, .. } => {
                (StageState::Down, Some(*since), "Connect worker unreachable")
            }
            _ => (StageState::Unknown, None, "not polled yet"),
        };
        return Stage {
            stage: name,
            endpoint: b.endpoint.clone(),
            state,
            since,
            detail: vec![why.into()],
        };
    };
    let mut detail = Vec::new();
    let mut state = StageState::Up;
    if snap.connectors.is_empty() {
        state = StageState::Degraded;
        detail.push("no connectors registered".into());
    }
    for c in &snap.connectors {
        if c.has_failed() {
            state = StageState::Down;
            let failed: Vec<String> =
                c.tasks.iter().filter(|t| t.state == "FAILED").map(|t| t.id.to_string()).collect();
            detail.push(format!(
                "{} is {}; failed tasks: [{}]",
                c.name,
                c.state,
                failed.join(", ")
            ));
        } else if !c.is_running() {
            if state == StageState::Up {
                state = StageState::Degraded;
            }
            detail.push(format!("{} is {} with {} task(s)", c.name, c.state, c.tasks.len()));
        }
    }
    let since = match b.health {
        Health::Up { since } => Some(since),
        _ => None,
    };
    Stage { stage: name, endpoint: b.endpoint.clone(), state, since, detail }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::collectors::kafka::{Broker, BrokerState, KafkaSnapshot, Partition, Topic};
    use crate::collectors::{Update, UpdateKind};

    #[test]
    fn a_retrying_stage_is_degraded_and_says_attempt_wait_and_reason() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        let mut e = Embedded::default();
        e.replicator.running = true;
        e.replicator.retrying = Some(Retrying {
            attempt: 2,
            reason: "sink: connecting: connection refused".into(),
            next_attempt_at_ms: 1_002_000,
            since_ms: 997_000,
        });
        e.processor.error = Some("job j: refused".into());
        let stages = e.stages(now);
        let states: Vec<_> = stages.iter().map(|s| s.state).collect();
        assert_eq!(states, [StageState::Unknown, StageState::Degraded, StageState::Down]);
        assert_eq!(
            stages[1].detail,
            ["retrying (attempt 2, next in 2s): sink: connecting: connection refused"]
        );
        assert_eq!(stages[1].since, Some(now - std::time::Duration::from_secs(3)));
        e.replicator.retrying = None;
        assert_eq!(e.stages(now)[1].state, StageState::Up);
    }

    #[test]
    fn a_degraded_stage_says_since_when_it_is_degraded_and_an_up_one_its_uptime() {
        use crate::collectors::postgres::PostgresSnapshot;
        let t0 = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        let at = |s: u64| t0 + std::time::Duration::from_secs(s);
        // wal_level replica degrades the source (a warning, the server answers).
        let source = |logical: bool| PostgresSnapshot {
            server_version: "15".into(),
            wal_level: if logical { "logical" } else { "replica" }.into(),
            ..PostgresSnapshot::empty()
        };
        let mut store = Store::new(&crate::config::Config::default());
        let stage =
            |store: &Store| store.stages().into_iter().find(|s| s.stage == "source").unwrap();
        store.apply(Update { at: t0, kind: UpdateKind::Source(Ok(source(true))) });
        assert_eq!((stage(&store).state, stage(&store).since), (StageState::Up, Some(t0)));
        // Up since t0; the slot goes inactive at 300 s: degraded since then, not since t0.
        store.apply(Update { at: at(300), kind: UpdateKind::Source(Ok(source(false))) });
        store.apply(Update { at: at(330), kind: UpdateKind::Source(Ok(source(false))) });
        assert_eq!(
            (stage(&store).state, stage(&store).since),
            (StageState::Degraded, Some(at(300)))
        );
        // Well again: the uptime, which never stopped.
        store.apply(Update { at: at(400), kind: UpdateKind::Source(Ok(source(true))) });
        assert_eq!((stage(&store).state, stage(&store).since), (StageState::Up, Some(t0)));
        store.apply(Update { at: at(500), kind: UpdateKind::Source(Ok(source(false))) });
        assert_eq!(stage(&store).since, Some(at(500)), "a new degraded stretch");
    }

    fn kafka_stage(k: KafkaSnapshot) -> Stage {
        let mut store = Store::new(&crate::config::Config::default());
        store.apply(Update { at: SystemTime::now(), kind: UpdateKind::Kafka(Ok(k)) });
        store.stages().into_iter().find(|s| s.stage == "kafka").unwrap()
    }

    #[test]
    fn a_down_broker_and_unhealthy_partitions_degrade_the_kafka_stage() {
        let up = Broker {
            id: 1,
            host: "k1".into(),
            port: 9092,
            state: BrokerState::Up,
            ..Broker::default()
        };
        let down = Broker {
            id: 2,
            host: "k2".into(),
            port: 9092,
            state: BrokerState::Down,
            reason: Some("connection refused".into()),
            ..Broker::default()
        };
        let topic = Topic {
            name: "t".into(),
            partitions: 2,
            partition_details: vec![
                Partition::from_metadata(0, -1, &[2], &[], None),
                Partition::from_metadata(1, 1, &[1, 2], &[1], None),
            ],
            ..Topic::default()
        };
        let healthy =
            kafka_stage(KafkaSnapshot { brokers: vec![up.clone()], ..KafkaSnapshot::default() });
        assert_eq!((healthy.state, healthy.detail.len()), (StageState::Up, 0));
        let s = kafka_stage(KafkaSnapshot {
            brokers: vec![up, down],
            topics: vec![topic],
            ..KafkaSnapshot::default()
        });
        assert_eq!(s.state, StageState::Degraded);
        assert_eq!(
            s.detail,
            [
                "broker 2 at k2:9092 is down: connection refused",
                "t: 1 partition(s) offline",
                "t: 2 partition(s) under-replicated", // as kafka-topics counts it: ISR smaller than replicas, the offline one too
            ]
        );
    }

    #[test]
    fn partitions_below_min_isr_take_the_kafka_stage_down_and_say_how_many() {
        let up = Broker {
            id: 1,
            host: "k1".into(),
            port: 9092,
            state: BrokerState::Up,
            ..Broker::default()
        };
        let topic = |isr: &[&[i32]], min| {
            let partition_details = isr
                .iter()
                .enumerate()
                .map(|(i, isr)| Partition::from_metadata(i as i32, isr[0], &[1, 2, 3], isr, None))
                .collect();
            let mut t = Topic {
                name: "orders".into(),
                partitions: isr.len(),
                partition_details,
                ..Topic::default()
            };
            t.apply_min_isr(min);
            t
        };
        let down = Broker {
            id: 4,
            host: "k4".into(),
            port: 9092,
            state: BrokerState::Down,
            ..Broker::default()
        };
        let snapshot = |t: Topic| KafkaSnapshot {
            brokers: vec![up.clone(), down.clone()],
            topics: vec![t],
            ..KafkaSnapshot::default()
        };

        let refusing = kafka_stage(snapshot(topic(&[&[1], &[2], &[3, 1], &[1, 2, 3]], Some(2))));
        assert_eq!(refusing.state, StageState::Down);
        assert_eq!(
            refusing.detail,
            [
                "orders: 2 partition(s) refuse writes: fewer in-sync replicas than min.insync.replicas=2", // first: it is why the stage is down
                "broker 4 at k4:9092 is down",
                "orders: 3 partition(s) under-replicated",
            ]
        );
        // The same ISR while min.insync.replicas is 1, or unknown: only warnings.
        for min in [Some(1), None] {
            let lagging = kafka_stage(snapshot(topic(&[&[1], &[2], &[3, 1], &[1, 2, 3]], min)));
            assert_eq!(lagging.state, StageState::Degraded);
            assert_eq!(
                lagging.detail,
                ["broker 4 at k4:9092 is down", "orders: 3 partition(s) under-replicated"]
            );
        }
    }
}

//! End-to-end latency from the timestamps each change event carries: the source commit
//! (`source.ts_ms`), Debezium's processing (`ts_ms`), the broker record timestamp, and the moment
//! the console reads it. A consumer of the change topics, positioned at their end and never
//! committing (it is an observer, not a member of anyone's group).

mod sampler;

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

pub use crate::stats::{Percentiles, SlidingHistogram};
pub use sampler::Sampler;

use super::{CollectError, UpdateKind};

/// Beyond librdkafka's own timeout, before a blocking call is abandoned.
const GRACE: Duration = Duration::from_millis(500);
use crate::config::Config;

/// The hops a change makes, each measured between two of its timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Source commit → Debezium read it from the WAL.
    SourceToDebezium,
    /// Debezium → the record's broker timestamp.
    DebeziumToBroker,
    /// Broker → the console consumed it.
    BrokerToConsole,
    /// Source commit → the console consumed it.
    EndToEnd,
}

pub const STAGES: [Stage; 4] =
    [Stage::SourceToDebezium, Stage::DebeziumToBroker, Stage::BrokerToConsole, Stage::EndToEnd];

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::SourceToDebezium => "source commit → Debezium",
            Stage::DebeziumToBroker => "Debezium → broker",
            Stage::BrokerToConsole => "broker → console",
            Stage::EndToEnd => "source commit → console",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageLatency {
    pub stage: Stage,
    #[serde(flatten)]
    pub ms: Percentiles,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencySnapshot {
    pub window_seconds: u64,
    pub stages: Vec<StageLatency>,
    /// Change events measured (snapshot reads and tombstones are not changes).
    pub events: u64,
    /// Records that were not Debezium change events.
    pub undecodable: u64,
    /// Topics being sampled (configured topics that exist).
    pub topics: Vec<String>,
}

/// The fields latency needs, and nothing else.
#[derive(Deserialize)]
struct Stamps {
    op: String,
    ts_ms: Option<i64>,
    source: SourceStamp,
}

#[derive(Deserialize)]
struct SourceStamp {
    ts_ms: i64,
}

/// Per-stage windows over the events seen: the measuring, apart from any consumer.
pub struct Measurements {
    windows: Vec<SlidingHistogram>,
    span: Duration,
    events: u64,
    undecodable: u64,
}

impl Measurements {
    pub fn new(span: Duration) -> Self {
        Self {
            windows: STAGES.iter().map(|_| SlidingHistogram::new(span, 6)).collect(),
            span,
            events: 0,
            undecodable: 0,
        }
    }

    /// Measures one record.
    pub fn observe(&mut self, payload: Option<&[u8]>, broker_ts: Option<i64>, now: SystemTime) {
        let Some(bytes) = payload.filter(|b| !b.is_empty()) else { return };
        let stamps: Stamps = if let Ok(s) = serde_json::from_slice(bytes) {
            s
        } else {
            self.undecodable += 1;
            return;
        };
        if stamps.op == "r" {
            return;
        }
        self.events += 1;
        let now_ms =
            now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
        let commit = stamps.source.ts_ms;
        let mut record = |stage: Stage, v: i64| {
            if let Some(i) = STAGES.iter().position(|s| *s == stage) {
                self.windows[i].record(v, now);
            }
        };
        if let Some(dbz) = stamps.ts_ms {
            record(Stage::SourceToDebezium, dbz - commit);
            if let Some(b) = broker_ts {
                record(Stage::DebeziumToBroker, b - dbz);
            }
        }
        if let Some(b) = broker_ts {
            record(Stage::BrokerToConsole, now_ms - b);
        }
        record(Stage::EndToEnd, now_ms - commit);
    }

    pub fn snapshot(&mut self, now: SystemTime, topics: Vec<String>) -> LatencySnapshot {
        LatencySnapshot {
            window_seconds: self.span.as_secs(),
            stages: STAGES
                .iter()
                .zip(self.windows.iter_mut())
                .map(|(stage, w)| StageLatency { stage: *stage, ms: w.percentiles(now) })
                .collect(),
            events: self.events,
            undecodable: self.undecodable,
            topics,
        }
    }
}

/// Samples the change topics for `window` and returns the percentiles (the `latency` command).
pub async fn sample(config: &Config, window: Duration) -> Result<LatencySnapshot, CollectError> {
    let mut s = Sampler::new(config, window.max(Duration::from_secs(1)))?;
    let end = tokio::time::Instant::now() + window;
    // Look for new topics and partitions every second: Debezium creates a table's topic with
    // its first change, which may come while sampling.
    while tokio::time::Instant::now() < end {
        s.follow_new_partitions().await?;
        s.run_until(end.min(tokio::time::Instant::now() + Duration::from_secs(1))).await;
    }
    Ok(s.snapshot(SystemTime::now()))
}

/// The collector task: measures continuously, reports every `every` over a one-minute window.
pub fn spawn(
    config: &Config,
    tx: tokio::sync::mpsc::Sender<super::Update>,
) -> tokio::task::JoinHandle<()> {
    let config = config.clone();
    let every = config.timeouts.refresh();
    tokio::spawn(async move {
        let mut sampler = None;
        loop {
            let report = async {
                if sampler.is_none() {
                    sampler = Some(Sampler::new(&config, Duration::from_secs(60))?);
                }
                let s = sampler.as_mut().ok_or_else(|| CollectError::Backend {
                    endpoint: config.kafka.brokers.clone(),
                    message: "no consumer".into(),
                    retryable: true,
                })?;
                s.follow_new_partitions().await?;
                s.run_until(tokio::time::Instant::now() + every).await;
                Ok(s.snapshot(SystemTime::now()))
            }
            .await;
            if report.is_err() {
                tokio::time::sleep(every).await;
            }
            let update = super::Update { at: SystemTime::now(), kind: UpdateKind::Latency(report) };
            if tx.send(update).await.is_err() {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_is_measured_on_every_stage() {
        let mut s = Measurements::new(Duration::from_secs(60));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_010);
        let ev = br#"{"op":"u","ts_ms":1700000000300,"source":{"ts_ms":1700000000000,"lsn":1},"before":{},"after":{}}"#;
        s.observe(Some(ev), Some(1_700_000_000_450), now);
        s.observe(Some(br#"{"op":"r","ts_ms":1,"source":{"ts_ms":1}}"#), Some(1), now);
        s.observe(Some(b"not json"), None, now);
        s.observe(None, None, now);
        let snap = s.snapshot(now, vec![]);
        let max = |st: Stage| snap.stages.iter().find(|x| x.stage == st).unwrap().ms.max;
        assert_eq!((snap.events, snap.undecodable), (1, 1));
        assert_eq!(max(Stage::SourceToDebezium), 300);
        assert_eq!(max(Stage::DebeziumToBroker), 150);
        // Three significant figures: within 0.1 % above the true value.
        assert!(
            (9_550..=9_560).contains(&max(Stage::BrokerToConsole)),
            "{}",
            max(Stage::BrokerToConsole)
        );
        assert!((10_000..=10_010).contains(&max(Stage::EndToEnd)), "{}", max(Stage::EndToEnd));
    }
}

//! The latency collector's consumer: positioned at the end of every change topic (new
//! partitions from their start), it feeds each record's timestamps to [`Measurements`].

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{Message, Offset, TopicPartitionList};

use super::{GRACE, LatencySnapshot, Measurements};
use crate::collectors::kafka::list_offsets::list_offsets;
use crate::collectors::{Blocked, CollectError, off_thread};
use crate::config::Config;

/// The consumer feeding `Measurements`.
pub struct Sampler {
    consumer: std::sync::Arc<StreamConsumer>,
    topics: Vec<String>,
    assigned: BTreeSet<(String, i32)>,
    measurements: Measurements,
    timeout: Duration,
    /// Whether partitions were looked up once: later ones are new and read from the start.
    looked: bool,
}

impl Sampler {
    pub fn new(config: &Config, span: Duration) -> Result<Self, CollectError> {
        let consumer: StreamConsumer = crate::kafka::client_config(config)
            .set("group.id", format!("cdc-console-latency-{}", std::process::id()))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .create()
            .map_err(|e| CollectError::Backend {
                endpoint: config.kafka.brokers.clone(),
                message: format!("cannot create a Kafka consumer: {e}"),
                retryable: false,
            })?;
        Ok(Self {
            consumer: std::sync::Arc::new(consumer),
            topics: config.tables.iter().map(|t| t.topic.clone()).collect(),
            assigned: BTreeSet::new(),
            measurements: Measurements::new(span),
            timeout: config.timeouts.request(),
            looked: false,
        })
    }

    /// Assigns partitions that appeared since the last call at their end: topics are created
    /// by Debezium on a table's first change, and partitions can be added.
    pub async fn follow_new_partitions(&mut self) -> Result<(), CollectError> {
        let mut found = BTreeSet::new();
        for topic in &self.topics {
            // librdkafka's metadata call blocks a thread: keep it off the async workers.
            let (consumer, t, timeout) = (self.consumer.clone(), topic.clone(), self.timeout);
            let md =
                off_thread(timeout + GRACE, move || consumer.fetch_metadata(Some(&t), timeout))
                    .await
                    .map_err(|e| match e {
                        Blocked::TimedOut => {
                            CollectError::Timeout { endpoint: topic.clone(), after: timeout }
                        }
                        Blocked::Failed(message) => CollectError::Backend {
                            endpoint: topic.clone(),
                            message,
                            retryable: true,
                        },
                    })?
                    .map_err(|e| CollectError::Unreachable {
                        endpoint: topic.clone(),
                        reason: e.to_string(),
                    })?;
            for t in md.topics().iter().filter(|t| t.error().is_none()) {
                found.extend(t.partitions().iter().map(|p| (t.name().to_string(), p.id())));
            }
        }
        if found == self.assigned {
            return Ok(());
        }
        // New partitions start at their log end, read before assigning: assigning `Offset::End`
        // leaves the lookup to librdkafka after the window has started, and a broker slow to
        // answer ListOffsets would silently shorten the window.
        let current = self.consumer.position().unwrap_or_default();
        let fresh: Vec<(String, i32)> = found
            .iter()
            .filter(|(t, p)| {
                !matches!(
                    current.find_partition(t, *p).map(|e| e.offset()),
                    Some(Offset::Offset(_))
                )
            })
            .cloned()
            .collect();
        let (consumer, timeout, asked) = (self.consumer.clone(), self.timeout, fresh);
        let ends = off_thread(timeout + GRACE, move || {
            list_offsets(&*consumer, &asked, Offset::End, timeout)
        })
        .await
        .unwrap_or_default();
        // A partition that appears after the first look holds only changes made since: read it
        // from its beginning.
        let first_look = !self.looked;
        self.looked = true;
        let mut tpl = TopicPartitionList::new();
        for (topic, p) in &found {
            let offset = match current.find_partition(topic, *p).map(|e| e.offset()) {
                Some(o @ Offset::Offset(_)) => o,
                _ if !first_look && !self.assigned.contains(&(topic.clone(), *p)) => {
                    Offset::Beginning
                }
                _ => match ends.get(&(topic.clone(), *p)) {
                    Some(Ok(end)) => Offset::Offset(*end),
                    _ => Offset::End,
                },
            };
            let _ = tpl.add_partition_offset(topic, *p, offset);
        }
        self.consumer.assign(&tpl).map_err(|e| CollectError::Backend {
            endpoint: "latency consumer".into(),
            message: format!("assign: {e}"),
            retryable: true,
        })?;
        self.assigned = found;
        Ok(())
    }

    pub fn snapshot(&mut self, now: SystemTime) -> LatencySnapshot {
        let topics = self.assigned.iter().map(|(t, _)| t.clone()).collect::<BTreeSet<_>>();
        self.measurements.snapshot(now, topics.into_iter().collect())
    }

    /// Consumes until `until`, measuring every record.
    pub async fn run_until(&mut self, until: tokio::time::Instant) {
        while let Ok(next) = tokio::time::timeout_at(until, self.consumer.recv()).await {
            if let Ok(msg) = next {
                let (payload, ts) =
                    (msg.payload().map(<[u8]>::to_vec), msg.timestamp().to_millis());
                self.measurements.observe(payload.as_deref(), ts, SystemTime::now());
            }
        }
    }
}

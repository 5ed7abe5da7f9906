//! Reads a connector's notification topic from its start, every partition (the sink channel keys
//! a notification by its id, so one snapshot's notifications share a partition and keep their
//! order), folding the incremental-snapshot ones into a [`SnapshotHistory`].
//!
//! Connect writes them in its transactions (exactly-once source): read committed, librdkafka's
//! default. The topic appears with the first notification: until then there is nothing to read.
//! Blocking (librdkafka's poll): run it on a blocking thread.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::{Notification, SnapshotError, SnapshotHistory};
use crate::config::Config;

pub struct NotificationReader {
    consumer: BaseConsumer,
    topic: String,
    /// Partitions assigned; none while the topic does not exist.
    partitions: usize,
    /// Partitions read to their end since the last assignment.
    at_end: usize,
    timeout: Duration,
    pub history: SnapshotHistory,
    /// Every notification read, as (snapshot id, type), in order: what happened between two
    /// looks, which the folded history alone does not tell (a RESUMED followed by COMPLETED).
    pub seen: Vec<(String, String)>,
}

impl NotificationReader {
    pub fn new(config: &Config, topic: &str) -> Result<Self, SnapshotError> {
        let consumer: BaseConsumer = crate::kafka::client_config(config)
            .set("group.id", "cdc-console-notifications")
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .create()
            .map_err(|e| fail(topic, &e))?;
        Ok(Self {
            consumer,
            topic: topic.to_string(),
            partitions: 0,
            at_end: 0,
            timeout: config.timeouts.request(),
            history: SnapshotHistory::default(),
            seen: Vec::new(),
        })
    }

    /// Assigns every partition from its start, once the topic exists.
    fn assign(&mut self) -> Result<(), SnapshotError> {
        if self.partitions > 0 {
            return Ok(());
        }
        let md = self
            .consumer
            .fetch_metadata(Some(&self.topic), self.timeout)
            .map_err(|e| fail(&self.topic, &e))?;
        let mut tpl = TopicPartitionList::new();
        for t in md.topics().iter().filter(|t| t.name() == self.topic && t.error().is_none()) {
            for p in t.partitions() {
                tpl.add_partition_offset(&self.topic, p.id(), Offset::Beginning)
                    .map_err(|e| fail(&self.topic, &e))?;
            }
        }
        if tpl.count() > 0 {
            self.consumer.assign(&tpl).map_err(|e| fail(&self.topic, &e))?;
            self.partitions = tpl.count();
            self.at_end = 0;
        }
        Ok(())
    }

    /// Reads until every partition's end (or `limit`): the history as the topic holds it now.
    pub fn catch_up(&mut self, limit: Duration) -> Result<(), SnapshotError> {
        self.assign()?;
        let deadline = Instant::now() + limit;
        while self.partitions > 0 && self.at_end < self.partitions && Instant::now() < deadline {
            self.poll_once(Duration::from_millis(200))?;
        }
        Ok(())
    }

    /// Reads for up to `wait`; true when a notification arrived.
    pub fn poll_for(&mut self, wait: Duration) -> Result<bool, SnapshotError> {
        self.assign()?;
        if self.partitions == 0 {
            std::thread::sleep(wait);
            return Ok(false);
        }
        let deadline = Instant::now() + wait;
        let mut any = false;
        while Instant::now() < deadline {
            any |= self.poll_once(deadline.saturating_duration_since(Instant::now()))?;
            if any {
                // Take what else is already fetched before returning.
                while self.poll_once(Duration::ZERO)? {}
                break;
            }
        }
        Ok(any)
    }

    fn poll_once(&mut self, wait: Duration) -> Result<bool, SnapshotError> {
        match self.consumer.poll(wait) {
            None => Ok(false),
            Some(Err(KafkaError::PartitionEOF(_))) => {
                self.at_end += 1;
                Ok(false)
            }
            Some(Err(e)) if crate::kafka::retryable(&e) => Ok(false),
            Some(Err(e)) => Err(fail(&self.topic, &e)),
            Some(Ok(m)) => {
                // Anything else on the topic (another aggregate type, foreign records) is skipped.
                let Some(n) = m.payload().and_then(Notification::decode) else {
                    return Ok(false);
                };
                self.history.apply(&n);
                self.seen.push((n.id, n.kind));
                Ok(true)
            }
        }
    }
}

fn fail(topic: &str, e: &KafkaError) -> SnapshotError {
    SnapshotError::Notifications { topic: topic.to_string(), message: e.to_string() }
}

/// The history as the topic holds it now (bounded by twice the request timeout).
pub async fn read_history(config: &Config, topic: &str) -> Result<SnapshotHistory, SnapshotError> {
    let mut reader = NotificationReader::new(config, topic)?;
    let limit = config.timeouts.request() * 2;
    tokio::task::spawn_blocking(move || reader.catch_up(limit).map(|()| reader.history))
        .await
        .map_err(|e| SnapshotError::Notifications {
            topic: topic.to_string(),
            message: e.to_string(),
        })?
}

//! One consumer per read, assigned once (librdkafka aborts on repeated re-assignments of a kept
//! consumer): the partitions of a topic from a start point, up to their ends as they were when
//! the read began, and on live when following.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::EventsError;

/// Where a read starts in each partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The log start.
    Beginning,
    /// This offset in every partition (clamped to the partition's log).
    Offset(i64),
    /// The first record at or after this time (milliseconds since the epoch).
    Time(i64),
    /// The newest N records of each partition.
    Last(u64),
    /// The end: only what comes next (follow).
    End,
    /// These next offsets per partition (a follow resuming where a read ended).
    At(BTreeMap<i32, i64>),
}

/// A partition's part of a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: i64,
    /// The high watermark when the read began.
    pub end: i64,
    /// The next offset to read.
    pub at: i64,
}

impl Range {
    pub fn done(&self) -> bool {
        self.at >= self.end
    }
    pub fn scanned(&self) -> u64 {
        (self.at.min(self.end) - self.from).max(0).unsigned_abs()
    }
    pub fn total(&self) -> u64 {
        (self.end - self.from).max(0).unsigned_abs()
    }
}

/// The topic's partitions, in order.
pub fn partitions(
    client: &ClientConfig,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<i32>, EventsError> {
    let c: BaseConsumer = client.create().map_err(EventsError::kafka("creating a client"))?;
    let md = c
        .fetch_metadata(Some(topic), timeout)
        .map_err(EventsError::kafka(format!("metadata of {topic}")))?;
    let mut out: Vec<i32> = md
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(rdkafka::metadata::MetadataPartition::id))
        .collect();
    out.sort_unstable();
    if out.is_empty() {
        return Err(EventsError::NoTopic(topic.to_string()));
    }
    Ok(out)
}

/// A read of some partitions of a topic. Blocking: use it from a blocking thread.
pub struct Reader {
    consumer: BaseConsumer,
    topic: String,
    pub ranges: BTreeMap<i32, Range>,
    heard: Instant,
}

impl Reader {
    /// Assigns `partitions` of `topic` from `start`, once.
    pub fn open(
        client: &ClientConfig,
        topic: &str,
        partitions: &[i32],
        start: &Start,
        timeout: Duration,
    ) -> Result<Self, EventsError> {
        // The end of a partition tells a scan it is done; a follow has nothing to finish, and
        // librdkafka logs each end as an error.
        let eof = !matches!(start, Start::At(_) | Start::End);
        let consumer: BaseConsumer = client
            .clone()
            // librdkafka refuses `assign` without a group id; this one is never joined.
            .set("group.id", "cdc-console-events")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", if eof { "true" } else { "false" })
            // Bounded prefetch: a key search holds matches, not the log.
            .set("queued.max.messages.kbytes", "32768")
            // Bigger fetches: a scan is throughput-bound by round trips.
            .set("max.partition.fetch.bytes", "8388608")
            .set("fetch.max.bytes", "33554432")
            .create()
            .map_err(EventsError::kafka("creating the reader"))?;
        let mut ranges = BTreeMap::new();
        let times = match start {
            Start::Time(ms) => Some(times(&consumer, topic, partitions, *ms, timeout)?),
            _ => None,
        };
        let mut tpl = TopicPartitionList::new();
        for &p in partitions {
            let (low, high) = consumer
                .fetch_watermarks(topic, p, timeout)
                .map_err(EventsError::kafka(format!("watermarks of {topic}[{p}]")))?;
            let from = match start {
                Start::Beginning => low,
                Start::Offset(n) => *n,
                Start::Time(_) => times.as_ref().and_then(|t| t.get(&p).copied()).unwrap_or(high),
                // Offsets are not records only: a transactional producer (Kafka Connect with
                // exactly-once source support) leaves a commit marker after each transaction,
                // so a little more is read and the newest N kept.
                Start::Last(n) => {
                    let n = i64::try_from(*n).unwrap_or(i64::MAX / 4);
                    high.saturating_sub(n.saturating_add(n.max(10)))
                }
                Start::End => high,
                Start::At(at) => at.get(&p).copied().unwrap_or(high),
            }
            .clamp(low, high);
            ranges.insert(p, Range { from, end: high, at: from });
            tpl.add_partition_offset(topic, p, Offset::Offset(from))
                .map_err(EventsError::kafka("assigning"))?;
        }
        consumer.assign(&tpl).map_err(EventsError::kafka(format!("assigning {topic}")))?;
        Ok(Self { consumer, topic: topic.to_string(), ranges, heard: Instant::now() })
    }

    /// Whether every partition is read up to its end as of the start.
    pub fn caught_up(&self) -> bool {
        self.ranges.values().all(Range::done)
    }

    /// Records read, and the records there were to read, over all partitions.
    pub fn totals(&self) -> (u64, u64) {
        self.ranges.values().fold((0, 0), |(s, t), r| (s + r.scanned(), t + r.total()))
    }

    /// The next offset per partition.
    pub fn positions(&self) -> BTreeMap<i32, i64> {
        self.ranges.iter().map(|(p, r)| (*p, r.at)).collect()
    }

    /// Waits up to `wait` for one record and hands it to `seen`; `Ok(false)` when none came.
    /// A partition's end (EOF, or a position past a transaction marker) counts as read.
    /// `stall`: how long a partition not yet caught up may stay silent before that is an error.
    pub fn poll(
        &mut self,
        wait: Duration,
        stall: Duration,
        seen: &mut dyn FnMut(&BorrowedMessage<'_>),
    ) -> Result<bool, EventsError> {
        match self.consumer.poll(wait) {
            Some(Ok(m)) => {
                if let Some(r) = self.ranges.get_mut(&m.partition()) {
                    r.at = r.at.max(m.offset() + 1);
                }
                self.heard = Instant::now();
                seen(&m);
                Ok(true)
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                if let Some(r) = self.ranges.get_mut(&p) {
                    r.at = r.at.max(r.end);
                }
                Ok(false)
            }
            Some(Err(e)) => Err(EventsError::kafka(format!("reading {}", self.topic))(e)),
            None => {
                self.check_positions(stall)?;
                Ok(false)
            }
        }
    }

    /// Past a partition's last record there may be a commit marker: an offset without a record,
    /// which the consumer's position passes.
    fn check_positions(&mut self, stall: Duration) -> Result<(), EventsError> {
        if self.caught_up() {
            return Ok(());
        }
        if let Ok(list) = self.consumer.position() {
            for e in list.elements_for_topic(&self.topic) {
                if let (Some(r), Some(pos)) =
                    (self.ranges.get_mut(&e.partition()), e.offset().to_raw())
                {
                    r.at = r.at.max(pos);
                }
            }
        }
        if self.heard.elapsed() > stall
            && let Some((p, r)) = self.ranges.iter().find(|(_, r)| !r.done())
        {
            return Err(EventsError::Stalled {
                topic: self.topic.clone(),
                partition: *p,
                at: r.at,
                waited: self.heard.elapsed(),
            });
        }
        Ok(())
    }
}

/// The first offset at or after `ms` per partition (the end when none is).
fn times(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: &[i32],
    ms: i64,
    timeout: Duration,
) -> Result<BTreeMap<i32, i64>, EventsError> {
    let mut tpl = TopicPartitionList::new();
    for &p in partitions {
        tpl.add_partition_offset(topic, p, Offset::Offset(ms))
            .map_err(EventsError::kafka("offsets for a time"))?;
    }
    let answered = consumer
        .offsets_for_times(tpl, timeout)
        .map_err(EventsError::kafka(format!("offsets of {topic} for a time")))?;
    Ok(answered
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(n) => Some((e.partition(), n)),
            _ => None,
        })
        .collect())
}

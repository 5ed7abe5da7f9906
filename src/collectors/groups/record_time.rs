//! Lag in seconds, exactly: now minus the timestamp of the record at the committed offset (the
//! oldest record the group has not consumed).
//!
//! A one-shot command has a single offset sample, so the interpolation table is empty: it reads
//! one record per lagging partition. The collector interpolates, which costs no request at any
//! partition count, and reads only where its table does not reach back to the committed offset
//! (`groups::exact`, with a reader made for each read). Partitions without lag need no
//! read (0 s); a partition whose record does not arrive within the timeout stays unknown.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use super::error::{GroupsError, blocking};
use super::model::GroupsSnapshot;
use crate::collectors::lag::seconds::{Estimate, LagSeconds};
use crate::config::Config;

/// The `lag_seconds_method` a report carries when it used this module.
pub const METHOD: &str = "record_timestamp";

/// (topic, partition, offset) → timestamp in milliseconds of the record at (or first after) the
/// offset.
pub type RecordTimes = HashMap<(String, i32, i64), i64>;

/// Reads the record at each (topic, partition, offset), all within `timeout`.
pub async fn read(
    config: &Config,
    wanted: Vec<(String, i32, i64)>,
    timeout: Duration,
) -> Result<RecordTimes, GroupsError> {
    if wanted.is_empty() {
        return Ok(RecordTimes::new());
    }
    let settings = reader_config(config);
    blocking("record timestamps", timeout + Duration::from_millis(500), move || {
        read_blocking(&settings, wanted, Instant::now() + timeout)
    })
    .await
}

/// The settings of a record reader: assigned partitions only, nothing committed, one record
/// wanted per partition.
pub fn reader_config(config: &Config) -> ClientConfig {
    let mut c = crate::kafka::client_config(config);
    // librdkafka refuses `assign` without a group id ("Unknown group"); this one is never joined
    // (partitions are assigned, not subscribed) and nothing is committed under it.
    c.set("group.id", "cdc-console-record-reader")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // One record per partition is wanted: fetch small slices (librdkafka doubles the size
        // for a partition whose batch does not fit) and keep little. (`queued.min.messages=1`
        // would stop prefetching sooner, but its fetch backoff made a read of 250 partitions on
        // the mock cluster take 1 s instead of 6 ms.)
        .set("fetch.message.max.bytes", "65536")
        .set("queued.max.messages.kbytes", "8192")
        // A fetch left waiting on the broker from the previous assignment delays the next read
        // by up to this (500 ms by default).
        .set("fetch.wait.max.ms", "100");
    c
}

pub fn reader(settings: &ClientConfig) -> Result<BaseConsumer, GroupsError> {
    settings.create().map_err(|e| GroupsError::Client(e.to_string()))
}

/// Reads the record at each (topic, partition, offset) until `deadline` (blocking), with a
/// reader of its own for each round: a partition is assigned once to a consumer, never taken
/// away and given again (librdkafka asserts on a partition stopped before it had started).
pub fn read_blocking(
    settings: &ClientConfig,
    wanted: Vec<(String, i32, i64)>,
    deadline: Instant,
) -> Result<RecordTimes, GroupsError> {
    rounds(wanted).iter().try_fold(RecordTimes::new(), |mut out, round| {
        out.extend(first_records(&reader(settings)?, round, deadline)?);
        Ok(out)
    })
}

/// Splits the offsets into rounds with each partition at most once (an assignment cannot hold a
/// partition twice): two groups at different offsets of one partition take two rounds.
fn rounds(mut wanted: Vec<(String, i32, i64)>) -> Vec<Vec<(String, i32, i64)>> {
    wanted.sort();
    wanted.dedup();
    let mut rounds: Vec<Vec<(String, i32, i64)>> = Vec::new();
    let mut nth = 0;
    for (i, w) in wanted.iter().enumerate() {
        let same = i > 0 && (&wanted[i - 1].0, wanted[i - 1].1) == (&w.0, w.1);
        nth = if same { nth + 1 } else { 0 };
        if rounds.len() <= nth {
            rounds.push(Vec::new());
        }
        rounds[nth].push(w.clone());
    }
    rounds
}

/// The first record of each assigned (topic, partition, offset), until `deadline` (blocking).
fn first_records(
    consumer: &BaseConsumer,
    wanted: &[(String, i32, i64)],
    deadline: Instant,
) -> Result<RecordTimes, GroupsError> {
    let kafka = |e: rdkafka::error::KafkaError| GroupsError::Kafka {
        what: "record timestamps",
        reason: e.to_string(),
    };
    let mut tpl = TopicPartitionList::with_capacity(wanted.len());
    let mut asked = HashMap::with_capacity(wanted.len());
    for (topic, partition, offset) in wanted {
        tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset)).map_err(kafka)?;
        asked.insert((topic.clone(), *partition), *offset);
    }
    consumer.assign(&tpl).map_err(kafka)?;
    let mut out = RecordTimes::new();
    while out.len() < wanted.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match consumer.poll(left.min(Duration::from_millis(200))) {
            Some(Ok(m)) => {
                let offset = asked.get(&(m.topic().to_string(), m.partition()));
                // At or after the offset asked: a record left from an earlier assignment of the
                // partition is not the one wanted.
                let offset = offset.filter(|o| m.offset() >= **o);
                if let (Some(offset), Some(ts)) = (offset, m.timestamp().to_millis()) {
                    out.entry((m.topic().to_string(), m.partition(), *offset)).or_insert(ts);
                }
            }
            Some(Err(e)) => tracing::debug!("record timestamps: {e}"),
            None => {}
        }
    }
    Ok(out)
}

/// The lagging partitions of `snapshot` as (topic, partition, committed offset).
pub fn lagging(snapshot: &GroupsSnapshot) -> Vec<(String, i32, i64)> {
    snapshot
        .groups
        .iter()
        .flat_map(|g| &g.partitions)
        .filter(|p| p.lag.is_some_and(|l| l > 0))
        // Out of range: no record at the committed offset, and no lag in seconds to give.
        .filter(|p| p.reason.is_none())
        .filter_map(|p| Some((p.topic.clone(), p.partition, p.current_offset?)))
        .collect()
}

/// Replaces every partition's lag in seconds by the exact value: 0 without lag, now minus the
/// record's timestamp with lag, unknown when the record was not read. `now_ms` is Unix millis.
pub fn apply(snapshot: &mut GroupsSnapshot, times: &RecordTimes, now_ms: i64) {
    for g in &mut snapshot.groups {
        for p in &mut g.partitions {
            p.lag_seconds = match (p.lag, p.current_offset) {
                (Some(0), _) => Some(LagSeconds { seconds: 0.0, estimate: Estimate::CaughtUp }),
                (Some(_), Some(c)) => {
                    times.get(&(p.topic.clone(), p.partition, c)).map(|ts| LagSeconds {
                        seconds: ((now_ms - ts) as f64 / 1000.0).max(0.0),
                        estimate: Estimate::RecordTimestamp,
                    })
                }
                _ => None,
            };
        }
        g.max_lag_seconds =
            g.partitions.iter().filter_map(|p| p.lag_seconds.map(|l| l.seconds)).reduce(f64::max);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_partition_read_at_two_offsets_takes_two_rounds() {
        let w = |t: &str, p, o| (t.to_string(), p, o);
        let rounds = super::rounds(vec![
            w("a", 0, 9),
            w("a", 0, 3),
            w("b", 1, 5),
            w("a", 0, 3),
            w("a", 1, 2),
        ]);
        assert_eq!(rounds, [vec![w("a", 0, 3), w("a", 1, 2), w("b", 1, 5)], vec![w("a", 0, 9)]]);
    }
}

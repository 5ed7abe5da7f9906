//! The superseded check's reading: per partition, the records after the earliest chosen letter
//! up to the replica's stored next offset (everything it has applied or refused since), read
//! once for all the partition's letters. Debezium keys a topic's partitions by the record key,
//! so a later change of a row is in its letter's partition (the replicator assumes so too: a
//! row's delete applied from one partition before an older upsert from another would let the
//! upsert bring the row back).
//!
//! Exact or not at all: a letter whose range cannot be read whole (records gone to retention, a
//! stored offset past the log's end, more records than `max_scan`) is left outstanding with the
//! reason, not guessed at.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::super::offsets::Offsets;
use super::identity::{Identity, Later, RowKey, identify};
use super::{Options, Progress, RedriveError, Verdict};
use crate::config::Config;
use crate::pipeline::deadletter::Letter;

/// One partition's letters to check: (index into the chosen letters, offset, key, LSN).
type Checks = Vec<(usize, i64, RowKey, u64)>;

/// The verdicts of the letters `todo` (indexes into `letters`; the others' stay `Probe`) of a
/// replica reading `topic`, keyed by `key_columns`, that stored the offsets `stored`; and the
/// records read.
pub(super) async fn check(
    config: &Config,
    (topic, key_columns): (&str, &[String]),
    letters: &[Letter],
    todo: &[usize],
    stored: &Offsets,
    opts: &Options,
) -> Result<(Vec<Verdict>, u64), RedriveError> {
    let mut verdicts = vec![Verdict::Probe; letters.len()];
    let mut by_partition: BTreeMap<i32, Checks> = BTreeMap::new();
    for &i in todo {
        let l = &letters[i];
        if l.topic != topic {
            verdicts[i] = Verdict::Unverified(format!(
                "the replica reads {topic} now, not {}: which of its changes came later is unknown",
                l.topic
            ));
            continue;
        }
        match identify(l.payload.as_deref(), key_columns) {
            Identity::Row { key, lsn } => {
                by_partition.entry(l.partition).or_default().push((i, l.offset, key, lsn));
            }
            Identity::Truncate { .. } => {
                verdicts[i] = Verdict::Refused(
                    "a TRUNCATE is not redriven: it would empty the replica of every change applied since".into(),
                );
            }
            Identity::Tombstone => {
                verdicts[i] = Verdict::Refused("a tombstone holds no change to apply".into());
            }
            Identity::Undecodable => {}
        }
    }
    if by_partition.is_empty() {
        return Ok((verdicts, 0));
    }
    let reader = reader(config)?;
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    let (topic, keys, stored) = (topic.to_string(), key_columns.to_vec(), stored.clone());
    let (progress, max_scan) = (opts.progress.clone(), opts.max_scan);
    let task = topic.clone();
    tokio::task::spawn_blocking(move || {
        let mut read = 0;
        for (p, checks) in by_partition {
            let Some(&next) = stored.get(&(topic.clone(), p)) else {
                for (i, ..) in checks {
                    verdicts[i] = Verdict::Unverified(format!(
                        "the replica has stored no offset for partition {p} (it was reset?): the replicator will apply or refuse the event again"
                    ));
                }
                continue;
            };
            let limits = (max_scan, timeout);
            read += partition(&reader, (&topic, p), next, checks, &keys, limits, &*progress, &mut verdicts)?;
        }
        Ok((verdicts, read))
    })
    .await
    .map_err(|e| RedriveError::Task(task, e))?
}

/// A consumer that reads without a group: assigned, never committed.
fn reader(config: &crate::config::Config) -> Result<BaseConsumer, RedriveError> {
    crate::kafka::client_config(config)
        // librdkafka refuses `assign` without a group id; this one is never joined.
        .set("group.id", "cdc-console-redrive")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // A range that retention cut meanwhile fails the read instead of skipping records.
        .set("auto.offset.reset", "error")
        .create()
        .map_err(RedriveError::kafka("creating the reader"))
}

/// The verdicts of one partition's `checks` against the replica's stored `next` offset, into
/// `verdicts`; returns the records read. Blocking.
#[expect(clippy::too_many_arguments, reason = "one partition's whole check, called once")]
fn partition(
    reader: &BaseConsumer,
    (topic, partition): (&str, i32),
    next: i64,
    checks: Checks,
    key_columns: &[String],
    (max_scan, timeout): (u64, Duration),
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    verdicts: &mut [Verdict],
) -> Result<u64, RedriveError> {
    let (low, high) = reader
        .fetch_watermarks(topic, partition, timeout)
        .map_err(RedriveError::kafka("reading the partition's watermarks"))?;
    let mut scanning = Vec::new();
    for (i, offset, key, lsn) in checks {
        let unverified = if next > high {
            Some(format!(
                "the replica's stored offset {next} lies past the end of partition {partition} ({high}): the topic was recreated?"
            ))
        } else if offset >= next {
            Some(format!(
                "the replica has not consumed offset {offset} yet (its next offset is {next}): the replicator will apply or refuse it again"
            ))
        } else if offset + 1 < low {
            Some(format!(
                "offsets {}..{low} are gone from the log (retention): a later change of its key cannot be ruled out",
                offset + 1
            ))
        } else if (next - offset - 1).unsigned_abs() > max_scan {
            Some(format!(
                "ruling out a later change of its key reads {} records, more than --max-scan {max_scan}",
                next - offset - 1
            ))
        } else {
            None
        };
        match unverified {
            Some(why) => verdicts[i] = Verdict::Unverified(why),
            None => scanning.push((i, offset, key, lsn)),
        }
    }
    let Some(from) = scanning.iter().map(|c| c.1 + 1).min() else { return Ok(0) };
    let wanted: HashSet<RowKey> = scanning.iter().map(|c| c.2.clone()).collect();
    let mut later = Later::of(wanted);
    let read =
        read(reader, (topic, partition), (from, next), key_columns, &mut later, timeout, progress)?;
    for (i, offset, key, lsn) in scanning {
        verdicts[i] = match later.superseding(offset, &key, lsn) {
            Some(by) => Verdict::Superseded(by),
            None => Verdict::Go,
        };
    }
    Ok(read)
}

/// Reads `[from, to)` of the partition into `later`; returns the records read. Progress is said
/// about once a second.
fn read(
    reader: &BaseConsumer,
    (topic, partition): (&str, i32),
    (from, to): (i64, i64),
    key_columns: &[String],
    later: &mut Later,
    timeout: Duration,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<u64, RedriveError> {
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, partition, Offset::Offset(from))
        .map_err(RedriveError::kafka("assigning the partition"))?;
    reader.assign(&tpl).map_err(RedriveError::kafka("assigning the partition"))?;
    let of = (to - from).unsigned_abs();
    let stall = timeout.max(Duration::from_secs(10));
    let (mut at, mut read, mut heard, mut said) = (from, 0u64, Instant::now(), Instant::now());
    while at < to {
        match reader.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                use rdkafka::Message;
                if m.offset() >= to {
                    break;
                }
                later.saw(m.offset(), identify(m.payload(), key_columns));
                (at, heard) = (m.offset() + 1, Instant::now());
                read += 1;
            }
            Some(Err(e)) => return Err(RedriveError::kafka("reading the partition")(e)),
            None => {
                // Past the last record there may be a transaction's commit marker: an offset
                // without a record, which the consumer's position passes.
                let position = reader.position().ok().and_then(|l| {
                    l.find_partition(topic, partition).and_then(|e| e.offset().to_raw())
                });
                if position.is_some_and(|p| p >= to) {
                    break;
                }
                if heard.elapsed() > stall {
                    let waited = heard.elapsed();
                    let topic = topic.to_string();
                    return Err(RedriveError::Stalled { topic, partition, at, waited });
                }
            }
        }
        if said.elapsed() >= Duration::from_secs(1) {
            let scanned = (at - from).unsigned_abs();
            progress(Progress::Scanning { topic, partition, scanned, of });
            said = Instant::now();
        }
    }
    let _ = reader.unassign();
    Ok(read)
}

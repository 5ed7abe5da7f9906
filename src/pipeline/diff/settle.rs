//! Live pipelines, the I/O side of [`super::inflight`]: differing segments are re-read once the
//! consumer (the replicator) has applied past the source LSN of their read, or is idle past it;
//! a difference that every re-read shows is divergence, the others are in flight.

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt, TryStreamExt};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use super::inflight::{self, Lsn, Verdict};
use super::{DiffError, Options, Pool, RowDiff, Side, bisect};

/// The consumer's applied source LSN, from `cdc.progress` in the sink.
pub async fn applied_lsn(snk: &Pool, consumer: &str) -> Result<Option<Lsn>, DiffError> {
    let c = snk.get();
    let exists: bool = c
        .query_one("SELECT to_regclass('cdc.progress') IS NOT NULL", &[])
        .await
        .map_err(|e| DiffError::db("cdc.progress", e))?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let r = c
        .query_one(
            "SELECT max(source_lsn)::text FROM cdc.progress WHERE consumer = $1",
            &[&consumer],
        )
        .await
        .map_err(|e| DiffError::db("cdc.progress", e))?;
    Ok(r.get::<_, Option<String>>(0).as_deref().and_then(Lsn::parse))
}

/// Re-reads the differing leaves once the consumer has applied past the latest of their reads,
/// twice: a difference is divergence only if every read shows it (a row changed again in
/// between is in flight). One wait covers every leaf, however many a live table has. Returns
/// (diverged, in flight, rows fetched).
pub(super) async fn judge(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    consumer: &str,
    opts: &Options,
    leaves: Vec<bisect::Leaf>,
) -> Result<(Vec<RowDiff>, Vec<RowDiff>, u64), DiffError> {
    let mut pending: Vec<(bisect::Leaf, Vec<RowDiff>)> = leaves
        .into_iter()
        .map(|l| {
            let d = l.diffs.clone();
            (l, d)
        })
        .collect();
    let mut fetched = 0;
    for _ in 0..RECHECKS {
        if pending.is_empty() {
            break;
        }
        let latest = pending
            .iter()
            .map(|(l, _)| l.read_lsn.as_deref().and_then(Lsn::parse).unwrap_or(Lsn(u64::MAX)))
            .max()
            .unwrap_or(Lsn(u64::MAX));
        if settle(src, snk, consumer, opts, latest).await? == Verdict::InFlight {
            return Ok((
                Vec::new(),
                pending.into_iter().flat_map(|(_, seen)| seen).collect(),
                fetched,
            ));
        }
        let rechecked: Vec<Rechecked> =
            stream::iter(pending.into_iter().map(|(leaf, seen)| async move {
                let r = bisect::compare_segment(src, snk, s, t, &leaf.segment, true).await?;
                Ok::<_, DiffError>(((leaf, seen), r))
            }))
            .buffer_unordered(opts.connections.max(1))
            .try_collect()
            .await?;
        pending = Vec::new();
        for ((leaf, seen), (d, at, n)) in rechecked {
            fetched += n;
            let kept = inflight::bracket(&seen, &d, Verdict::Settled).0;
            if !kept.is_empty() {
                pending.push((bisect::Leaf { read_lsn: at, ..leaf }, kept));
            }
        }
    }
    Ok((pending.into_iter().flat_map(|(_, seen)| seen).collect(), Vec::new(), fetched))
}

/// A leaf with the differences seen so far, and its re-read: (differences, read LSN, rows).
type Rechecked = ((bisect::Leaf, Vec<RowDiff>), (Vec<RowDiff>, Option<String>, u64));

/// Settled re-reads a differing segment needs before a difference counts as divergence.
const RECHECKS: usize = 2;

/// Waits (up to `settle`) until the consumer has applied past `read`, or is idle past it.
async fn settle(
    src: &Pool,
    snk: &Pool,
    consumer: &str,
    opts: &Options,
    read: Lsn,
) -> Result<Verdict, DiffError> {
    let deadline = Instant::now() + opts.settle;
    loop {
        if inflight::verdict(read, applied_lsn(snk, consumer).await?) == Verdict::Settled
            || idle_past(src, snk, consumer, opts.kafka.as_ref(), read).await?
        {
            return Ok(Verdict::Settled);
        }
        if Instant::now() >= deadline {
            return Ok(Verdict::InFlight);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A quiet source leaves the applied LSN behind every later read (nothing new to apply), so
/// it cannot settle a segment by itself. The consumer is idle past `read` when the source's
/// logical walsenders (Debezium) have sent WAL past `read`, and, a moment later (the time
/// Debezium takes to hand a change to the broker), the consumer has applied every partition up
/// to its high watermark.
async fn idle_past(
    src: &Pool,
    snk: &Pool,
    consumer: &str,
    kafka: Option<&ClientConfig>,
    read: Lsn,
) -> Result<bool, DiffError> {
    let Some(kafka) = kafka else { return Ok(false) };
    let sent: Option<String> = src
        .get()
        .query_one(
            "SELECT min(r.sent_lsn)::text FROM pg_stat_replication r \
             JOIN pg_replication_slots s ON s.active_pid = r.pid \
             WHERE s.slot_type = 'logical' AND s.database = current_database()",
            &[],
        )
        .await
        .map_err(|e| DiffError::db("pg_stat_replication", e))?
        .get(0);
    if sent.as_deref().and_then(Lsn::parse).is_none_or(|s| s < read) {
        return Ok(false);
    }
    tokio::time::sleep(HANDOFF).await;
    let stored = snk
        .get()
        .query(
            "SELECT topic, partition, next_offset FROM cdc.progress WHERE consumer = $1",
            &[&consumer],
        )
        .await
        .map_err(|e| DiffError::db("cdc.progress", e))?;
    if stored.is_empty() {
        return Ok(false);
    }
    let positions: Vec<(String, i32, i64)> =
        stored.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let kafka = kafka.clone();
    let behind = tokio::task::spawn_blocking(move || behind(&kafka, positions)).await??;
    Ok(!behind)
}

/// Whether a committed record lies at or after the stored next offset in any of `positions`
/// (topic, partition, next offset): only partitions whose high watermark is past it are read.
/// Blocks.
fn behind(kafka: &ClientConfig, positions: Vec<(String, i32, i64)>) -> Result<bool, KafkaError> {
    let marks: BaseConsumer = kafka.create()?;
    let mut unread = Vec::new();
    for (topic, partition, next) in positions {
        let (_, high) = marks.fetch_watermarks(&topic, partition, Duration::from_secs(5))?;
        if next < high {
            unread.push((topic, partition, next));
        }
    }
    // A reader per topic: end-of-partition events name the partition, not its topic.
    let topics: std::collections::BTreeSet<String> = unread.iter().map(|u| u.0.clone()).collect();
    for topic in topics {
        let of_topic: Vec<(String, i32, i64)> =
            unread.iter().filter(|u| u.0 == topic).cloned().collect();
        if CommittedReader::new(kafka)?.any_record_at_or_after(&of_topic)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Longest time Debezium takes from sending a change out of PostgreSQL to the broker having it
/// (about 1 s measured on the local stack).
const HANDOFF: Duration = Duration::from_secs(2);

/// A consumer of committed records only (as the replicator reads), assigned once to every
/// partition it reads: assigning one partition after another on one consumer tripped
/// librdkafka's assertion `rd_kafka_assignment_partition_stopped: rktp->rktp_started` (a
/// partition removed before its fetcher had started), which aborted the console mid-diff.
struct CommittedReader(BaseConsumer);

impl CommittedReader {
    fn new(kafka: &ClientConfig) -> Result<Self, KafkaError> {
        let consumer = kafka
            .clone()
            .set("group.id", "cdc-console-diff-settle")
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .set("isolation.level", "read_committed")
            .create()?;
        Ok(Self(consumer))
    }

    /// Whether a committed record lies at or after `next` in any of the (topic, partition,
    /// next) partitions, all of one topic. Between the offset after the replicator's last record and the high
    /// watermark there may be only transaction markers (Connect with exactly-once source ends
    /// every transaction with one): those are not changes still to apply.
    fn any_record_at_or_after(&self, unread: &[(String, i32, i64)]) -> Result<bool, KafkaError> {
        let mut tpl = TopicPartitionList::new();
        for (topic, partition, next) in unread {
            tpl.add_partition_offset(topic, *partition, Offset::Offset(*next))?;
        }
        self.0.assign(&tpl)?;
        let mut open: std::collections::BTreeSet<(&str, i32)> =
            unread.iter().map(|(t, p, _)| (t.as_str(), *p)).collect();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !open.is_empty() {
            match self.0.poll(Duration::from_millis(200)) {
                Some(Ok(m)) if open.contains(&(m.topic(), m.partition())) => return Ok(true),
                Some(Ok(_)) => {}
                Some(Err(KafkaError::PartitionEOF(p))) => open.retain(|(_, q)| *q != p),
                Some(Err(e))
                    if e.rdkafka_error_code() == Some(RDKafkaErrorCode::OffsetOutOfRange) =>
                {
                    return Ok(false);
                }
                Some(Err(e)) => return Err(e),
                None => {}
            }
        }
        // No answer from some partition: count it as behind, the settle waits and asks again.
        Ok(!open.is_empty())
    }
}

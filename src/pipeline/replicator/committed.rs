//! A batch the merger commits, and what its commit changes: the replicas' offsets in memory,
//! Kafka's committed offsets (lag display only) and the published snapshot.

use std::time::Instant;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;

use super::snapshot::fill;
use super::{Replica, ReplicatorError, ReplicatorSnapshot, merger, offsets, stage};
use crate::stats::SlidingHistogram;

/// A batch handed to the merger, with what is recorded once it committed.
pub struct InFlight {
    pub commit: merger::Commit,
    pub outcome: Option<Result<u64, ReplicatorError>>,
    pub progress: Vec<stage::Progress>,
    pub counts: Vec<i64>,
    pub committed_at: Vec<i64>,
}

/// What the snapshot accumulates across batches.
pub struct Books {
    pub first_batch: Option<Instant>,
    pub latency: SlidingHistogram,
    pub max_lsn: Option<u64>,
}

/// Resolves when the batch in flight has committed or failed (at once when there is none),
/// keeping the outcome for [`settle`]. Cancelled, it loses nothing.
pub async fn committing(in_flight: &mut Option<InFlight>) {
    if let Some(f) = in_flight.as_mut()
        && f.outcome.is_none()
    {
        f.outcome = Some(merger::committed(&mut f.commit).await);
    }
}

/// Waits for the batch in flight, if any; once committed: advances in memory, tells Kafka (lag
/// display only), publishes the snapshot.
pub async fn settle(
    in_flight: &mut Option<InFlight>,
    books: &mut Books,
    replicas: &mut [Replica],
    snap: &mut ReplicatorSnapshot,
    consumer: &StreamConsumer,
    snapshot: &watch::Sender<ReplicatorSnapshot>,
) -> Result<(), ReplicatorError> {
    committing(in_flight).await;
    let Some(InFlight { outcome, progress, counts, committed_at, .. }) = in_flight.take() else {
        return Ok(());
    };
    let new_letters = outcome
        .unwrap_or_else(|| Err(ReplicatorError::Sink("a batch without its outcome".into())))?;
    let now = std::time::SystemTime::now();
    let now_ms = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    for ts in committed_at {
        books.latency.record((now_ms - ts).max(0), now);
    }
    let mut kafka = TopicPartitionList::new();
    for (i, r) in replicas.iter_mut().enumerate() {
        for ((t, p), (next, lsn)) in &progress[i] {
            r.offsets.insert((t.clone(), *p), *next);
            books.max_lsn = books.max_lsn.max(*lsn);
            let _ = kafka.add_partition_offset(t, *p, Offset::Offset(*next));
        }
        r.applied += counts[i] as u64;
    }
    let _ = consumer.commit(&kafka, CommitMode::Async);
    let started = *books.first_batch.get_or_insert_with(Instant::now);
    snap.batches += 1;
    snap.events += counts.iter().sum::<i64>() as u64;
    snap.dead_letters += new_letters;
    snap.rows_per_sec = snap.events as f64 / started.elapsed().as_secs_f64().max(1e-3);
    snap.applied_lsn = books.max_lsn.map(offsets::lsn_text);
    snap.commit_latency_ms = books.latency.percentiles(now);
    fill(snap, replicas);
    snapshot.send_replace(snap.clone());
    Ok(())
}

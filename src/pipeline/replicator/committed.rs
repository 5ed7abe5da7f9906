//! A batch the merger commits, and what its commit changes: the replicas' offsets in memory,
//! Kafka's committed offsets (lag display only) and the snapshot's figures.

use std::time::Instant;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};

use super::replica::Replica;
use super::snapshot::fill;
use super::{ReplicatorError, ReplicatorSnapshot, merger, offsets, stage};
use crate::stats::SlidingHistogram;

/// A batch handed to the merger, with what is recorded once it committed.
pub struct InFlight {
    pub commit: merger::Commit,
    pub outcome: Option<Result<merger::Merged, ReplicatorError>>,
    pub progress: Vec<stage::Progress>,
    pub counts: Vec<i64>,
    pub committed_at: Vec<i64>,
}

impl InFlight {
    /// Resolves when the batch has committed or failed, keeping the outcome. Cancelled, it loses
    /// nothing.
    pub async fn committing(&mut self) {
        if self.outcome.is_none() {
            self.outcome = Some(merger::committed(&mut self.commit).await);
        }
    }

    /// The batch's new dead letters once it committed, or why it did not.
    async fn outcome(&mut self) -> Result<merger::Merged, ReplicatorError> {
        match self.outcome.take() {
            Some(outcome) => outcome,
            None => merger::committed(&mut self.commit).await,
        }
    }
}

/// Resolves when the batch in flight, if any, has committed or failed (never when there is
/// none, so that it can wait in a `select!` beside other work).
pub async fn committing(in_flight: &mut Option<InFlight>) {
    match in_flight {
        Some(f) => f.committing().await,
        None => std::future::pending().await,
    }
}

/// What the snapshot accumulates across batches.
pub struct Books {
    pub first_batch: Option<Instant>,
    pub latency: SlidingHistogram,
    pub max_lsn: Option<u64>,
}

impl Books {
    pub fn new() -> Self {
        Self {
            first_batch: None,
            latency: SlidingHistogram::new(std::time::Duration::from_secs(60), 12),
            max_lsn: None,
        }
    }

    /// Waits for `batch`; once committed: advances the replicas in memory, tells Kafka (lag
    /// display only) and brings the snapshot's figures up to date. The error is the batch's.
    pub async fn settle(
        &mut self,
        mut batch: InFlight,
        replicas: &mut [Replica],
        snap: &mut ReplicatorSnapshot,
        consumer: &StreamConsumer,
    ) -> Result<(), ReplicatorError> {
        let merger::Merged { new_letters, refused } = batch.outcome().await?;
        let InFlight { progress, counts, committed_at, .. } = batch;
        let now = std::time::SystemTime::now();
        let now_ms = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        for ts in committed_at {
            self.latency.record((now_ms - ts).max(0), now);
        }
        let mut kafka = TopicPartitionList::new();
        for (i, r) in replicas.iter_mut().enumerate() {
            for ((t, p), (next, lsn)) in &progress[i] {
                r.offsets.insert((t.clone(), *p), *next);
                self.max_lsn = self.max_lsn.max(*lsn);
                let _ = kafka.add_partition_offset(t, *p, Offset::Offset(*next));
            }
            let refused = refused.get(&r.cfg.name).copied().unwrap_or(0);
            r.applied += (counts[i] - refused).max(0) as u64;
        }
        let _ = consumer.commit(&kafka, CommitMode::Async);
        let started = *self.first_batch.get_or_insert_with(Instant::now);
        snap.batches += 1;
        snap.events += (counts.iter().sum::<i64>() - refused.values().sum::<i64>()).max(0) as u64;
        snap.dead_letters += new_letters;
        snap.rows_per_sec = snap.events as f64 / started.elapsed().as_secs_f64().max(1e-3);
        snap.applied_lsn = self.max_lsn.map(offsets::lsn_text);
        snap.commit_latency_ms = self.latency.percentiles(now);
        fill(snap, replicas);
        Ok(())
    }
}

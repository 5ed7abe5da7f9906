//! Partition handover and the operator's figures for the console.
//!
//! The I/O layer checkpoints a partition in the transaction that writes its results, restores
//! it when the partition is assigned (to this or another instance), and revokes it when it goes.

use serde::Serialize;

use super::delta;
use super::operator::Operator;
use super::state::{PartitionState, PartitionWindows};

/// Figures for one partition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionStats {
    pub partition: i32,
    pub watermark: Option<i64>,
    pub max_event_time: Option<i64>,
    pub idle: bool,
    pub next_offset: i64,
    pub open_windows: usize,
    /// Windows emitted and kept for allowed lateness.
    pub fired_windows: usize,
    pub late_events: u64,
    pub events_applied: u64,
}

/// Figures for the job, as of the last `advance` (idleness at its wall clock).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorStats {
    pub job_watermark: Option<i64>,
    /// Every partition idle: the watermark waits for events.
    pub idle: bool,
    pub idle_partitions: Vec<i32>,
    pub partitions: Vec<PartitionStats>,
    pub open_windows: usize,
    pub fired_windows: usize,
    pub late_events: u64,
    pub events_applied: u64,
}

impl Operator {
    /// The partition's next offset to consume (None if this instance does not own it): what
    /// the consumer group's committed offset shows, without building the whole state.
    pub fn next_offset(&self, partition: i32) -> Option<i64> {
        self.partitions.get(&partition).map(|p| p.next_offset)
    }

    /// The partition's checkpoint as the changes since the one `written` holds, which becomes
    /// this one (None if this instance does not own the partition).
    pub(in crate::pipeline::processor) fn checkpoint_delta(
        &mut self,
        partition: i32,
        written: &mut delta::WrittenWindows,
    ) -> Option<delta::Delta> {
        let clock = self.clock.partition(partition).copied().unwrap_or_default();
        let watermark = self.clock.partition_watermark(partition);
        let p = self.partitions.get_mut(&partition)?;
        let header = p.header(&self.keys, clock.max_event_time, watermark);
        Some(delta::delta(p, &self.keys, header, written))
    }

    /// The partition's state as of now (None if this instance does not own it).
    pub fn checkpoint(&self, partition: i32) -> Option<PartitionState> {
        let p = self.partitions.get(&partition)?;
        let clock = self.clock.partition(partition).copied().unwrap_or_default();
        Some(p.to_state(
            &self.keys,
            clock.max_event_time,
            self.clock.partition_watermark(partition),
        ))
    }

    /// Takes over a partition from its checkpoint (or `PartitionState::default()` with the
    /// starting offset for a fresh one); it counts as active from `now_ms`.
    pub fn restore(&mut self, partition: i32, state: PartitionState, now_ms: i64) {
        self.clock.assign(partition, state.max_event_time, now_ms);
        let p = PartitionWindows::from_state(state, &mut self.keys, self.shape.is_session());
        self.partitions.insert(partition, p);
    }

    /// Gives a partition up, returning its last state (to checkpoint if not done yet).
    pub fn revoke(&mut self, partition: i32) -> Option<PartitionState> {
        let state = self.checkpoint(partition);
        self.partitions.remove(&partition);
        self.clock.revoke(partition);
        state
    }

    /// The partitions owned, ascending.
    pub fn partitions(&self) -> Vec<i32> {
        self.partitions.keys().copied().collect()
    }

    pub fn stats(&self) -> OperatorStats {
        let job = self.clock.job();
        let now = self.clock.last_advance_ms();
        let partitions: Vec<PartitionStats> = self
            .partitions
            .iter()
            .map(|(&partition, p)| {
                let clock = self.clock.partition(partition).copied().unwrap_or_default();
                let fired = p.windows.values().filter(|e| e.fired).count();
                PartitionStats {
                    partition,
                    watermark: self.clock.partition_watermark(partition),
                    max_event_time: clock.max_event_time,
                    idle: now.is_some_and(|now| self.clock.is_idle(partition, now)),
                    next_offset: p.next_offset,
                    open_windows: p.windows.len(),
                    fired_windows: fired,
                    late_events: p.late_events,
                    events_applied: p.events_applied,
                }
            })
            .collect();
        OperatorStats {
            job_watermark: job.value,
            idle: job.idle,
            idle_partitions: partitions.iter().filter(|p| p.idle).map(|p| p.partition).collect(),
            open_windows: partitions.iter().map(|p| p.open_windows).sum(),
            fired_windows: partitions.iter().map(|p| p.fired_windows).sum(),
            late_events: partitions.iter().map(|p| p.late_events).sum(),
            events_applied: partitions.iter().map(|p| p.events_applied).sum(),
            partitions,
        }
    }
}

//! Event-time progress (Flink's bounded-out-of-orderness watermarks with idleness).
//!
//! Per partition: watermark = max event time seen − out-of-orderness. A partition with no event
//! for `idle_timeout` of wall clock is idle and stops holding the job back. Job watermark = min
//! over the partitions that are not idle; a partition that has seen no event yet (just assigned
//! or restored empty) holds it back until it turns idle, as a Flink source split does.
//!
//! All partitions idle: we follow Flink's `StatusWatermarkValve`: when the last active input
//! turns idle it "flushes" to the max watermark across all inputs (nothing will arrive to hold
//! the others back), then the job is idle and does not advance until an event comes. That flush
//! is what makes the last windows of a burst fire when the source goes quiet.
//!
//! No watermark ever goes backwards.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One partition's event-time clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PartitionClock {
    /// The largest event time seen.
    pub max_event_time: Option<i64>,
    /// Wall-clock time of the last event (or of the assignment), for idleness.
    #[serde(skip)]
    pub last_active_ms: i64,
}

impl PartitionClock {
    /// max event time − out-of-orderness; monotonic because the max is.
    pub fn watermark(&self, out_of_orderness_ms: i64) -> Option<i64> {
        self.max_event_time.map(|t| t.saturating_sub(out_of_orderness_ms))
    }
}

/// The job's view of where event time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JobWatermark {
    /// None until every active partition has seen an event.
    pub value: Option<i64>,
    /// Every partition idle (or none assigned).
    pub idle: bool,
}

/// Per-partition clocks and the job watermark computed from them.
#[derive(Debug, Clone)]
pub struct WatermarkClock {
    out_of_orderness_ms: i64,
    idle_timeout_ms: i64,
    partitions: BTreeMap<i32, PartitionClock>,
    job: JobWatermark,
    last_advance_ms: Option<i64>,
}

impl WatermarkClock {
    pub fn new(out_of_orderness_ms: i64, idle_timeout_ms: i64) -> Self {
        Self {
            out_of_orderness_ms,
            idle_timeout_ms,
            partitions: BTreeMap::new(),
            job: JobWatermark { value: None, idle: true },
            last_advance_ms: None,
        }
    }

    /// Starts (or restarts) tracking a partition, active from `now_ms`.
    pub fn assign(&mut self, partition: i32, max_event_time: Option<i64>, now_ms: i64) {
        self.partitions
            .insert(partition, PartitionClock { max_event_time, last_active_ms: now_ms });
    }

    pub fn revoke(&mut self, partition: i32) {
        self.partitions.remove(&partition);
    }

    /// Records an event of `partition` at event time `t`.
    pub fn observe(&mut self, partition: i32, t: i64, now_ms: i64) {
        let clock = self.partitions.entry(partition).or_default();
        clock.max_event_time = Some(clock.max_event_time.map_or(t, |m| m.max(t)));
        clock.last_active_ms = clock.last_active_ms.max(now_ms);
    }

    /// Records activity without an event time (tombstone, truncate).
    pub fn touch(&mut self, partition: i32, now_ms: i64) {
        let clock = self.partitions.entry(partition).or_default();
        clock.last_active_ms = clock.last_active_ms.max(now_ms);
    }

    pub fn partition(&self, partition: i32) -> Option<&PartitionClock> {
        self.partitions.get(&partition)
    }

    pub fn partition_watermark(&self, partition: i32) -> Option<i64> {
        self.partitions.get(&partition)?.watermark(self.out_of_orderness_ms)
    }

    pub fn is_idle(&self, partition: i32, now_ms: i64) -> bool {
        self.partitions
            .get(&partition)
            .is_some_and(|c| now_ms.saturating_sub(c.last_active_ms) >= self.idle_timeout_ms)
    }

    /// The job watermark as of the last [`advance`](Self::advance).
    pub fn job(&self) -> JobWatermark {
        self.job
    }

    /// Recomputes the job watermark at wall-clock `now_ms`; it only moves forward.
    pub fn advance(&mut self, now_ms: i64) -> JobWatermark {
        let ooo = self.out_of_orderness_ms;
        self.last_advance_ms = Some(now_ms);
        let active: Vec<&PartitionClock> = self
            .partitions
            .keys()
            .filter(|p| !self.is_idle(**p, now_ms))
            .filter_map(|p| self.partitions.get(p))
            .collect();
        let candidate = if active.is_empty() {
            // All idle: flush to the max across partitions (Flink), then stay put.
            self.partitions.values().filter_map(|c| c.watermark(ooo)).max()
        } else {
            // Min over active partitions; one that has seen nothing holds everything back.
            active
                .iter()
                .map(|c| c.watermark(ooo))
                .collect::<Option<Vec<_>>>()
                .and_then(|w| w.into_iter().min())
        };
        let value = match (self.job.value, candidate) {
            (Some(old), Some(new)) => Some(old.max(new)),
            (old, new) => old.or(new),
        };
        self.job = JobWatermark { value, idle: active.is_empty() };
        self.job
    }

    /// The wall clock of the last advance (idleness in stats is as of then).
    pub fn last_advance_ms(&self) -> Option<i64> {
        self.last_advance_ms
    }

    /// End of input: every window may fire.
    pub fn finish(&mut self) -> JobWatermark {
        self.job = JobWatermark { value: Some(i64::MAX), idle: true };
        self.job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_events_never_move_a_watermark_back() {
        let mut c = WatermarkClock::new(2_000, 30_000);
        c.observe(0, 10_000, 0);
        c.observe(0, 4_000, 1);
        assert_eq!(c.partition_watermark(0), Some(8_000));
        assert_eq!(c.advance(2).value, Some(8_000));
        c.observe(0, 9_000, 3);
        assert_eq!(c.advance(4).value, Some(8_000));
        c.observe(0, 15_000, 5);
        assert_eq!(c.advance(6), JobWatermark { value: Some(13_000), idle: false });
    }

    #[test]
    fn the_slowest_active_partition_holds_the_job_back_until_it_idles() {
        let mut c = WatermarkClock::new(0, 30_000);
        c.observe(0, 50_000, 0);
        c.observe(1, 20_000, 0);
        c.assign(2, None, 0);
        // Partition 2 has seen nothing: no watermark yet.
        assert_eq!(c.advance(1_000).value, None);
        c.observe(2, 30_000, 1_000);
        assert_eq!(c.advance(1_000).value, Some(20_000));
        // Partition 1 goes quiet; after the timeout it no longer counts.
        c.observe(0, 60_000, 29_000);
        c.observe(2, 40_000, 29_000);
        assert_eq!(c.advance(29_999).value, Some(20_000));
        assert!(c.is_idle(1, 30_000));
        assert_eq!(c.advance(30_000), JobWatermark { value: Some(40_000), idle: false });
    }

    #[test]
    fn all_idle_flushes_to_the_max_once_then_stays() {
        let mut c = WatermarkClock::new(1_000, 10_000);
        c.observe(0, 50_000, 0);
        c.observe(1, 20_000, 0);
        assert_eq!(c.advance(5_000).value, Some(19_000));
        assert_eq!(c.advance(10_000), JobWatermark { value: Some(49_000), idle: true });
        assert_eq!(c.advance(99_000), JobWatermark { value: Some(49_000), idle: true });
        // An event wakes partition 1 up: the job is active again and never goes back.
        c.observe(1, 21_000, 100_000);
        assert_eq!(c.advance(100_001), JobWatermark { value: Some(49_000), idle: false });
        assert!(c.is_idle(0, 100_001) && !c.is_idle(1, 100_001));
    }

    #[test]
    fn no_partitions_is_idle_without_a_watermark() {
        let mut c = WatermarkClock::new(0, 1);
        assert_eq!(c.advance(0), JobWatermark { value: None, idle: true });
        assert_eq!(c.finish().value, Some(i64::MAX));
    }
}

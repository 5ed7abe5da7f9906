//! Lag in seconds where interpolation cannot reach: a committed offset at or below the oldest
//! point of its partition's table (the console has just started, or the group stopped before
//! the table's time) gets the exact value, now minus the timestamp of the record at the offset,
//! as the one-shot `lag` reads it. So the TUI, `serve` and `lag` agree from the first poll.
//!
//! A read costs a fetch, so its answer is kept per (topic, partition, offset): a stopped group's
//! offset does not move and costs one read ever; an answer nobody wants any more is dropped.
//! New reads are capped per poll and bounded by the request timeout, so thousands of such
//! partitions never stall a poll: the rest keep their interpolated value until a later poll.
//! A read that gives nothing (a slow broker, an offset followed only by transaction markers) is
//! retried after the others, less often each time. A failed read never fails the poll.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;

use super::error::{GroupsError, blocking};
use super::model::{GroupsSnapshot, PartitionLag};
use super::record_time::{self, RecordTimes};
use crate::collectors::lag::seconds::{Estimate, LagSeconds};
use crate::config::Config;

/// New reads per poll at most: one assignment, one fetch per leader; a few hundred partitions
/// answer well within a poll.
pub const READS_PER_POLL: usize = 250;

/// A read that gave nothing is retried after 2, 4, … and at most this many polls.
const MAX_BACKOFF_POLLS: u64 = 32;

/// (topic, partition, committed offset).
type Key = (String, i32, i64);

/// What the reads have cost so far, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadStats {
    /// Records asked for since the collector started.
    pub asked: u64,
    /// Timestamps held for the offsets still wanted.
    pub cached: usize,
}

/// A read that gave nothing: when, and how many times in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Miss {
    poll: u64,
    count: u32,
}

impl Miss {
    fn due(self, poll: u64) -> bool {
        poll >= self.poll + (2u64 << self.count.min(8)).min(MAX_BACKOFF_POLLS)
    }
}

pub struct Exact {
    /// A reader is made for each read and dropped after it (about 100 ms more per poll that
    /// reads, and the cache makes those rare): one kept and assigned partition after partition
    /// risks librdkafka's assertion on a partition stopped before it started, which aborts the
    /// process (seen with the diff's reader).
    settings: ClientConfig,
    timeout: Duration,
    cap: usize,
    /// Record timestamps (Unix millis) of the offsets still wanted.
    times: HashMap<Key, i64>,
    missed: HashMap<Key, Miss>,
    polls: u64,
    asked: u64,
}

impl Exact {
    pub fn new(config: &Config) -> Self {
        Self::with(record_time::reader_config(config), config.timeouts.request(), READS_PER_POLL)
    }

    fn with(settings: ClientConfig, timeout: Duration, cap: usize) -> Self {
        Self {
            settings,
            timeout,
            cap,
            times: HashMap::new(),
            missed: HashMap::new(),
            polls: 0,
            asked: 0,
        }
    }

    pub fn stats(&self) -> ReadStats {
        ReadStats { asked: self.asked, cached: self.times.len() }
    }

    /// Gives the lagging partitions interpolation cannot place their lag in seconds from the
    /// record at the committed offset, as of `at` (the poll's time, Unix seconds).
    pub async fn apply(&mut self, snapshot: &mut GroupsSnapshot, at: f64) {
        let new = self.plan(snapshot);
        if !new.is_empty() {
            self.asked += new.len() as u64;
            let read = self.read(new.clone()).await.unwrap_or_else(|e| {
                tracing::debug!("lag in seconds from record timestamps: {e}");
                RecordTimes::new()
            });
            self.record(new, &read);
        }
        fill(snapshot, &self.times, at);
    }

    /// Drops what is no longer wanted and picks this poll's new reads.
    fn plan(&mut self, snapshot: &GroupsSnapshot) -> Vec<Key> {
        self.polls += 1;
        let wanted = uncovered(snapshot);
        self.times.retain(|k, _| wanted.contains_key(k));
        self.missed.retain(|k, _| wanted.contains_key(k));
        select(&wanted, &self.times, &self.missed, self.polls, self.cap)
    }

    /// Keeps what the read gave; what it did not give waits longer before the next try.
    fn record(&mut self, asked: Vec<Key>, read: &RecordTimes) {
        for key in asked {
            if let Some(ts) = read.get(&key) {
                self.missed.remove(&key);
                self.times.insert(key, *ts);
            } else {
                let count = self.missed.get(&key).map_or(0, |m| m.count + 1);
                self.missed.insert(key, Miss { poll: self.polls, count });
            }
        }
    }

    async fn read(&mut self, wanted: Vec<Key>) -> Result<RecordTimes, GroupsError> {
        let (settings, timeout) = (self.settings.clone(), self.timeout);
        blocking("record timestamps", timeout + Duration::from_millis(500), move || {
            record_time::read_blocking(&settings, wanted, Instant::now() + timeout)
        })
        .await
    }
}

/// The key of a partition that is behind and whose lag in seconds interpolation did not place:
/// none, extrapolated below the table, or only a lower bound.
fn uncovered_key(p: &PartitionLag) -> Option<Key> {
    let placed = matches!(
        p.lag_seconds.map(|l| l.estimate),
        Some(Estimate::CaughtUp | Estimate::Interpolated | Estimate::RecordTimestamp)
    );
    // Out of range: no record at the committed offset, and no lag in seconds to give.
    let behind = p.lag.is_some_and(|l| l > 0) && p.reason.is_none();
    (behind && !placed).then_some((p.topic.clone(), p.partition, p.current_offset?))
}

/// Every uncovered key with its largest lag in offsets (groups at one offset share a read).
fn uncovered(snapshot: &GroupsSnapshot) -> HashMap<Key, u64> {
    let mut out = HashMap::new();
    for p in snapshot.groups.iter().flat_map(|g| &g.partitions) {
        if let Some(key) = uncovered_key(p) {
            let lag = out.entry(key).or_insert(0);
            *lag = p.lag.unwrap_or(0).max(*lag);
        }
    }
    out
}

/// At most `cap` keys to read: never tried ones first, the furthest behind first (they weigh on
/// the group's maximum), then those whose retry is due, the longest waiting first.
fn select(
    wanted: &HashMap<Key, u64>,
    times: &HashMap<Key, i64>,
    missed: &HashMap<Key, Miss>,
    poll: u64,
    cap: usize,
) -> Vec<Key> {
    let mut fresh: Vec<(&Key, u64)> = wanted
        .iter()
        .filter(|(k, _)| !times.contains_key(*k) && !missed.contains_key(*k))
        .map(|(k, lag)| (k, *lag))
        .collect();
    fresh.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut due: Vec<(&Key, Miss)> =
        missed.iter().filter(|(_, m)| m.due(poll)).map(|(k, m)| (k, *m)).collect();
    due.sort_by(|a, b| a.1.poll.cmp(&b.1.poll).then_with(|| a.0.cmp(b.0)));
    fresh
        .into_iter()
        .map(|(k, _)| k)
        .chain(due.into_iter().map(|(k, _)| k))
        .take(cap)
        .cloned()
        .collect()
}

/// Sets the lag in seconds of every uncovered partition with a known record time, and the
/// maximum of each group that changed (verdicts, ETA and history go by offsets, not seconds).
fn fill(snapshot: &mut GroupsSnapshot, times: &HashMap<Key, i64>, at: f64) {
    for g in &mut snapshot.groups {
        let mut changed = false;
        for p in &mut g.partitions {
            if let Some(ts) = uncovered_key(p).and_then(|k| times.get(&k)) {
                let seconds = (at - *ts as f64 / 1000.0).max(0.0);
                p.lag_seconds = Some(LagSeconds { seconds, estimate: Estimate::RecordTimestamp });
                changed = true;
            }
        }
        if changed {
            g.max_lag_seconds = g
                .partitions
                .iter()
                .filter_map(|p| p.lag_seconds.map(|l| l.seconds))
                .reduce(f64::max);
        }
    }
}

#[cfg(test)]
#[path = "exact_tests.rs"]
mod tests;

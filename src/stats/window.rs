//! A sliding-window histogram: a ring of HDR histograms, one per time bucket, merged on read.
//! Old buckets fall out whole, so percentiles cover the last `span` without per-value
//! bookkeeping.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use serde::Serialize;

/// Percentiles in milliseconds over the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

pub struct SlidingHistogram {
    bucket_ms: u64,
    buckets: usize,
    /// (bucket index since the epoch, values recorded in it), oldest first.
    ring: VecDeque<(u64, Histogram<u64>)>,
}

impl SlidingHistogram {
    /// `span` split into `buckets` (at least one).
    pub fn new(span: Duration, buckets: usize) -> Self {
        let buckets = buckets.max(1);
        let bucket_ms = (span.as_millis() as u64 / buckets as u64).max(1);
        Self { bucket_ms, buckets, ring: VecDeque::new() }
    }

    fn index(&self, at: SystemTime) -> u64 {
        at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64 / self.bucket_ms
    }

    /// Records `value_ms` (negative values, from clock skew between hosts, count as 0).
    pub fn record(&mut self, value_ms: i64, at: SystemTime) {
        let idx = self.index(at);
        self.expire(idx);
        if self.ring.back().is_none_or(|(i, _)| *i < idx) {
            // 3 significant figures, auto-resizing: a ms-to-hours range costs a few KiB.
            let Ok(h) = Histogram::new(3) else { return };
            self.ring.push_back((idx, h));
        }
        // A value stamped before the newest bucket goes into the newest: the window may shift by
        // one bucket for late arrivals, which percentiles over seconds do not notice.
        // `record` grows the histogram; `saturating_record` would clamp to its current bound.
        if let Some((_, h)) = self.ring.back_mut() {
            let v = value_ms.max(0) as u64;
            if h.record(v).is_err() {
                h.saturating_record(v);
            }
        }
    }

    fn expire(&mut self, newest: u64) {
        let oldest_kept = newest.saturating_sub(self.buckets as u64 - 1);
        while self.ring.front().is_some_and(|(i, _)| *i < oldest_kept) {
            self.ring.pop_front();
        }
    }

    pub fn percentiles(&mut self, now: SystemTime) -> Percentiles {
        self.expire(self.index(now));
        let Ok(mut merged) = Histogram::<u64>::new(3) else {
            return Percentiles::default();
        };
        for (_, h) in &self.ring {
            // Both auto-resize; add only fails on a non-resizable destination.
            let _ = merged.add(h);
        }
        if merged.is_empty() {
            return Percentiles::default();
        }
        Percentiles {
            count: merged.len(),
            p50: merged.value_at_quantile(0.50),
            p90: merged.value_at_quantile(0.90),
            p99: merged.value_at_quantile(0.99),
            p999: merged.value_at_quantile(0.999),
            max: merged.max(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms)
    }

    #[test]
    fn percentiles_cover_the_recorded_values() {
        let mut h = SlidingHistogram::new(Duration::from_secs(60), 6);
        for v in 1..=1000 {
            h.record(v, t(0));
        }
        let p = h.percentiles(t(1));
        assert_eq!(p.count, 1000);
        assert_eq!((p.p50, p.p90, p.p99, p.max), (500, 900, 990, 1000));
    }

    #[test]
    fn values_older_than_the_span_fall_out() {
        let mut h = SlidingHistogram::new(Duration::from_secs(60), 6);
        h.record(1_500, t(0));
        h.record(10, t(30_000));
        assert_eq!(h.percentiles(t(30_001)).max, 1_500);
        let later = h.percentiles(t(65_000));
        assert_eq!((later.count, later.max), (1, 10), "the bucket of t=0 expired");
        assert_eq!(h.percentiles(t(200_000)), Percentiles::default());
    }

    #[test]
    fn values_beyond_the_initial_range_are_not_clamped() {
        let mut h = SlidingHistogram::new(Duration::from_secs(10), 2);
        for v in [4_464, 6_646, 1_124] {
            h.record(v, t(0));
        }
        let p = h.percentiles(t(0));
        assert!((4_464..=4_468).contains(&p.p50) && (6_646..=6_650).contains(&p.max), "{p:?}");
    }

    #[test]
    fn large_values_keep_three_significant_figures() {
        let mut h = SlidingHistogram::new(Duration::from_secs(10), 1);
        h.record(3_600_000, t(0));
        let max = h.percentiles(t(0)).max;
        assert!((3_600_000..=3_603_600).contains(&max), "{max}");
    }

    #[test]
    fn clock_skew_counts_as_zero() {
        let mut h = SlidingHistogram::new(Duration::from_secs(10), 1);
        h.record(-40, t(0));
        assert_eq!(h.percentiles(t(0)), Percentiles { count: 1, ..Percentiles::default() });
    }
}

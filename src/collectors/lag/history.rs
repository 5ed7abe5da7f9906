//! A group's recent past: total lag per poll for sparklines, and the consumption and production
//! rates that give a catch-up ETA.
//!
//! Rates come from sums over the group's committed partitions (sum of committed offsets, sum of
//! log ends), so one sample per poll per group is enough, whatever the partition count. A sum is
//! only comparable with another over the same partitions; when that set changes the history
//! restarts rather than report a jump as a rate.

use std::collections::VecDeque;

use serde::Serialize;

/// Samples per group: at the default 2 s refresh, two minutes of sparkline.
pub const HISTORY_CAP: usize = 60;

/// Rates are measured over at most this many seconds, so they follow a change of pace.
pub const RATE_WINDOW_SECONDS: f64 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the Unix epoch.
    pub at: f64,
    pub total_lag: u64,
    /// Sum of the committed offsets.
    pub consumed: i64,
    /// Sum of the log-end offsets of the same partitions.
    pub produced: i64,
    /// Identifies the partition set the sums are over (its size and a hash of its members).
    pub partitions: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// Records committed per second.
    pub consume_per_s: f64,
    /// Records appended per second.
    pub produce_per_s: f64,
}

#[derive(Debug, Clone, Default)]
pub struct GroupHistory {
    samples: VecDeque<Sample>,
}

impl GroupHistory {
    pub fn push(&mut self, sample: Sample) {
        if let Some(last) = self.samples.back() {
            if sample.at <= last.at {
                return;
            }
            if last.partitions != sample.partitions {
                self.samples.clear();
            }
        }
        self.samples.push_back(sample);
        if self.samples.len() > HISTORY_CAP {
            self.samples.pop_front();
        }
    }

    /// Total lag per poll, oldest first.
    pub fn lags(&self) -> Vec<u64> {
        self.samples.iter().map(|s| s.total_lag).collect()
    }

    /// Rates over the last [`RATE_WINDOW_SECONDS`]; None with fewer than two samples.
    pub fn rates(&self) -> Option<Rates> {
        let newest = self.samples.back()?;
        let oldest = self.samples.iter().find(|s| newest.at - s.at <= RATE_WINDOW_SECONDS)?;
        let dt = newest.at - oldest.at;
        if dt <= 0.0 {
            return None;
        }
        Some(Rates {
            consume_per_s: (newest.consumed - oldest.consumed) as f64 / dt,
            produce_per_s: (newest.produced - oldest.produced) as f64 / dt,
        })
    }
}

/// Seconds until the lag is gone at the current rates: 0 with no lag, None when the group is
/// not gaining on the producers (or nothing is known of its pace).
pub fn eta_seconds(total_lag: u64, rates: Option<Rates>) -> Option<f64> {
    if total_lag == 0 {
        return Some(0.0);
    }
    let r = rates?;
    let gain = r.consume_per_s - r.produce_per_s;
    (gain > 0.0).then(|| total_lag as f64 / gain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: f64, consumed: i64, produced: i64) -> Sample {
        let total_lag = u64::try_from(produced - consumed).unwrap_or(0);
        Sample { at, total_lag, consumed, produced, partitions: 4 }
    }

    #[test]
    fn catching_up_gives_an_eta_from_the_net_rate() {
        let mut h = GroupHistory::default();
        // Consuming 300/s, producing 100/s, 2000 behind at the end.
        for i in 0..6 {
            let t = f64::from(i) * 2.0;
            h.push(sample(t, (300.0 * t) as i64, 5000 + (100.0 * t) as i64));
        }
        let r = h.rates().expect("rates");
        assert_eq!((r.consume_per_s, r.produce_per_s), (300.0, 100.0));
        assert_eq!(h.lags().last(), Some(&3000));
        assert_eq!(eta_seconds(3000, Some(r)), Some(15.0));
    }

    #[test]
    fn falling_behind_or_stalled_has_no_eta_and_no_lag_is_zero() {
        let slow = Rates { consume_per_s: 50.0, produce_per_s: 100.0 };
        assert_eq!(eta_seconds(10, Some(slow)), None);
        assert_eq!(eta_seconds(10, Some(Rates { consume_per_s: 0.0, produce_per_s: 0.0 })), None);
        assert_eq!(eta_seconds(10, None), None);
        assert_eq!(eta_seconds(0, None), Some(0.0));
    }

    #[test]
    fn rates_use_the_recent_window_only() {
        let mut h = GroupHistory::default();
        for i in 0..40 {
            let t = f64::from(i) * 2.0;
            // 10/s for the first 40 s, then 100/s.
            let c = if t <= 40.0 { 10.0 * t } else { 400.0 + 100.0 * (t - 40.0) };
            h.push(sample(t, c as i64, c as i64 + 10));
        }
        assert_eq!(h.rates().map(|r| r.consume_per_s), Some(100.0));
    }

    #[test]
    fn a_changed_partition_set_restarts_the_history_and_the_ring_is_capped() {
        let mut h = GroupHistory::default();
        for i in 0..(HISTORY_CAP + 10) {
            h.push(sample(i as f64, i as i64, i as i64 + 5));
        }
        assert_eq!(h.lags().len(), HISTORY_CAP);
        h.push(Sample { partitions: 5, ..sample(1000.0, 0, 1) });
        assert_eq!(h.lags(), [1]);
        assert_eq!(h.rates(), None);
        h.push(sample(999.0, 0, 0));
        assert_eq!(h.lags(), [1], "an older sample is ignored");
    }
}

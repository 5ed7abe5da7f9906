//! Lag algorithms, pure and without I/O, so they can be tested on recorded sequences:
//!
//! - [`seconds`]: lag in seconds by interpolating the committed offset in a table of
//!   (log-end offset, time) points, kafka-lag-exporter's method with DESIGN §3's clamps;
//! - [`verdict`]: Burrow's evaluation of a window of commits per partition (OK, WARN, STOP,
//!   STALL, REWIND) and per group (OK, WARN, ERR);
//! - [`range`]: a committed offset beyond the log end or before the log start, data lost (ERR);
//! - [`history`]: a short ring of group-wide samples for sparklines, consumption and production
//!   rates, and the catch-up ETA they give.
//!
//! Times are seconds since the Unix epoch as `f64`: the algorithms divide and interpolate time,
//! and one plain number keeps the recorded test sequences readable.

pub mod history;
pub mod range;
pub mod seconds;
pub mod verdict;

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch; a clock before the epoch reads as 0.
pub fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// Lag in offsets: log-end offset minus committed offset, floored at 0 (a commit can run ahead
/// of a log end read a moment earlier).
pub fn offset_lag(log_end: i64, committed: i64) -> u64 {
    u64::try_from(log_end.saturating_sub(committed)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn offset_lag_floors_at_zero() {
        assert_eq!(super::offset_lag(10, 4), 6);
        assert_eq!(super::offset_lag(10, 10), 0);
        assert_eq!(super::offset_lag(10, 12), 0);
    }
}

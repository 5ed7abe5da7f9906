//! Lag in seconds by interpolation (kafka-lag-exporter's method, DESIGN §3).
//!
//! Each partition keeps a small table of (log-end offset, poll time) points. The time at which
//! the log end passed the group's committed offset is read off that table; the lag is how long
//! ago that was. It needs no extra request per partition, only the offsets the collector reads
//! anyway, which is what makes it affordable at 10,000 partitions.
//!
//! The clamps, each against a known way the raw method goes wrong:
//! - a point older or lower than the last is rejected (clock steps, a log end read from a
//!   lagging replica), so the table stays monotonic and the interpolation well defined;
//! - a flat run (the log end not moving) keeps only its two ends, so an idle topic does not
//!   flush the history that says when its last records arrived;
//! - the table is capped, so memory stays bounded at any partition count;
//! - extrapolation past the oldest point is capped, because a tiny production rate makes it
//!   explode into years; a capped value is a lower bound and says so.

use std::collections::VecDeque;

use serde::Serialize;

/// Points per partition: at the default 2 s refresh, about two minutes of history.
pub const TABLE_CAP: usize = 60;

/// Extrapolation reaches back at most this many table spans before the oldest point.
pub const EXTRAPOLATION_SPANS: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub offset: i64,
    /// Seconds since the Unix epoch.
    pub at: f64,
}

/// What happened to a point offered to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Appended,
    /// Same offset as the last two points: the last one moved forward in time.
    FlatRunExtended,
    /// Older or lower than the last point.
    Rejected,
}

/// How a lag in seconds was obtained; `AtLeast` values are lower bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimate {
    /// The committed offset is at the newest log end.
    CaughtUp,
    Interpolated,
    Extrapolated,
    /// Extrapolation hit its cap, or the log end never moved within the table.
    AtLeast,
    /// From the timestamp of the record at the committed offset (the exact method).
    RecordTimestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LagSeconds {
    pub seconds: f64,
    pub estimate: Estimate,
}

/// One partition's (log-end offset, time) table.
#[derive(Debug, Clone, Default)]
pub struct LagTable {
    points: VecDeque<Point>,
}

impl LagTable {
    pub fn points(&self) -> impl ExactSizeIterator<Item = &Point> {
        self.points.iter()
    }

    /// Offers one observation of the log end.
    pub fn add(&mut self, offset: i64, at: f64) -> Added {
        let n = self.points.len();
        if let Some(last) = self.points.back_mut() {
            if at <= last.at || offset < last.offset {
                return Added::Rejected;
            }
            if offset == last.offset && n >= 2 && self.points[n - 2].offset == offset {
                if let Some(last) = self.points.back_mut() {
                    last.at = at;
                }
                return Added::FlatRunExtended;
            }
        }
        self.points.push_back(Point { offset, at });
        if self.points.len() > TABLE_CAP {
            self.points.pop_front();
        }
        Added::Appended
    }

    /// How long ago the log end passed `committed`, seen at `now`; None when unknown (no
    /// points, or one point the consumer has not reached).
    pub fn lag_seconds(&self, committed: i64, now: f64) -> Option<LagSeconds> {
        let newest = *self.points.back()?;
        if committed >= newest.offset {
            return Some(LagSeconds { seconds: 0.0, estimate: Estimate::CaughtUp });
        }
        let oldest = *self.points.front()?;
        if self.points.len() < 2 {
            return None;
        }
        let lag = |t: f64, estimate| Some(LagSeconds { seconds: (now - t).max(0.0), estimate });
        // Newest pair whose offsets bracket the commit: the log end crossed it between them.
        let pairs = self.points.iter().zip(self.points.iter().skip(1)).collect::<Vec<_>>();
        for (l, r) in pairs.into_iter().rev() {
            if l.offset < committed && committed <= r.offset {
                return lag(interpolate(l, r, committed), Estimate::Interpolated);
            }
        }
        // At or below the oldest point: extrapolate at the table's average rate, capped.
        let span = newest.at - oldest.at;
        if newest.offset == oldest.offset {
            return lag(oldest.at, Estimate::AtLeast);
        }
        let t = interpolate(&oldest, &newest, committed);
        let floor = oldest.at - EXTRAPOLATION_SPANS * span;
        if t < floor { lag(floor, Estimate::AtLeast) } else { lag(t, Estimate::Extrapolated) }
    }
}

/// The time on the line through `l` and `r` at offset `x` (`l.offset != r.offset`).
fn interpolate(l: &Point, r: &Point, x: i64) -> f64 {
    r.at - (r.offset - x) as f64 * (r.at - l.at) / (r.offset - l.offset) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(points: &[(i64, f64)]) -> LagTable {
        let mut t = LagTable::default();
        for &(o, at) in points {
            assert_eq!(t.add(o, at), Added::Appended, "({o}, {at})");
        }
        t
    }

    fn secs(t: &LagTable, committed: i64, now: f64) -> (f64, Estimate) {
        let l = t.lag_seconds(committed, now).expect("known");
        (l.seconds, l.estimate)
    }

    #[test]
    fn steady_production_interpolates_between_the_bracketing_points() {
        // 10 records/s, polled every 2 s.
        let t = table(&[(0, 100.0), (20, 102.0), (40, 104.0), (60, 106.0)]);
        assert_eq!(secs(&t, 50, 106.0), (1.0, Estimate::Interpolated));
        assert_eq!(secs(&t, 20, 106.0), (4.0, Estimate::Interpolated));
        assert_eq!(secs(&t, 60, 107.0), (0.0, Estimate::CaughtUp));
        assert_eq!(secs(&t, 61, 107.0), (0.0, Estimate::CaughtUp));
    }

    #[test]
    fn catching_up_shrinks_the_lag_in_seconds() {
        let mut t = table(&[(0, 0.0), (100, 10.0), (200, 20.0), (300, 30.0)]);
        let mut previous = f64::MAX;
        for (i, committed) in [50, 150, 250, 300].into_iter().enumerate() {
            let now = 30.0 + i as f64;
            t.add(300, now);
            let (s, _) = secs(&t, committed, now);
            assert!(s < previous, "{committed}: {s} ≥ {previous}");
            previous = s;
        }
        assert_eq!(previous, 0.0);
    }

    #[test]
    fn no_points_or_one_point_is_unknown_unless_caught_up() {
        assert_eq!(LagTable::default().lag_seconds(0, 1.0), None);
        let t = table(&[(10, 5.0)]);
        assert_eq!(t.lag_seconds(3, 9.0), None);
        assert_eq!(secs(&t, 10, 9.0), (0.0, Estimate::CaughtUp));
    }

    #[test]
    fn older_or_lower_points_are_rejected() {
        let mut t = table(&[(10, 5.0), (20, 6.0)]);
        assert_eq!(t.add(30, 6.0), Added::Rejected, "same time");
        assert_eq!(t.add(30, 4.0), Added::Rejected, "older");
        assert_eq!(t.add(19, 7.0), Added::Rejected, "lower");
        assert_eq!(t.points().len(), 2);
    }

    #[test]
    fn a_flat_run_keeps_its_two_ends() {
        let mut t = table(&[(0, 0.0), (100, 10.0)]);
        assert_eq!(t.add(100, 12.0), Added::Appended, "second point of the run");
        assert_eq!(t.add(100, 14.0), Added::FlatRunExtended);
        assert_eq!(t.add(100, 50.0), Added::FlatRunExtended);
        let pts: Vec<_> = t.points().map(|p| (p.offset, p.at)).collect();
        assert_eq!(pts, [(0, 0.0), (100, 10.0), (100, 50.0)]);
        // The log end reached 50 at t = 5, however long the topic then stayed idle.
        assert_eq!(secs(&t, 50, 60.0), (55.0, Estimate::Interpolated));
        assert_eq!(t.add(150, 51.0), Added::Appended);
    }

    #[test]
    fn the_table_is_capped() {
        let mut t = LagTable::default();
        for i in 0..(TABLE_CAP as i64 + 25) {
            t.add(i * 10, i as f64);
        }
        assert_eq!(t.points().len(), TABLE_CAP);
        assert_eq!(t.points().next().map(|p| p.offset), Some(250));
    }

    #[test]
    fn extrapolation_below_the_table_uses_the_average_rate() {
        let t = table(&[(1000, 100.0), (1100, 110.0)]);
        // 10 records/s: offset 900 was the log end at t = 90.
        assert_eq!(secs(&t, 900, 110.0), (20.0, Estimate::Extrapolated));
        assert_eq!(
            secs(&t, 1000, 110.0),
            (10.0, Estimate::Extrapolated),
            "the oldest point itself"
        );
    }

    #[test]
    fn extrapolation_is_capped_and_marked_as_a_lower_bound() {
        // 1 record in 10 s: a commit 1,000,000 records back would be ~115 days.
        let t = table(&[(1_000_000, 100.0), (1_000_001, 110.0)]);
        let (s, e) = secs(&t, 0, 110.0);
        assert_eq!(e, Estimate::AtLeast);
        assert_eq!(s, 10.0 + EXTRAPOLATION_SPANS * 10.0);
    }

    #[test]
    fn idle_topic_caught_up_is_zero_and_behind_is_a_lower_bound() {
        let mut t = table(&[(500, 100.0), (500, 102.0)]);
        t.add(500, 130.0);
        assert_eq!(secs(&t, 500, 131.0), (0.0, Estimate::CaughtUp));
        // Behind, with the log end idle for the whole table: at least as old as the table.
        assert_eq!(secs(&t, 400, 131.0), (31.0, Estimate::AtLeast));
    }

    #[test]
    fn lag_is_never_negative() {
        let t = table(&[(0, 100.0), (100, 110.0)]);
        let (s, _) = secs(&t, 50, 90.0);
        assert_eq!(s, 0.0, "a clock behind the table");
    }
}

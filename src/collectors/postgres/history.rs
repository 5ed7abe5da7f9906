//! What one read cannot tell: rates (WAL written, WAL a slot retains, rows changed) and since
//! when a slot has been inactive or has not advanced. The probe keeps this across polls and
//! fills it into each snapshot, so the store and the screen only ever see finished figures.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, SystemTime};

use super::PostgresSnapshot;

/// Rates are taken over this much history: long enough to smooth a burst, short enough to
/// follow a change of pace.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Samples of one quantity over the window.
#[derive(Debug, Clone, Default)]
pub struct Series(VecDeque<(SystemTime, i64)>);

impl Series {
    /// Records a value, drops what fell out of the window (keeping the newest sample before it,
    /// so a slow poll still has a rate), and returns the rate per second over what is left.
    pub fn push(&mut self, at: SystemTime, value: i64) -> Option<f64> {
        if self.0.back().is_some_and(|(t, _)| *t > at) {
            self.0.clear(); // the clock went back: start afresh rather than divide by nonsense
        }
        self.0.push_back((at, value));
        while self.0.len() > 2 && self.0.get(1).is_some_and(|(t, _)| older_than(*t, at, WINDOW)) {
            self.0.pop_front();
        }
        self.rate()
    }

    fn rate(&self) -> Option<f64> {
        let ((t0, v0), (t1, v1)) = (self.0.front()?, self.0.back()?);
        let secs = t1.duration_since(*t0).ok()?.as_secs_f64();
        (secs >= 0.5).then(|| (v1 - v0) as f64 / secs)
    }
}

fn older_than(t: SystemTime, now: SystemTime, age: Duration) -> bool {
    now.duration_since(t).is_ok_and(|d| d > age)
}

/// One slot's memory: retained WAL, when it went inactive, when its position last moved.
#[derive(Debug, Clone, Default)]
struct SlotTrack {
    retained: Series,
    inactive_since: Option<SystemTime>,
    /// The confirmed position, when it was first seen, and the server's WAL position then.
    confirmed: Option<(i64, SystemTime, Option<i64>)>,
}

/// The probe's history of one server.
#[derive(Debug, Clone, Default)]
pub struct History {
    wal: Series,
    changes: Series,
    slots: BTreeMap<String, SlotTrack>,
}

impl History {
    /// Fills the snapshot's rates and "since" times from this poll (taken `at`) and before.
    pub fn observe(&mut self, s: &mut PostgresSnapshot, at: SystemTime) {
        let current = s.wal.current_bytes;
        s.wal.bytes_per_sec = current.and_then(|c| self.wal.push(at, c));
        s.changes.per_sec = self.changes.push(at, s.changes.total);
        // A dropped slot is forgotten; one created again under the same name starts afresh.
        self.slots.retain(|name, _| s.slots.iter().any(|x| &x.name == name));
        for slot in &mut s.slots {
            let track = self.slots.entry(slot.name.clone()).or_default();
            slot.retained_bytes_per_sec =
                slot.retained_bytes.and_then(|r| track.retained.push(at, r));
            track.inactive_since =
                if slot.active { None } else { track.inactive_since.or(Some(at)) };
            slot.inactive_since = track.inactive_since;
            match (slot.confirmed_flush_bytes, &track.confirmed) {
                (Some(c), Some((seen, ..))) if *seen == c => {}
                (Some(c), _) => track.confirmed = Some((c, at, current)),
                (None, _) => track.confirmed = None,
            }
            if let Some((_, since, wal_then)) = track.confirmed {
                slot.confirmed_unchanged_since = Some(since);
                slot.wal_written_since_confirmed = current.zip(wal_then).map(|(c, w)| c - w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::slots::{ReplicationSlot, SourceChanges, WalFacts};
    use super::*;

    fn t(s: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000 + s)
    }

    fn slot(active: bool, retained: i64, confirmed: i64) -> ReplicationSlot {
        ReplicationSlot {
            name: "s".into(),
            plugin: Some("pgoutput".into()),
            slot_type: "logical".into(),
            database: Some("source".into()),
            active,
            restart_lsn: None,
            confirmed_flush_lsn: None,
            retained_bytes: Some(retained),
            lag_bytes: None,
            wal_status: Some("reserved".into()),
            safe_wal_size: None,
            retained_bytes_per_sec: None,
            inactive_since: None,
            confirmed_unchanged_since: None,
            wal_written_since_confirmed: None,
            confirmed_flush_bytes: Some(confirmed),
        }
    }

    fn snap(wal: i64, changes: i64, slots: Vec<ReplicationSlot>) -> PostgresSnapshot {
        PostgresSnapshot {
            wal: WalFacts { current_bytes: Some(wal), ..WalFacts::default() },
            changes: SourceChanges { total: changes, per_sec: None },
            slots,
            ..PostgresSnapshot::empty()
        }
    }

    #[test]
    fn rates_need_two_polls_and_follow_the_window() {
        let mut s = Series::default();
        assert_eq!(s.push(t(0), 0), None, "one sample has no rate");
        assert_eq!(s.push(t(0), 10), None, "no time elapsed, no rate");
        assert_eq!(s.push(t(2), 1000), Some(500.0));
        // A minute later the early samples fall out: the rate is the recent one.
        for i in 3..=70 {
            s.push(t(i), 1000 + (i64::try_from(i).unwrap_or(0) - 2) * 10);
        }
        let r = s.push(t(71), 1000 + 69 * 10).unwrap_or_default();
        assert!((r - 10.0).abs() < 0.5, "{r}");
        // The clock going back restarts the series instead of giving a negative time.
        assert_eq!(s.push(t(10), 5), None);
    }

    #[test]
    fn source_changes_and_wal_rates_come_from_deltas() {
        let mut h = History::default();
        let mut a = snap(1_000, 100, vec![]);
        h.observe(&mut a, t(0));
        assert_eq!((a.changes.per_sec, a.wal.bytes_per_sec), (None, None));
        let mut b = snap(9_000, 1_100, vec![]);
        h.observe(&mut b, t(2));
        assert_eq!(b.changes.per_sec, Some(500.0));
        assert_eq!(b.wal.bytes_per_sec, Some(4_000.0));
    }

    #[test]
    fn a_slot_remembers_since_when_it_is_inactive_and_static() {
        let mut h = History::default();
        let mut a = snap(1_000, 0, vec![slot(true, 100, 500)]);
        h.observe(&mut a, t(0));
        assert_eq!(a.slots[0].inactive_since, None);
        assert_eq!(a.slots[0].confirmed_unchanged_since, Some(t(0)));
        assert_eq!(a.slots[0].wal_written_since_confirmed, Some(0));
        let mut b = snap(5_000, 0, vec![slot(false, 4_100, 500)]);
        h.observe(&mut b, t(4));
        let mut c = snap(9_000, 0, vec![slot(false, 8_100, 500)]);
        h.observe(&mut c, t(8));
        let s = &c.slots[0];
        assert_eq!(s.inactive_since, Some(t(4)), "first seen inactive, not the latest poll");
        assert_eq!(s.confirmed_unchanged_since, Some(t(0)));
        assert_eq!(s.wal_written_since_confirmed, Some(8_000));
        assert_eq!(s.retained_bytes_per_sec, Some(1_000.0));
        // Active again and advanced: both clocks restart.
        let mut d = snap(9_500, 0, vec![slot(true, 100, 9_400)]);
        h.observe(&mut d, t(9));
        assert_eq!(d.slots[0].inactive_since, None);
        assert_eq!(d.slots[0].confirmed_unchanged_since, Some(t(9)));
        // Dropped, then created again: it starts afresh.
        h.observe(&mut snap(9_600, 0, vec![]), t(10));
        let mut e = snap(9_700, 0, vec![slot(false, 100, 9_600)]);
        h.observe(&mut e, t(11));
        assert_eq!(e.slots[0].inactive_since, Some(t(11)));
        assert_eq!(e.slots[0].retained_bytes_per_sec, None);
    }
}

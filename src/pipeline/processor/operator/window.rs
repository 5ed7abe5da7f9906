//! Window assignment: which event-time windows an event belongs to.
//!
//! Times are epoch milliseconds; a window is `[start, end)`. Tumbling and hopping windows are
//! aligned to the epoch (as Flink's, with offset 0). Session windows start as `[t, t + gap)` per
//! event and merge with every session of the same group they touch (Flink's `intersects`:
//! touching ends merge too).

use serde::{Deserialize, Serialize};

use crate::config::job::WindowConfig;

/// An event-time window `[start, end)` in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// Flink's merge rule for sessions: overlapping or touching windows merge.
    pub fn touches(&self, other: &Window) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    #[must_use]
    pub fn cover(&self, other: &Window) -> Window {
        Window { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A window shape in milliseconds, checked positive (and slide | size) by the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowShape {
    Tumbling { size: i64 },
    Hopping { size: i64, slide: i64 },
    Session { gap: i64 },
}

impl WindowShape {
    pub fn from_config(c: &WindowConfig) -> Self {
        // Config values are ≥ 1 ms; max(1) keeps a hand-built config from dividing by zero.
        match c {
            WindowConfig::Tumbling { size } => Self::Tumbling { size: size.as_millis().max(1) },
            WindowConfig::Hopping { size, slide } => {
                Self::Hopping { size: size.as_millis().max(1), slide: slide.as_millis().max(1) }
            }
            WindowConfig::Session { gap } => Self::Session { gap: gap.as_millis().max(1) },
        }
    }

    /// The end of the latest window an event at `t` falls in: once that window is past allowed
    /// lateness, every contribution at `t` is too late.
    pub fn last_end(&self, t: i64) -> i64 {
        match *self {
            Self::Tumbling { size } => align(t, size).saturating_add(size),
            Self::Hopping { size, slide } => align(t, slide).saturating_add(size),
            Self::Session { gap } => t.saturating_add(gap),
        }
    }

    /// The watermark's progress between two sweeps of state kept per event time: one window's
    /// worth (a slide, a gap), at least a second.
    pub fn sweep_step(&self) -> i64 {
        match *self {
            Self::Tumbling { size: s }
            | Self::Hopping { slide: s, .. }
            | Self::Session { gap: s } => s.max(1000),
        }
    }

    /// Sessions merge; the others have fixed windows.
    pub fn is_session(&self) -> bool {
        matches!(self, Self::Session { .. })
    }

    /// Replaces `out` with the windows of an event at `t`: one tumbling window, size/slide
    /// hopping windows (latest start first), or the event's own session `[t, t + gap)`.
    pub fn assign(&self, t: i64, out: &mut Vec<Window>) {
        out.clear();
        match *self {
            Self::Tumbling { size } => {
                let start = align(t, size);
                out.push(Window { start, end: start.saturating_add(size) });
            }
            Self::Hopping { size, slide } => {
                let mut start = align(t, slide);
                while start > t.saturating_sub(size) {
                    out.push(Window { start, end: start.saturating_add(size) });
                    start = start.saturating_sub(slide);
                }
            }
            Self::Session { gap } => out.push(Window { start: t, end: t.saturating_add(gap) }),
        }
    }
}

/// The largest multiple of `step` ≤ t (also for negative t, i.e. before 1970).
fn align(t: i64, step: i64) -> i64 {
    t - t.rem_euclid(step)
}

/// Where a new session window goes among a group's sessions (sorted by start, disjoint).
#[derive(Debug, PartialEq, Eq)]
pub struct SessionMerge {
    /// The window after merging.
    pub merged: Window,
    /// Indexes into the sessions that it absorbs (ascending).
    pub absorbed: Vec<usize>,
}

/// Merges `new` with the existing `sessions` it touches; a bridging event can join several.
pub fn merge_session(sessions: &[Window], new: Window) -> SessionMerge {
    let mut merged = new;
    let mut absorbed = Vec::new();
    for (i, s) in sessions.iter().enumerate() {
        if s.touches(&merged) {
            merged = merged.cover(s);
            absorbed.push(i);
        }
    }
    // Sessions are disjoint and sorted, so a single pass finds all (merging only grows the window
    // toward later sessions, which come after in the scan).
    SessionMerge { merged, absorbed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start: i64, end: i64) -> Window {
        Window { start, end }
    }

    fn assign(shape: WindowShape, t: i64) -> Vec<Window> {
        let mut out = Vec::new();
        shape.assign(t, &mut out);
        out
    }

    #[test]
    fn the_last_window_of_an_event_ends_as_assign_says() {
        let shapes = [
            WindowShape::Tumbling { size: 10 },
            WindowShape::Hopping { size: 30, slide: 10 },
            WindowShape::Session { gap: 7 },
        ];
        for shape in shapes {
            for t in [-31, -1, 0, 9, 10, 29, 12_345] {
                let latest = assign(shape, t).iter().map(|w| w.end).max();
                assert_eq!(Some(shape.last_end(t)), latest, "{shape:?} at {t}");
            }
        }
    }

    #[test]
    fn tumbling_windows_align_to_the_epoch() {
        let s = WindowShape::Tumbling { size: 10 };
        assert_eq!(assign(s, 0), [w(0, 10)]);
        assert_eq!(assign(s, 9), [w(0, 10)]);
        assert_eq!(assign(s, 10), [w(10, 20)]);
        assert_eq!(assign(s, -1), [w(-10, 0)]);
    }

    #[test]
    fn hopping_puts_an_event_in_size_over_slide_windows() {
        let s = WindowShape::Hopping { size: 60, slide: 10 };
        let got = assign(s, 65);
        assert_eq!(got, [w(60, 120), w(50, 110), w(40, 100), w(30, 90), w(20, 80), w(10, 70)]);
        assert!(got.iter().all(|x| x.start <= 65 && 65 < x.end));
        assert_eq!(assign(s, 60).len(), 6);
        assert_eq!(assign(WindowShape::Hopping { size: 10, slide: 10 }, 5), [w(0, 10)]);
    }

    #[test]
    fn sessions_merge_and_a_bridging_event_joins_two() {
        let gap = 10;
        let s = WindowShape::Session { gap };
        assert_eq!(assign(s, 100), [w(100, 110)]);
        let sessions = [w(0, 15), w(30, 45)];
        // Apart from both.
        assert_eq!(
            merge_session(&sessions, w(16, 26)),
            SessionMerge { merged: w(16, 26), absorbed: vec![] }
        );
        // Extends the first.
        assert_eq!(
            merge_session(&sessions, w(12, 22)),
            SessionMerge { merged: w(0, 22), absorbed: vec![0] }
        );
        // Touches the second only, then a bridging event joins both.
        assert_eq!(
            merge_session(&sessions, w(20, 30)),
            SessionMerge { merged: w(20, 45), absorbed: vec![1] }
        );
        assert_eq!(
            merge_session(&sessions, w(15, 30)),
            SessionMerge { merged: w(0, 45), absorbed: vec![0, 1] }
        );
        // Inside one.
        assert_eq!(
            merge_session(&sessions, w(32, 42)),
            SessionMerge { merged: w(30, 45), absorbed: vec![1] }
        );
    }
}

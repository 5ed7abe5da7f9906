//! Firing and purging: what the operator emits when the watermark moves.
//!
//! A window fires when its end ≤ watermark and it changed since its last emission (the first
//! firing, or a late firing = an upsert of the same row). A window whose count fell to 0 is
//! emitted as a deletion (if it had been emitted) and dropped. A window whose end + allowed
//! lateness ≤ watermark is purged after its last emission: later events for it are late.

use serde::Serialize;

use super::aggregate::Partial;
use super::key::GroupKey;
use super::operator::Operator;
use super::session;
use super::watermark::JobWatermark;
use super::window::Window;

/// One partition's result for one (group, window), to upsert (or delete) in the sink, keyed by
/// partition + group + window start. Merge partials across partitions for the final value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowResult {
    pub partition: i32,
    pub key: GroupKey,
    pub window: Window,
    /// None: delete the row (everything was retracted, or a session merged away).
    pub partial: Option<Partial>,
    /// The window had been emitted before: this replaces that row.
    pub late_firing: bool,
}

/// What one [`Operator::advance`] produced.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Emission {
    pub watermark: JobWatermark,
    /// Sorted by partition, window, group; deletions of merged-away sessions come first.
    pub results: Vec<WindowResult>,
    /// Windows dropped from state (beyond allowed lateness).
    pub purged: usize,
}

impl Operator {
    /// Computes the job watermark at wall clock `now_ms` and emits what it makes final.
    pub fn advance(&mut self, now_ms: i64) -> Emission {
        let watermark = self.clock.advance(now_ms);
        self.emit(watermark)
    }

    /// End of input (a bounded replay, tests): the watermark goes to +∞, every window fires and
    /// is purged. The operator accepts nothing on time afterwards.
    pub fn flush(&mut self) -> Emission {
        let watermark = self.clock.finish();
        self.emit(watermark)
    }

    // ~80 lines: one pass per partition (retire, sweep, fire, purge) that borrows
    // `self.partitions` and `self.keys` together, which `&mut self` helpers could not.
    fn emit(&mut self, watermark: JobWatermark) -> Emission {
        let mut out = Emission { watermark, ..Default::default() };
        let lateness = self.lateness_ms;
        for (&partition, p) in &mut self.partitions {
            let floor = match (watermark.value, p.floor) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            p.floor = floor;
            let mut results = Vec::new();
            for (key, window) in p.retired.drain(..) {
                let key = self.keys.key(key);
                out.results.push(WindowResult {
                    partition,
                    key,
                    window,
                    partial: None,
                    late_firing: true,
                });
            }
            let Some(wm) = floor else { continue };
            // A row version whose every window is past allowed lateness would be retracted too
            // late anyway (as a row this job never saw): its time need not be kept.
            if !p.row_times.is_empty()
                && p.row_times_swept
                    .is_none_or(|at| wm >= at.saturating_add(self.shape.sweep_step()))
            {
                let shape = self.shape;
                p.row_times.retain(|_, t| shape.last_end(*t).saturating_add(lateness) > wm);
                p.row_times_swept = Some(wm);
            }
            let mut dropped = Vec::new();
            for (&(key, start), e) in &mut p.windows {
                let window = Window { start, end: e.end };
                if e.end <= wm && e.changed {
                    e.changed = false;
                    e.dirty = true;
                    if e.acc.rows == 0 {
                        if e.fired {
                            results.push((window, key, None, true));
                        }
                        dropped.push((key, start, false));
                        continue;
                    }
                    results.push((window, key, Some(e.acc.partial()), e.fired));
                    e.fired = true;
                }
                if e.end.saturating_add(lateness) <= wm {
                    dropped.push((key, start, true));
                }
            }
            for (key, start, purged) in dropped {
                if let Some(e) = p.windows.remove(&(key, start))
                    && purged
                    && self.shape.is_session()
                {
                    let until = p.purged_until.entry(key).or_insert(e.end);
                    *until = (*until).max(e.end);
                }
                if self.shape.is_session() {
                    session::forget(p, key, start);
                }
                out.purged += usize::from(purged);
            }
            let mut results: Vec<WindowResult> = results
                .into_iter()
                .map(|(window, key, partial, late_firing)| WindowResult {
                    partition,
                    key: self.keys.key(key),
                    window,
                    partial,
                    late_firing,
                })
                .collect();
            results.sort_by(|a, b| (a.window, &a.key).cmp(&(b.window, &b.key)));
            out.results.extend(results);
        }
        if self.keys.len() >= self.compact_keys_at {
            self.compact_keys();
        }
        out
    }

    /// Forgets the group keys no partition's state holds any more (their windows purged, their
    /// partition handed away). Run when the interned keys have doubled since the last time, so
    /// its cost is spread over the keys interned.
    pub(super) fn compact_keys(&mut self) {
        let mut live = vec![false; self.keys.len()];
        for p in self.partitions.values() {
            p.mark_keys(&mut live);
        }
        let map = self.keys.retain(&live);
        for p in self.partitions.values_mut() {
            p.renumber_keys(&map);
        }
        self.compact_keys_at = (2 * self.keys.len()).max(COMPACT_KEYS_MIN);
    }

    /// Group keys interned now (for tests and diagnostics).
    pub fn group_keys(&self) -> usize {
        self.keys.len()
    }
}

/// Below this many interned keys they are never compacted: a few thousand keys cost little.
pub(super) const COMPACT_KEYS_MIN: usize = 4096;

#[cfg(test)]
mod tests {
    use super::super::scenarios::{change, tumbling};
    use super::*;
    use crate::pipeline::processor::{KeyValue, Op};

    #[test]
    fn keys_of_purged_windows_are_forgotten_and_open_ones_survive_renumbering() {
        let mut op = Operator::new(&tumbling(0));
        let ins = |g: &str, v: &str, t| change(Op::Create, None, Some((g, v, t)), 0);
        op.on_change(0, 0, b"k", &ins("keep", "5", 100_000), 0);
        for i in 0..5_000 {
            op.on_change(0, 1 + i, b"x", &ins(&format!("g{i}"), "1", 1_000), 0);
        }
        assert_eq!(op.group_keys(), 5_001);
        // The watermark passes the first window: its 5,000 groups fire and are purged.
        assert_eq!(op.advance(0).results.len(), 5_000);
        assert_eq!(op.group_keys(), 1);
        op.on_change(0, 6_000, b"k", &ins("keep", "2", 101_000), 0);
        op.on_change(0, 6_001, b"n", &ins("new", "3", 102_000), 0);
        let state = op.checkpoint(0).expect("partition 0");
        let keys: Vec<&GroupKey> = state.windows.iter().map(|w| &w.key).collect();
        let text = |s: &str| vec![KeyValue::Text(s.into())];
        assert_eq!(keys, [&text("keep"), &text("new")]);
        let rows: Vec<(GroupKey, i64)> = op
            .flush()
            .results
            .into_iter()
            .map(|r| (r.key, r.partial.map_or(0, |p| p.rows)))
            .collect();
        assert_eq!(rows, [(text("keep"), 2), (text("new"), 1)]);
    }
}

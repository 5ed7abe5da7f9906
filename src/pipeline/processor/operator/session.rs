//! Session windows in a partition's state: adding merges, retracting never splits.
//!
//! An added event opens `[t, t + gap)` and merges with every session of its group it touches
//! (a bridging event joins two). A retraction is taken from the session that holds its event
//! time, and the session keeps its bounds even when the retracted event was at its edge: like
//! Flink's merging windows, a session never splits or shrinks. A session emptied by retractions
//! is emitted as a deletion.

use super::aggregate::{Accumulators, ValueColumn};
use super::decimal::Decimal;
use super::key::KeyId;
use super::state::{PartitionWindows, WindowEntry};
use super::window::{Window, merge_session};

/// Adds `values` in the session `own` = `[t, t + gap)` of group `key`, merging sessions.
pub(super) fn add(
    p: &mut PartitionWindows,
    columns: &[ValueColumn],
    key: KeyId,
    own: Window,
    values: &[Option<Decimal>],
) {
    let sessions = p.sessions.entry(key).or_default();
    let m = merge_session(sessions, own);
    if let [only] = m.absorbed[..]
        && sessions[only] == m.merged
        && let Some(e) = p.windows.get_mut(&(key, m.merged.start))
    {
        // Inside an existing session: no merge to do.
        e.acc.apply(values, 1);
        e.changed = true;
        e.dirty = true;
        return;
    }
    let mut merged = WindowEntry {
        end: m.merged.end,
        acc: Accumulators::new(columns),
        fired: false,
        changed: true,
        dirty: true,
    };
    for &i in m.absorbed.iter().rev() {
        let old = sessions.remove(i);
        let Some(entry) = p.windows.remove(&(key, old.start)) else {
            continue;
        };
        if entry.fired {
            if old.start == m.merged.start {
                // Same upsert key: the merged result overwrites the old row.
                merged.fired = true;
            } else {
                p.retired.push((key, old));
            }
        }
        merged.acc.absorb(entry.acc);
    }
    merged.acc.apply(values, 1);
    let at = sessions.partition_point(|s| s.start < m.merged.start);
    sessions.insert(at, m.merged);
    p.windows.insert((key, m.merged.start), merged);
}

/// Retracts `values` at time `t` from the session of `key` holding it; false if none does.
pub(super) fn retract(
    p: &mut PartitionWindows,
    key: KeyId,
    t: i64,
    gap: i64,
    values: &[Option<Decimal>],
) -> bool {
    let Some(sessions) = p.sessions.get(&key) else {
        return false;
    };
    let Some(s) = sessions.iter().find(|s| s.start <= t && t.saturating_add(gap) <= s.end) else {
        return false;
    };
    let Some(e) = p.windows.get_mut(&(key, s.start)) else {
        return false;
    };
    e.acc.apply(values, -1);
    e.changed = true;
    e.dirty = true;
    true
}

/// Drops a session from the per-group index (after it is purged or emptied).
pub(super) fn forget(p: &mut PartitionWindows, key: KeyId, start: i64) {
    if let Some(sessions) = p.sessions.get_mut(&key) {
        sessions.retain(|s| s.start != start);
        if sessions.is_empty() {
            p.sessions.remove(&key);
        }
    }
}

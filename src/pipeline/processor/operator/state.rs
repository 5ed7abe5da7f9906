//! Per-partition state: the open windows of one Kafka partition, and its checkpoint form.
//!
//! State is split by partition so that a partition can move between consumer-group members
//! through a checkpoint: the old owner writes [`PartitionState`] in the same transaction as the
//! results and the offset, the new owner restores it and seeks to `next_offset`.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::aggregate::Accumulators;
use super::key::{GroupKey, KeyId, KeyInterner};
use super::window::Window;

/// One (group, window) being computed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct WindowEntry {
    pub end: i64,
    pub acc: Accumulators,
    /// A result for this window has been emitted (the sink holds a row).
    pub fired: bool,
    /// Changed since the last emission (or never emitted).
    pub changed: bool,
    /// Changed since the partition's last checkpoint, which wrote it as it was then: the next
    /// checkpoint writes it. Set wherever the state or `changed` is.
    pub dirty: bool,
}

/// The live state of one partition.
#[derive(Debug, Default)]
pub(super) struct PartitionWindows {
    /// (group, window start) → entry.
    pub windows: FxHashMap<(KeyId, i64), WindowEntry>,
    /// Session jobs: each group's sessions, sorted by start and disjoint.
    pub sessions: FxHashMap<KeyId, Vec<Window>>,
    /// Session jobs: the end of the latest purged session per group; an event reaching back to
    /// it is too late (it would merge with a session whose state is gone).
    pub purged_until: FxHashMap<KeyId, i64>,
    /// Fired sessions absorbed by a merge under another start: their rows must be deleted.
    pub retired: Vec<(KeyId, Window)>,
    /// Record key → event time of the row's current version (`source.ts_ms` jobs only), while a
    /// retraction at that time could still count: entries past allowed lateness are swept out
    /// (see `Operator::emit`), so this holds the rows changed within the lateness horizon, not
    /// every row of the table.
    pub row_times: FxHashMap<Box<[u8]>, i64>,
    /// The floor `row_times` was last swept at.
    pub row_times_swept: Option<i64>,
    pub next_offset: i64,
    /// The highest job watermark this partition's windows were judged and purged against.
    pub floor: Option<i64>,
    pub late_events: u64,
    pub events_applied: u64,
}

/// A partition's checkpoint: enough to resume as if never stopped.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PartitionState {
    /// The first offset not yet applied: where the consumer seeks after a restore.
    pub next_offset: i64,
    /// The largest event time seen (the partition watermark is this − out-of-orderness).
    pub max_event_time: Option<i64>,
    /// The partition watermark at checkpoint time (for display).
    pub watermark: Option<i64>,
    /// The job watermark the windows were last judged against; lateness never goes below it.
    pub lateness_floor: Option<i64>,
    /// Open windows, including fired ones kept for allowed lateness.
    pub windows: Vec<WindowState>,
    /// Fired sessions merged away, whose deletion is still to be emitted.
    pub retired: Vec<(GroupKey, Window)>,
    /// Session jobs: per group, the end of the latest purged session.
    pub purged_sessions: Vec<(GroupKey, i64)>,
    /// Record key (hex) → event time of the row's current version.
    pub row_times: Vec<(String, i64)>,
    pub late_events: u64,
    pub events_applied: u64,
}

/// One open window in a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowState {
    pub key: GroupKey,
    pub window: Window,
    pub accumulators: Accumulators,
    /// Emitted before (a later emission is a late firing).
    pub fired: bool,
    /// Changed since its last emission.
    pub changed: bool,
}

impl PartitionWindows {
    /// Marks in `live` (indexed by key id) every key this partition's state holds.
    pub fn mark_keys(&self, live: &mut [bool]) {
        let ids = self.windows.keys().map(|(k, _)| *k);
        let ids = ids.chain(self.sessions.keys().copied()).chain(self.purged_until.keys().copied());
        for id in ids.chain(self.retired.iter().map(|(k, _)| *k)) {
            if let Some(slot) = live.get_mut(id as usize) {
                *slot = true;
            }
        }
    }

    /// Renumbers the key ids after [`KeyInterner::retain`] (every id held is in `map`).
    pub fn renumber_keys(&mut self, map: &[Option<KeyId>]) {
        let new = |k: KeyId| map.get(k as usize).copied().flatten().unwrap_or(k);
        self.windows = std::mem::take(&mut self.windows)
            .into_iter()
            .map(|((k, s), e)| ((new(k), s), e))
            .collect();
        self.sessions =
            std::mem::take(&mut self.sessions).into_iter().map(|(k, v)| (new(k), v)).collect();
        self.purged_until =
            std::mem::take(&mut self.purged_until).into_iter().map(|(k, v)| (new(k), v)).collect();
        for (k, _) in &mut self.retired {
            *k = new(*k);
        }
    }

    /// The checkpoint form, sorted so equal states serialize equally.
    pub fn to_state(
        &self,
        keys: &KeyInterner,
        max_event_time: Option<i64>,
        watermark: Option<i64>,
    ) -> PartitionState {
        let mut windows: Vec<WindowState> =
            self.windows.iter().map(|(&(k, start), e)| window_state(keys, k, start, e)).collect();
        windows.sort_by(|a, b| (a.window, &a.key).cmp(&(b.window, &b.key)));
        PartitionState { windows, ..self.header(keys, max_event_time, watermark) }
    }

    /// The checkpoint form without its windows (the checkpoint's header row).
    pub fn header(
        &self,
        keys: &KeyInterner,
        max_event_time: Option<i64>,
        watermark: Option<i64>,
    ) -> PartitionState {
        let mut purged_sessions: Vec<_> =
            self.purged_until.iter().map(|(&k, &t)| (keys.key(k), t)).collect();
        purged_sessions.sort();
        let mut row_times: Vec<_> = self.row_times.iter().map(|(k, &t)| (hex(k), t)).collect();
        row_times.sort();
        PartitionState {
            next_offset: self.next_offset,
            max_event_time,
            watermark,
            lateness_floor: self.floor,
            windows: Vec::new(),
            retired: self.retired.iter().map(|&(k, w)| (keys.key(k), w)).collect(),
            purged_sessions,
            row_times,
            late_events: self.late_events,
            events_applied: self.events_applied,
        }
    }

    /// Rebuilds live state from a checkpoint (record keys that are not hex are skipped).
    pub fn from_state(state: PartitionState, keys: &mut KeyInterner, sessions: bool) -> Self {
        let mut p = PartitionWindows {
            next_offset: state.next_offset,
            floor: state.lateness_floor,
            late_events: state.late_events,
            events_applied: state.events_applied,
            ..Default::default()
        };
        for w in state.windows {
            let k = keys.intern_owned(&w.key);
            let entry = WindowEntry {
                end: w.window.end,
                acc: w.accumulators,
                fired: w.fired,
                changed: w.changed,
                dirty: false,
            };
            p.windows.insert((k, w.window.start), entry);
            if sessions {
                p.sessions.entry(k).or_default().push(w.window);
            }
        }
        for sessions in p.sessions.values_mut() {
            sessions.sort();
        }
        p.retired = state.retired.iter().map(|(k, w)| (keys.intern_owned(k), *w)).collect();
        p.purged_until =
            state.purged_sessions.iter().map(|(k, t)| (keys.intern_owned(k), *t)).collect();
        p.row_times = state
            .row_times
            .into_iter()
            .filter_map(|(k, t)| Some((unhex(&k)?.into_boxed_slice(), t)))
            .collect();
        p
    }
}

/// One live window in checkpoint form.
pub(super) fn window_state(
    keys: &KeyInterner,
    key: KeyId,
    start: i64,
    e: &WindowEntry,
) -> WindowState {
    WindowState {
        key: keys.key(key),
        window: Window { start, end: e.end },
        accumulators: e.acc.clone(),
        fired: e.fired,
        changed: e.changed,
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_survive_hex() {
        let key = br#"{"order_id":42}"#.to_vec();
        assert_eq!(unhex(&hex(&key)), Some(key));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}

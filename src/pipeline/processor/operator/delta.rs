//! What a partition's checkpoint writes: its header and only the windows changed since its
//! last checkpoint (marked dirty by the operator), and which stored windows it no longer holds.
//! The I/O layer writes a [`Delta`] in the batch's transaction (`io/checkpoint.rs`).

use std::collections::{HashMap, HashSet};

use super::key::{KeyId, KeyInterner};
use super::state::{PartitionState, PartitionWindows, WindowState, window_state};

/// (group key as JSON, window start, window end).
pub type WindowId = (String, i64, i64);

/// The windows a partition's last checkpoint left stored: group key as JSON → (start, end).
pub(in crate::pipeline::processor) type WrittenWindows = HashMap<String, HashSet<(i64, i64)>>;

/// What the last checkpoints wrote, per operator partition.
#[derive(Debug, Default)]
pub struct Written(HashMap<i32, WrittenWindows>);

impl Written {
    pub fn forget(&mut self, partition: i32) {
        self.0.remove(&partition);
    }

    pub(in crate::pipeline::processor) fn of(&mut self, partition: i32) -> &mut WrittenWindows {
        self.0.entry(partition).or_default()
    }
}

/// A partition's checkpoint as the changes since its last one.
#[derive(Debug)]
pub struct Delta {
    /// Everything but the windows.
    pub header: PartitionState,
    /// Windows new or changed since.
    pub changed: Vec<WindowState>,
    /// Windows written then and no longer held.
    pub gone: Vec<WindowId>,
}

/// The partition's windows changed since its last checkpoint (marked dirty; not stored, for a
/// partition whose record was forgotten), which this one writes and unmarks, and those stored
/// and no longer held; `written` becomes this checkpoint. Serializing every open window on every
/// batch to find the changed ones (hundreds, with min/max multisets) took more CPU than the
/// rest of the processor and delayed the firings.
pub(super) fn delta(
    p: &mut PartitionWindows,
    keys: &KeyInterner,
    header: PartitionState,
    written: &mut WrittenWindows,
) -> Delta {
    let mut key_json: HashMap<KeyId, String> = HashMap::new();
    let mut now: WrittenWindows = HashMap::with_capacity(written.len());
    let mut changed = Vec::new();
    for (&(k, start), e) in &mut p.windows {
        let json = key_json
            .entry(k)
            .or_insert_with(|| serde_json::to_string(&keys.key(k)).unwrap_or_default());
        let stored = written.get(json.as_str()).is_some_and(|w| w.contains(&(start, e.end)));
        if e.dirty || !stored {
            changed.push(window_state(keys, k, start, e));
            e.dirty = false;
        }
        match now.get_mut(json.as_str()) {
            Some(w) => {
                w.insert((start, e.end));
            }
            None => {
                now.insert(json.clone(), HashSet::from([(start, e.end)]));
            }
        }
    }
    let mut gone = Vec::new();
    for (k, windows) in std::mem::replace(written, now) {
        let live = written.get(&k);
        gone.extend(
            windows
                .into_iter()
                .filter(|w| !live.is_some_and(|l| l.contains(w)))
                .map(|(s, e)| (k.clone(), s, e)),
        );
    }
    Delta { header, changed, gone }
}

/// A stored window's row key.
pub fn window_id(w: &WindowState) -> WindowId {
    (serde_json::to_string(&w.key).unwrap_or_default(), w.window.start, w.window.end)
}

#[cfg(test)]
mod tests {
    use super::super::scenarios::{change, tumbling};
    use super::*;
    use crate::pipeline::processor::{Change, KeyValue, Op, Operator};

    fn ins(g: &str, t: i64) -> Change<'static> {
        change(Op::Create, None, Some((g, "1", t)), 0)
    }

    fn key(g: &str) -> String {
        serde_json::to_string(&vec![KeyValue::Text(g.into())]).unwrap()
    }

    /// (group, window start, rows) of the changed windows, and the gone ones, sorted.
    fn summary(d: &Delta) -> (Vec<(String, i64, i64)>, Vec<WindowId>) {
        let mut changed: Vec<_> = d
            .changed
            .iter()
            .map(|w| (serde_json::to_string(&w.key).unwrap(), w.window.start, w.accumulators.rows))
            .collect();
        changed.sort();
        let mut gone = d.gone.clone();
        gone.sort();
        (changed, gone)
    }

    #[test]
    fn a_checkpoint_writes_the_windows_changed_since_the_last_and_deletes_the_purged() {
        // 10 s windows, 20 s of allowed lateness, no out-of-orderness.
        let mut op = Operator::new(&tumbling(20));
        let mut written = WrittenWindows::new();
        op.on_change(0, 0, b"1", &ins("a", 1_000), 0);
        op.on_change(0, 1, b"2", &ins("b", 2_000), 0);
        let d = op.checkpoint_delta(0, &mut written).unwrap();
        assert_eq!(summary(&d), (vec![(key("a"), 0, 1), (key("b"), 0, 1)], vec![]));
        assert_eq!(d.header.next_offset, 2);
        assert!(d.header.windows.is_empty());
        assert_eq!(
            summary(&op.checkpoint_delta(0, &mut written).unwrap()),
            (vec![], vec![]),
            "nothing changed"
        );

        op.on_change(0, 2, b"3", &ins("a", 3_000), 0);
        assert_eq!(
            summary(&op.checkpoint_delta(0, &mut written).unwrap()),
            (vec![(key("a"), 0, 2)], vec![])
        );

        // The watermark passes the first window: firing changes both its groups' state.
        op.on_change(0, 3, b"4", &ins("c", 15_000), 0);
        assert_eq!(op.advance(0).results.len(), 2);
        let d = op.checkpoint_delta(0, &mut written).unwrap();
        assert_eq!(
            summary(&d),
            (vec![(key("a"), 0, 2), (key("b"), 0, 1), (key("c"), 10_000, 1)], vec![])
        );
        assert!(d.changed.iter().filter(|w| w.window.start == 0).all(|w| w.fired && !w.changed));

        // Past the lateness the first two windows are purged: deleted, not written.
        op.on_change(0, 4, b"5", &ins("c", 45_000), 0);
        op.advance(0);
        let d = op.checkpoint_delta(0, &mut written).unwrap();
        let gone = vec![(key("a"), 0, 10_000), (key("b"), 0, 10_000), (key("c"), 10_000, 20_000)];
        assert_eq!(summary(&d), (vec![(key("c"), 40_000, 1)], gone));

        // A partition whose record was forgotten writes every window it holds.
        let mut forgotten = WrittenWindows::new();
        assert_eq!(
            summary(&op.checkpoint_delta(0, &mut forgotten).unwrap()),
            (vec![(key("c"), 40_000, 1)], vec![])
        );
        assert_eq!(summary(&op.checkpoint_delta(0, &mut written).unwrap()), (vec![], vec![]));
    }
}

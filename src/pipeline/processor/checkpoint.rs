//! Incremental checkpoints. A partition's state is its header (offset, watermarks, counters:
//! a row of `cdc.processor_checkpoints`) plus its open windows (rows of
//! `cdc.processor_windows`). Only the windows whose state changed since the last checkpoint are
//! written, and purged ones deleted: with minutes of allowed lateness a partition holds
//! hundreds of windows with min/max multisets, and rewriting them all on every batch made the
//! transaction, and so the firing delay, proportional to the state instead of to the batch.
//! The changed windows are those the operator marked dirty, not found by serializing them all.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use tokio_postgres::{Client, Transaction};

use super::key::{KeyId, KeyInterner};
use super::operator::Operator;
use super::state::{PartitionWindows, window_state};
use super::{PartitionState, WindowState};

pub const DDL: &str = "CREATE SCHEMA IF NOT EXISTS cdc;
CREATE TABLE IF NOT EXISTS cdc.processor_windows (
    job          text   NOT NULL,
    topic        text   NOT NULL,
    partition    int    NOT NULL,
    group_key    jsonb  NOT NULL,
    window_start bigint NOT NULL,
    window_end   bigint NOT NULL,
    state        jsonb  NOT NULL,
    PRIMARY KEY (job, topic, partition, group_key, window_start, window_end)
);";

/// (group key as JSON, window start, window end).
pub type WindowId = (String, i64, i64);

/// The windows a partition's last checkpoint left stored: group key as JSON → (start, end).
pub(super) type WrittenWindows = HashMap<String, HashSet<(i64, i64)>>;

/// What the last checkpoints wrote, per operator partition.
#[derive(Debug, Default)]
pub struct Written(HashMap<i32, WrittenWindows>);

impl Written {
    pub fn forget(&mut self, partition: i32) {
        self.0.remove(&partition);
    }

    pub(super) fn of(&mut self, partition: i32) -> &mut WrittenWindows {
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
    for (&(k, start), e) in p.windows.iter_mut() {
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

fn id(w: &WindowState) -> WindowId {
    (serde_json::to_string(&w.key).unwrap_or_default(), w.window.start, w.window.end)
}

/// Inside the batch's transaction: the partition's header, its changed windows, and the
/// deletion of the windows it no longer holds (found key by key, as the partials are in
/// [`super::sink::write_results`]).
pub async fn write(
    tx: &Transaction<'_>,
    job: &str,
    (topic, partition): (&str, i32),
    delta: Delta,
) -> Result<(), tokio_postgres::Error> {
    let header = serde_json::to_string(&delta.header).unwrap_or_default();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&job, &topic, &partition, &delta.header.next_offset, &header];
    let head = tx.execute(
        "INSERT INTO cdc.processor_checkpoints (job, topic, partition, next_offset, state, updated_at) VALUES ($1, $2, $3, $4, $5::text::jsonb, now()) \
         ON CONFLICT (job, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, state = EXCLUDED.state, updated_at = now()",
        &params,
    );
    let upsert = async {
        if delta.changed.is_empty() {
            return Ok(0);
        }
        let (mut keys, mut starts, mut ends, mut states) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for w in &delta.changed {
            let (k, s, e) = id(w);
            keys.push(k);
            starts.push(s);
            ends.push(e);
            states.push(serde_json::to_string(w).unwrap_or_default());
        }
        tx.execute(
            "INSERT INTO cdc.processor_windows (job, topic, partition, group_key, window_start, window_end, state) \
             SELECT $1, $2, $3, k::jsonb, s, e, st::jsonb FROM unnest($4::text[], $5::bigint[], $6::bigint[], $7::text[]) AS u(k, s, e, st) \
             ON CONFLICT (job, topic, partition, group_key, window_start, window_end) DO UPDATE SET state = EXCLUDED.state",
            &[&job, &topic, &partition, &keys, &starts, &ends, &states],
        )
        .await
    };
    let delete = async {
        if delta.gone.is_empty() {
            return Ok(0);
        }
        let keys: Vec<&str> = delta.gone.iter().map(|k| k.0.as_str()).collect();
        let starts: Vec<i64> = delta.gone.iter().map(|k| k.1).collect();
        let ends: Vec<i64> = delta.gone.iter().map(|k| k.2).collect();
        tx.execute(
            "DELETE FROM cdc.processor_windows WHERE ctid = ANY(ARRAY(SELECT w.ctid FROM unnest($4::text[], $5::bigint[], $6::bigint[]) AS u(k, s, e), \
             LATERAL (SELECT ctid FROM cdc.processor_windows w WHERE w.job = $1 AND w.topic = $2 AND w.partition = $3 AND w.group_key = u.k::jsonb \
                      AND w.window_start = u.s AND w.window_end = u.e OFFSET 0) w))",
            &[&job, &topic, &partition, &keys, &starts, &ends],
        )
        .await
    };
    tokio::try_join!(head, upsert, delete)?;
    Ok(())
}

/// Every stored partition of a job, header and windows reassembled. `written` learns what is
/// stored for the partitions `taken` numbers (those being restored; it forgets what it knew
/// of them first), so their next checkpoint writes only changes.
pub async fn load(
    c: &Client,
    job: &str,
    taken: impl Fn(&str, i32) -> Option<i32>,
    written: &mut Written,
) -> Result<Vec<(String, i32, PartitionState)>, String> {
    let headers = c
        .query(
            "SELECT topic, partition, state::text FROM cdc.processor_checkpoints WHERE job = $1",
            &[&job],
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut states: BTreeMap<(String, i32), PartitionState> = BTreeMap::new();
    for r in &headers {
        if let Some(p) = taken(r.get(0), r.get(1)) {
            written.forget(p);
        }
    }
    for r in headers {
        let text: String = r.get(2);
        let state: PartitionState =
            serde_json::from_str(&text).map_err(|e| format!("checkpoint of {job}: {e}"))?;
        states.insert((r.get(0), r.get(1)), state);
    }
    let rows = c
        .query("SELECT topic, partition, state::text FROM cdc.processor_windows WHERE job = $1 ORDER BY topic, partition, group_key, window_start", &[&job])
        .await
        .map_err(|e| e.to_string())?;
    for r in rows {
        let (topic, partition, text): (String, i32, String) = (r.get(0), r.get(1), r.get(2));
        let w: WindowState =
            serde_json::from_str(&text).map_err(|e| format!("window state of {job}: {e}"))?;
        if let Some(p) = taken(&topic, partition) {
            let (k, s, e) = id(&w);
            written.of(p).entry(k).or_default().insert((s, e));
        }
        if let Some(s) = states.get_mut(&(topic, partition)) {
            s.windows.push(w);
        }
    }
    Ok(states.into_iter().map(|((t, p), s)| (t, p, s)).collect())
}

/// Restores from their checkpoints the `owned` partitions the operator does not hold yet.
pub(super) async fn restore_new(
    op: &mut Operator,
    sink: &Client,
    job: &str,
    owned: &BTreeSet<i32>,
    pid: &impl Fn(&str, i32) -> Option<i32>,
    stored: &mut Written,
) -> Result<(), super::run::ProcessorError> {
    let newly: Vec<i32> = owned.iter().copied().filter(|p| !op.partitions().contains(p)).collect();
    if newly.is_empty() {
        return Ok(());
    }
    let taken = |t: &str, part: i32| pid(t, part).filter(|x| newly.contains(x));
    let states = load(sink, job, taken, stored).await.map_err(super::run::ProcessorError::Sink)?;
    let now = super::run::now_ms();
    for p in newly {
        let state = states
            .iter()
            .find(|(t, part, _)| pid(t, *part) == Some(p))
            .map(|(_, _, s)| s.clone())
            .unwrap_or_default();
        op.restore(p, state, now);
    }
    Ok(())
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

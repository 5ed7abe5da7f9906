//! Incremental checkpoints. A partition's state is its header (offset, watermarks, counters:
//! a row of `cdc.processor_checkpoints`) plus its open windows (rows of
//! `cdc.processor_windows`). Only the windows whose state changed since the last checkpoint are
//! written, and purged ones deleted: with minutes of allowed lateness a partition holds
//! hundreds of windows with min/max multisets, and rewriting them all on every batch made the
//! transaction, and so the firing delay, proportional to the state instead of to the batch.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use tokio_postgres::{Client, Transaction};

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
type WindowId = (String, i64, i64);

/// What a partition's last checkpoint wrote: window → hash of its JSON.
pub type WrittenWindows = HashMap<WindowId, u64>;

/// What the last checkpoints wrote, per operator partition.
#[derive(Debug, Default)]
pub struct Written(HashMap<i32, WrittenWindows>);

impl Written {
    pub fn forget(&mut self, partition: i32) {
        self.0.remove(&partition);
    }

    /// The partition's record, taken out so that several partitions' writes can each own
    /// theirs at once; [`put`](Self::put) returns it.
    pub fn take(&mut self, partition: i32) -> WrittenWindows {
        self.0.remove(&partition).unwrap_or_default()
    }

    pub fn put(&mut self, partition: i32, windows: WrittenWindows) {
        self.0.insert(partition, windows);
    }
}

fn hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

fn id(w: &WindowState) -> WindowId {
    (serde_json::to_string(&w.key).unwrap_or_default(), w.window.start, w.window.end)
}

/// Inside the batch's transaction: the partition's header, its changed windows, and the
/// deletion of the windows it no longer holds; `before` is what its last checkpoint wrote, and
/// becomes what this one wrote.
pub async fn write(tx: &Transaction<'_>, job: &str, (topic, partition): (&str, i32), mut state: PartitionState, before: &mut WrittenWindows) -> Result<(), tokio_postgres::Error> {
    let windows = std::mem::take(&mut state.windows);
    let header = serde_json::to_string(&state).unwrap_or_default();
    tx.execute(
        "INSERT INTO cdc.processor_checkpoints (job, topic, partition, next_offset, state, updated_at) VALUES ($1, $2, $3, $4, $5::text::jsonb, now()) \
         ON CONFLICT (job, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, state = EXCLUDED.state, updated_at = now()",
        &[&job, &topic, &partition, &state.next_offset, &header],
    )
    .await?;
    let mut now: HashMap<WindowId, u64> = HashMap::with_capacity(windows.len());
    let (mut keys, mut starts, mut ends, mut states) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for w in &windows {
        let json = serde_json::to_string(w).unwrap_or_default();
        let (k, s, e) = id(w);
        let h = hash(&json);
        if before.get(&(k.clone(), s, e)) != Some(&h) {
            keys.push(k.clone());
            starts.push(s);
            ends.push(e);
            states.push(json);
        }
        now.insert((k, s, e), h);
    }
    if !keys.is_empty() {
        tx.execute(
            "INSERT INTO cdc.processor_windows (job, topic, partition, group_key, window_start, window_end, state) \
             SELECT $1, $2, $3, k::jsonb, s, e, st::jsonb FROM unnest($4::text[], $5::bigint[], $6::bigint[], $7::text[]) AS u(k, s, e, st) \
             ON CONFLICT (job, topic, partition, group_key, window_start, window_end) DO UPDATE SET state = EXCLUDED.state",
            &[&job, &topic, &partition, &keys, &starts, &ends, &states],
        )
        .await?;
    }
    let gone: HashSet<&WindowId> = before.keys().filter(|k| !now.contains_key(*k)).collect();
    if !gone.is_empty() {
        let keys: Vec<&str> = gone.iter().map(|k| k.0.as_str()).collect();
        let starts: Vec<i64> = gone.iter().map(|k| k.1).collect();
        let ends: Vec<i64> = gone.iter().map(|k| k.2).collect();
        tx.execute(
            "DELETE FROM cdc.processor_windows w USING unnest($4::text[], $5::bigint[], $6::bigint[]) AS u(k, s, e) \
             WHERE w.job = $1 AND w.topic = $2 AND w.partition = $3 AND w.group_key = u.k::jsonb AND w.window_start = u.s AND w.window_end = u.e",
            &[&job, &topic, &partition, &keys, &starts, &ends],
        )
        .await?;
    }
    *before = now;
    Ok(())
}

/// Every stored partition of a job, header and windows reassembled. `written` learns what is
/// stored for the partitions `taken` numbers (those being restored; it forgets what it knew
/// of them first), so their next checkpoint writes only changes.
pub async fn load(c: &Client, job: &str, taken: impl Fn(&str, i32) -> Option<i32>, written: &mut Written) -> Result<Vec<(String, i32, PartitionState)>, String> {
    let headers = c
        .query("SELECT topic, partition, state::text FROM cdc.processor_checkpoints WHERE job = $1", &[&job])
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
        let state: PartitionState = serde_json::from_str(&text).map_err(|e| format!("checkpoint of {job}: {e}"))?;
        states.insert((r.get(0), r.get(1)), state);
    }
    let rows = c
        .query("SELECT topic, partition, state::text FROM cdc.processor_windows WHERE job = $1 ORDER BY topic, partition, group_key, window_start", &[&job])
        .await
        .map_err(|e| e.to_string())?;
    for r in rows {
        let (topic, partition, text): (String, i32, String) = (r.get(0), r.get(1), r.get(2));
        let w: WindowState = serde_json::from_str(&text).map_err(|e| format!("window state of {job}: {e}"))?;
        if let Some(p) = taken(&topic, partition) {
            let json = serde_json::to_string(&w).unwrap_or_default();
            written.0.entry(p).or_default().insert(id(&w), hash(&json));
        }
        if let Some(s) = states.get_mut(&(topic, partition)) {
            s.windows.push(w);
        }
    }
    Ok(states.into_iter().map(|((t, p), s)| (t, p, s)).collect())
}

//! Incremental checkpoints. A partition's state is its header (offset, watermarks, counters:
//! a row of `cdc.processor_checkpoints`) plus its open windows (rows of
//! `cdc.processor_windows`). Only the windows whose state changed since the last checkpoint are
//! written, and purged ones deleted: with minutes of allowed lateness a partition holds
//! hundreds of windows with min/max multisets, and rewriting them all on every batch made the
//! transaction, and so the firing delay, proportional to the state instead of to the batch.
//! The changed windows are those the operator marked dirty, not found by serializing them all.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::{Client, Transaction};

use super::error::ProcessorError;
pub use crate::pipeline::processor::operator::{Delta, WindowId, Written, window_id};
use crate::pipeline::processor::{Operator, PartitionState, WindowState};

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
            let (k, s, e) = window_id(w);
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
) -> Result<Vec<(String, i32, PartitionState)>, ProcessorError> {
    let corrupt = |what, source| ProcessorError::Checkpoint { job: job.to_string(), what, source };
    let headers = c
        .query(
            "SELECT topic, partition, state::text FROM cdc.processor_checkpoints WHERE job = $1",
            &[&job],
        )
        .await
        .map_err(ProcessorError::Sink)?;
    let mut states: BTreeMap<(String, i32), PartitionState> = BTreeMap::new();
    for r in &headers {
        if let Some(p) = taken(r.get(0), r.get(1)) {
            written.forget(p);
        }
    }
    for r in headers {
        let text: String = r.get(2);
        let state: PartitionState =
            serde_json::from_str(&text).map_err(|e| corrupt("checkpoint", e))?;
        states.insert((r.get(0), r.get(1)), state);
    }
    let rows = c
        .query("SELECT topic, partition, state::text FROM cdc.processor_windows WHERE job = $1 ORDER BY topic, partition, group_key, window_start", &[&job])
        .await
        .map_err(ProcessorError::Sink)?;
    for r in rows {
        let (topic, partition, text): (String, i32, String) = (r.get(0), r.get(1), r.get(2));
        let w: WindowState = serde_json::from_str(&text).map_err(|e| corrupt("window state", e))?;
        if let Some(p) = taken(&topic, partition) {
            let (k, s, e) = window_id(&w);
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
) -> Result<(), ProcessorError> {
    let newly: Vec<i32> = owned.iter().copied().filter(|p| !op.partitions().contains(p)).collect();
    if newly.is_empty() {
        return Ok(());
    }
    let taken = |t: &str, part: i32| pid(t, part).filter(|x| newly.contains(x));
    let states = load(sink, job, taken, stored).await?;
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

//! What a job keeps in the sink, all written in one transaction per checkpoint (exactly once):
//! each partition's partial aggregates per (group key, window) in `cdc.window_partials`, the
//! job's output table merged from them, the late events, and per partition the operator's state
//! with the next offset in `cdc.processor_checkpoints`; and, for a job with an output topic, the
//! rows to send in `cdc.processor_outbox`.

use std::collections::BTreeSet;

use tokio_postgres::{Client, Transaction};

pub use super::outbox::Written;
pub use super::output::{Output, ensure_output, ensure_output_table};
use super::output::{Target, key_json, write_rows};
use crate::config::job::{JobConfig, WindowConfig};
use crate::pg::qualified;
use crate::pipeline::processor::{GroupKey, LateEvent, Partial, Window, WindowResult};

pub const DDL: &str = "CREATE SCHEMA IF NOT EXISTS cdc;
CREATE TABLE IF NOT EXISTS cdc.processor_checkpoints (
    job         text        NOT NULL,
    topic       text        NOT NULL,
    partition   int         NOT NULL,
    next_offset bigint      NOT NULL,
    state       jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, topic, partition)
);
CREATE TABLE IF NOT EXISTS cdc.window_partials (
    job          text   NOT NULL,
    topic        text   NOT NULL,
    partition    int    NOT NULL,
    group_key    jsonb  NOT NULL,
    window_start bigint NOT NULL,
    window_end   bigint NOT NULL,
    partial      jsonb  NOT NULL,
    PRIMARY KEY (job, group_key, window_start, window_end, topic, partition)
);
-- Session jobs find the sessions around a batch's by window end (session_output.rs).
CREATE INDEX IF NOT EXISTS window_partials_end ON cdc.window_partials (job, group_key, window_end);
CREATE TABLE IF NOT EXISTS cdc.late_events (
    id           bigserial   PRIMARY KEY,
    job          text        NOT NULL,
    topic        text        NOT NULL,
    partition    int         NOT NULL,
    \"offset\"     bigint      NOT NULL,
    op           text        NOT NULL,
    retraction   boolean     NOT NULL,
    group_key    jsonb       NOT NULL,
    event_time   timestamptz,
    window_start timestamptz,
    window_end   timestamptz,
    windows      int         NOT NULL DEFAULT 1,
    reason       text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE cdc.late_events ADD COLUMN IF NOT EXISTS windows int NOT NULL DEFAULT 1;
CREATE TABLE IF NOT EXISTS cdc.processor_outbox (
    id      bigserial PRIMARY KEY,
    job     text      NOT NULL,
    key     text      NOT NULL,
    payload text      NOT NULL
);";

/// Upserts (or deletes) each result's partial, then rewrites the output rows of the touched
/// (group key, window) pairs from every partition's partial (session jobs: the sessions around
/// them, merged across partitions, see `session_output.rs`). A set-based statement per
/// step, so the transaction's cost does not grow by round trips with the windows a batch touches
/// (late firings can touch hundreds). Returns the output rows written.
///
/// Instances of a job in one consumer group write the same output rows: a transaction lock per
/// job serializes their writes, so each merge reads the partials the other committed.
///
/// The job's rows are found key by key (a lateral subquery the planner cannot flatten): the
/// table's statistics know nothing of a new job's rows, and a join planned on them scanned
/// every partial of the job on each batch (thousands after a replay, 10–25 ms a batch).
pub async fn write_results(
    tx: &Transaction<'_>,
    job: &JobConfig,
    out: &Output,
    topic_of: impl Fn(i32) -> (String, i32),
    results: &[WindowResult],
) -> Result<Vec<Written>, tokio_postgres::Error> {
    if results.is_empty() {
        return Ok(Vec::new());
    }
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('cdc-console job ' || $1::text))",
        &[&job.name],
    )
    .await?;
    write_partials(tx, &job.name, topic_of, results).await?;

    // 2. Every partition's partials of the touched windows, merged.
    let touched: BTreeSet<(GroupKey, Window)> =
        results.iter().map(|r| (r.key.clone(), r.window)).collect();
    if matches!(job.window, WindowConfig::Session { .. }) {
        let (targets, mut written) = super::session_output::targets(tx, job, out, &touched).await?;
        written.extend(write_rows(tx, job, out, &targets).await?);
        return Ok(written);
    }
    let partials = partials_of(tx, &job.name, &touched).await?;

    // 3. The output rows.
    let targets: Vec<Target> = touched.into_iter().zip(partials).collect();
    write_rows(tx, job, out, &targets).await
}

/// 1. This partition's partials: upserted, or deleted for a result without one.
async fn write_partials(
    tx: &Transaction<'_>,
    job: &str,
    topic_of: impl Fn(i32) -> (String, i32),
    results: &[WindowResult],
) -> Result<(), tokio_postgres::Error> {
    let (mut up, mut gone): (Vec<&WindowResult>, Vec<&WindowResult>) = (Vec::new(), Vec::new());
    for r in results {
        if r.partial.is_some() { up.push(r) } else { gone.push(r) }
    }
    let columns = |rs: &[&WindowResult]| {
        let (mut topics, mut parts, mut keys, mut starts, mut ends, mut partials) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in rs {
            let (t, p) = topic_of(r.partition);
            topics.push(t);
            parts.push(p);
            keys.push(key_json(&r.key).to_string());
            starts.push(r.window.start);
            ends.push(r.window.end);
            partials.push(
                r.partial
                    .as_ref()
                    .map(|p| serde_json::to_string(p).unwrap_or_default())
                    .unwrap_or_default(),
            );
        }
        (topics, parts, keys, starts, ends, partials)
    };
    if !up.is_empty() {
        let (t, p, k, s, e, pa) = columns(&up);
        tx.execute(
            "INSERT INTO cdc.window_partials (job, topic, partition, group_key, window_start, window_end, partial) \
             SELECT $1, t, p, k::jsonb, s, e, pa::jsonb FROM unnest($2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::text[]) AS u(t, p, k, s, e, pa) \
             ON CONFLICT (job, group_key, window_start, window_end, topic, partition) DO UPDATE SET partial = EXCLUDED.partial",
            &[&job, &t, &p, &k, &s, &e, &pa],
        )
        .await?;
    }
    if !gone.is_empty() {
        let (t, p, k, s, e, _) = columns(&gone);
        tx.execute(
            "DELETE FROM cdc.window_partials WHERE ctid = ANY(ARRAY(SELECT w.ctid FROM unnest($2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[]) AS u(t, p, k, s, e), \
             LATERAL (SELECT ctid FROM cdc.window_partials w WHERE w.job = $1 AND w.group_key = u.k::jsonb AND w.window_start = u.s AND w.window_end = u.e AND w.topic = u.t AND w.partition = u.p OFFSET 0) w))",
            &[&job, &t, &p, &k, &s, &e],
        )
        .await?;
    }
    Ok(())
}

/// Every partition's partials of each `touched` window, in `touched`'s order.
async fn partials_of(
    tx: &Transaction<'_>,
    job: &str,
    touched: &BTreeSet<(GroupKey, Window)>,
) -> Result<Vec<Vec<Partial>>, tokio_postgres::Error> {
    let keys: Vec<String> = touched.iter().map(|(k, _)| key_json(k).to_string()).collect();
    let starts: Vec<i64> = touched.iter().map(|(_, w)| w.start).collect();
    let ends: Vec<i64> = touched.iter().map(|(_, w)| w.end).collect();
    let rows = tx
        .query(
            "SELECT u.i, p.partial::text FROM unnest($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS u(k, s, e, i), \
             LATERAL (SELECT w.partial FROM cdc.window_partials w WHERE w.job = $1 AND w.group_key = u.k::jsonb AND w.window_start = u.s AND w.window_end = u.e OFFSET 0) p",
            &[&job, &keys, &starts, &ends],
        )
        .await?;
    let mut partials: Vec<Vec<Partial>> = vec![Vec::new(); touched.len()];
    for r in rows {
        let i = r.get::<_, i64>(0) as usize - 1;
        if let (Some(slot), Ok(p)) =
            (partials.get_mut(i), serde_json::from_str::<Partial>(&r.get::<_, String>(1)))
        {
            slot.push(p);
        }
    }
    Ok(partials)
}

/// The batch's late events in one statement.
pub async fn write_late(
    tx: &Transaction<'_>,
    job: &str,
    topic_of: impl Fn(i32) -> (String, i32),
    late: &[LateEvent],
) -> Result<(), tokio_postgres::Error> {
    if late.is_empty() {
        return Ok(());
    }
    let (mut topics, mut parts, mut offsets, mut ops, mut retractions, mut keys) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut times, mut starts, mut ends, mut counts, mut reasons) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for l in late {
        let (topic, partition) = topic_of(l.partition);
        topics.push(topic);
        parts.push(partition);
        offsets.push(l.offset);
        ops.push(l.op_code());
        retractions.push(l.retraction);
        keys.push(serde_json::to_string(l.key.as_ref()).unwrap_or_default());
        times.push(l.event_time);
        starts.push(l.window.map(|w| w.start));
        ends.push(l.window.map(|w| w.end));
        counts.push(l.windows as i32);
        reasons.push(l.reason.to_string());
    }
    let ms = |c: &str| format!("timestamptz 'epoch' + {c} * interval '1 millisecond'");
    tx.execute(
        &format!(
            "INSERT INTO cdc.late_events (job, topic, partition, \"offset\", op, retraction, group_key, event_time, window_start, window_end, windows, reason) \
             SELECT $1, t, p, o, op, r, k::jsonb, {}, {}, {}, n, why \
             FROM unnest($2::text[], $3::int[], $4::bigint[], $5::text[], $6::bool[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::int[], $12::text[]) \
             AS u(t, p, o, op, r, k, et, ws, we, n, why)",
            ms("et"),
            ms("ws"),
            ms("we")
        ),
        &[&job, &topics, &parts, &offsets, &ops, &retractions, &keys, &times, &starts, &ends, &counts, &reasons],
    )
    .await?;
    Ok(())
}

/// Forgets a job: checkpoints, partials, late events and its output rows (the table stays).
pub async fn reset(c: &Client, job: &JobConfig) -> Result<(), tokio_postgres::Error> {
    crate::pipeline::create_if_missing(c, &[DDL, super::checkpoint::DDL].join(";\n")).await?;
    for t in [
        "cdc.processor_checkpoints",
        "cdc.processor_windows",
        "cdc.window_partials",
        "cdc.late_events",
        "cdc.processor_outbox",
    ] {
        c.execute(&format!("DELETE FROM {t} WHERE job = $1"), &[&job.name]).await?;
    }
    let exists: bool = c
        .query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&qualified(&job.output.table)])
        .await?
        .get(0);
    if exists {
        c.batch_execute(&format!("TRUNCATE {}", qualified(&job.output.table))).await?;
    }
    Ok(())
}

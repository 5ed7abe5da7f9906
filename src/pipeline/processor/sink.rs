//! What a job keeps in the sink, all written in one transaction per checkpoint (exactly once):
//! each partition's partial aggregates per (group key, window) in `cdc.window_partials`, the
//! job's output table merged from them, the late events, and per partition the operator's state
//! with the next offset in `cdc.processor_checkpoints`; and, for a job with an output topic, the
//! rows to send in `cdc.processor_outbox`.

use std::collections::BTreeSet;

use tokio_postgres::{Client, Transaction};

pub use super::outbox::Written;
use super::{GroupKey, KeyValue, LateEvent, Partial, Window, WindowResult, finish, merge};
use crate::config::job::JobConfig;
use crate::pipeline::replicator::schema::{ident, qualified, read_shape};

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

/// The output table's group-by columns with their types (as in the first source table).
#[derive(Debug, Clone)]
pub struct Output {
    pub group: Vec<(String, String)>,
}

/// Creates the output table: the group-by columns typed as in the first source table, the
/// window bounds, one numeric column per aggregate (`count` bigint), the time of the last update.
pub async fn ensure_output(sink: &Client, source: &Client, job: &JobConfig) -> Result<Output, String> {
    let table = job.source_tables.first().ok_or("the job names no source table")?;
    let shape = read_shape(source, table).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("source table {table} does not exist"))?;
    let mut cols = Vec::new();
    let mut group = Vec::new();
    for g in &job.group_by {
        let c = shape.columns.iter().find(|c| &c.name == g).ok_or_else(|| format!("group-by column {g} is not in {table}"))?;
        cols.push(format!("{} {}", ident(g), c.ty));
        group.push((g.clone(), c.ty.clone()));
    }
    let keys: Vec<String> = job.group_by.iter().map(|g| ident(g)).chain(["window_start".into(), "window_end".into()]).collect();
    cols.push("window_start timestamptz NOT NULL".into());
    cols.push("window_end timestamptz NOT NULL".into());
    for a in &job.aggregates {
        let ty = if a.output_column() == "count" { "bigint" } else { "numeric" };
        cols.push(format!("{} {ty}", ident(&a.output_column())));
    }
    cols.push("updated_at timestamptz NOT NULL DEFAULT now()".into());
    if let Some((schema, _)) = job.output.table.split_once('.') {
        sink.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", ident(schema))).await.map_err(|e| e.to_string())?;
    }
    // Group columns may be NULL: the key is unique with NULLS NOT DISTINCT (PostgreSQL ≥ 15).
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {} ({}, UNIQUE NULLS NOT DISTINCT ({}))",
        qualified(&job.output.table),
        cols.join(", "),
        keys.join(", ")
    );
    sink.batch_execute(&sql).await.map_err(|e| format!("{}: {e}", job.output.table))?;
    Ok(Output { group })
}

pub(super) fn key_json(key: &GroupKey) -> serde_json::Value {
    serde_json::to_value(key).unwrap_or(serde_json::Value::Null)
}

/// A group value as text for a `$n::text::type` parameter (None is NULL).
pub(super) fn key_text(v: &KeyValue) -> Option<String> {
    match v {
        KeyValue::Null => None,
        KeyValue::Bool(b) => Some(b.to_string()),
        KeyValue::Int(n) => Some(n.to_string()),
        KeyValue::Number(s) | KeyValue::Text(s) => Some(s.clone()),
    }
}

/// Upserts (or deletes) each result's partial, then rewrites the output rows of the touched
/// (group key, window) pairs from every partition's partial. A set-based statement per step, so
/// the transaction's cost does not grow by round trips with the windows a batch touches (late
/// firings can touch hundreds). Returns the output rows written.
pub async fn write_results(tx: &Transaction<'_>, job: &JobConfig, out: &Output, topic_of: impl Fn(i32) -> (String, i32), results: &[WindowResult]) -> Result<Vec<Written>, tokio_postgres::Error> {
    // 1. This partition's partials.
    let (mut up, mut gone): (Vec<&WindowResult>, Vec<&WindowResult>) = (Vec::new(), Vec::new());
    for r in results {
        if r.partial.is_some() { up.push(r) } else { gone.push(r) }
    }
    let columns = |rs: &[&WindowResult]| {
        let (mut topics, mut parts, mut keys, mut starts, mut ends, mut partials) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in rs {
            let (t, p) = topic_of(r.partition);
            topics.push(t);
            parts.push(p);
            keys.push(key_json(&r.key).to_string());
            starts.push(r.window.start);
            ends.push(r.window.end);
            partials.push(r.partial.as_ref().map(|p| serde_json::to_string(p).unwrap_or_default()).unwrap_or_default());
        }
        (topics, parts, keys, starts, ends, partials)
    };
    if !up.is_empty() {
        let (t, p, k, s, e, pa) = columns(&up);
        tx.execute(
            "INSERT INTO cdc.window_partials (job, topic, partition, group_key, window_start, window_end, partial) \
             SELECT $1, t, p, k::jsonb, s, e, pa::jsonb FROM unnest($2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::text[]) AS u(t, p, k, s, e, pa) \
             ON CONFLICT (job, group_key, window_start, window_end, topic, partition) DO UPDATE SET partial = EXCLUDED.partial",
            &[&job.name, &t, &p, &k, &s, &e, &pa],
        )
        .await?;
    }
    if !gone.is_empty() {
        let (t, p, k, s, e, _) = columns(&gone);
        tx.execute(
            "DELETE FROM cdc.window_partials w USING unnest($2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[]) AS u(t, p, k, s, e) \
             WHERE w.job = $1 AND w.topic = u.t AND w.partition = u.p AND w.group_key = u.k::jsonb AND w.window_start = u.s AND w.window_end = u.e",
            &[&job.name, &t, &p, &k, &s, &e],
        )
        .await?;
    }

    // 2. Every partition's partials of the touched windows, merged.
    let touched: BTreeSet<(GroupKey, Window)> = results.iter().map(|r| (r.key.clone(), r.window)).collect();
    let keys: Vec<String> = touched.iter().map(|(k, _)| key_json(k).to_string()).collect();
    let starts: Vec<i64> = touched.iter().map(|(_, w)| w.start).collect();
    let ends: Vec<i64> = touched.iter().map(|(_, w)| w.end).collect();
    let rows = tx
        .query(
            "SELECT u.i, p.partial::text FROM unnest($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS u(k, s, e, i) \
             JOIN cdc.window_partials p ON p.job = $1 AND p.group_key = u.k::jsonb AND p.window_start = u.s AND p.window_end = u.e",
            &[&job.name, &keys, &starts, &ends],
        )
        .await?;
    let mut partials: Vec<Vec<Partial>> = vec![Vec::new(); touched.len()];
    for r in rows {
        let i = r.get::<_, i64>(0) as usize - 1;
        if let (Some(slot), Ok(p)) = (partials.get_mut(i), serde_json::from_str::<Partial>(&r.get::<_, String>(1))) {
            slot.push(p);
        }
    }

    // 3. The output rows: deleted when emptied, else upserted.
    let n = out.group.len();
    let mut written = Vec::new();
    let (mut del, mut ups): (Vec<usize>, Vec<(usize, Aggregates)>) = (Vec::new(), Vec::new());
    for (i, ((key, window), ps)) in touched.iter().zip(&partials).enumerate() {
        let merged = merge(ps.iter());
        if ps.is_empty() || merged.rows == 0 {
            del.push(i);
            written.push(Written { key: key.clone(), window: *window, values: None });
        } else {
            let values = finish(&job.aggregates, &merged);
            written.push(Written { key: key.clone(), window: *window, values: Some(values.clone()) });
            ups.push((i, values));
        }
    }
    let touched: Vec<&(GroupKey, Window)> = touched.iter().collect();
    let group_arrays = |idx: &mut dyn Iterator<Item = usize>| -> Vec<Vec<Option<String>>> {
        let idx: Vec<usize> = idx.collect();
        (0..n).map(|g| idx.iter().map(|&i| touched[i].0.get(g).and_then(key_text)).collect()).collect()
    };
    let table = qualified(&job.output.table);
    let unnest_cols = |extra: &[&str]| {
        let mut c: Vec<String> = (1..=n).map(|g| format!("g{g}")).collect();
        c.extend(["ws".to_string(), "we".to_string()]);
        c.extend(extra.iter().map(|x| x.to_string()));
        c.join(", ")
    };
    if !del.is_empty() {
        let groups = group_arrays(&mut del.iter().copied());
        let (ws, we): (Vec<i64>, Vec<i64>) = del.iter().map(|&i| (touched[i].1.start, touched[i].1.end)).unzip();
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = groups.iter().map(|g| g as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        params.push(&ws);
        params.push(&we);
        let arrays: Vec<String> = (1..=n).map(|g| format!("${g}::text[]")).chain([format!("${}::bigint[]", n + 1), format!("${}::bigint[]", n + 2)]).collect();
        let mut cond: Vec<String> = out.group.iter().enumerate().map(|(g, (c, ty))| format!("t.{} IS NOT DISTINCT FROM u.g{}::{ty}", ident(c), g + 1)).collect();
        cond.push(format!("t.window_start = {}", ts_expr("u.ws")));
        cond.push(format!("t.window_end = {}", ts_expr("u.we")));
        tx.execute(&format!("DELETE FROM {table} t USING unnest({}) AS u({}) WHERE {}", arrays.join(", "), unnest_cols(&[]), cond.join(" AND ")), &params).await?;
    }
    if !ups.is_empty() {
        let groups = group_arrays(&mut ups.iter().map(|(i, _)| *i));
        let (ws, we): (Vec<i64>, Vec<i64>) = ups.iter().map(|(i, _)| (touched[*i].1.start, touched[*i].1.end)).unzip();
        let aggs: Vec<Vec<Option<String>>> = (0..job.aggregates.len()).map(|a| ups.iter().map(|(_, v)| v.get(a).and_then(|(_, d)| d.map(|d| d.to_string()))).collect()).collect();
        let names: Vec<String> = job.aggregates.iter().map(|a| a.output_column()).collect();
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = groups.iter().map(|g| g as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        params.push(&ws);
        params.push(&we);
        params.extend(aggs.iter().map(|a| a as &(dyn tokio_postgres::types::ToSql + Sync)));
        let arrays: Vec<String> = (1..=n)
            .map(|g| format!("${g}::text[]"))
            .chain([format!("${}::bigint[]", n + 1), format!("${}::bigint[]", n + 2)])
            .chain((0..names.len()).map(|a| format!("${}::text[]", n + 3 + a)))
            .collect();
        let agg_aliases: Vec<String> = (0..names.len()).map(|a| format!("a{a}")).collect();
        let alias_refs: Vec<&str> = agg_aliases.iter().map(String::as_str).collect();
        let mut cols: Vec<String> = out.group.iter().map(|(c, _)| ident(c)).collect();
        cols.extend(["window_start".into(), "window_end".into()]);
        cols.extend(names.iter().map(|c| ident(c)));
        let mut vals: Vec<String> = out.group.iter().enumerate().map(|(g, (_, ty))| format!("u.g{}::{ty}", g + 1)).collect();
        vals.extend([ts_expr("u.ws"), ts_expr("u.we")]);
        vals.extend(names.iter().enumerate().map(|(a, c)| format!("u.a{a}::{}", if c == "count" { "bigint" } else { "numeric" })));
        let conflict: Vec<String> = out.group.iter().map(|(c, _)| ident(c)).chain(["window_start".into(), "window_end".into()]).collect();
        let set: Vec<String> = names.iter().map(|c| format!("{0} = EXCLUDED.{0}", ident(c))).chain(["updated_at = now()".into()]).collect();
        tx.execute(
            &format!(
                "INSERT INTO {table} ({}) SELECT {} FROM unnest({}) AS u({}) ON CONFLICT ({}) DO UPDATE SET {}",
                cols.join(", "),
                vals.join(", "),
                arrays.join(", "),
                unnest_cols(&alias_refs),
                conflict.join(", "),
                set.join(", ")
            ),
            &params,
        )
        .await?;
    }
    Ok(written)
}

/// An output row's aggregate columns and values.
type Aggregates = Vec<(String, Option<super::Decimal>)>;

/// A millisecond epoch column as a timestamptz expression.
fn ts_expr(col: &str) -> String {
    format!("(timestamptz 'epoch' + {col} * interval '1 millisecond')")
}

/// The batch's late events in one statement.
pub async fn write_late(tx: &Transaction<'_>, job: &str, topic_of: impl Fn(i32) -> (String, i32), late: &[LateEvent]) -> Result<(), tokio_postgres::Error> {
    if late.is_empty() {
        return Ok(());
    }
    let (mut topics, mut parts, mut offsets, mut ops, mut retractions, mut keys) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut times, mut starts, mut ends, mut counts, mut reasons) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
    c.batch_execute(DDL).await?;
    c.batch_execute(super::checkpoint::DDL).await?;
    for t in ["cdc.processor_checkpoints", "cdc.processor_windows", "cdc.window_partials", "cdc.late_events", "cdc.processor_outbox"] {
        c.execute(&format!("DELETE FROM {t} WHERE job = $1"), &[&job.name]).await?;
    }
    let exists: bool = c.query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&qualified(&job.output.table)]).await?.get(0);
    if exists {
        c.batch_execute(&format!("TRUNCATE {}", qualified(&job.output.table))).await?;
    }
    Ok(())
}

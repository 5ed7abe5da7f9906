//! What a job keeps in the sink, all written in one transaction per checkpoint (exactly once):
//! each partition's partial aggregates per (group key, window) in `cdc.window_partials`, the
//! job's output table merged from them, the late events, and per partition the operator's state
//! with the next offset in `cdc.processor_checkpoints`; and, for a job with an output topic, the
//! rows to send in `cdc.processor_outbox`.

use std::collections::BTreeSet;

use tokio_postgres::{Client, Transaction};

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
    reason       text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS cdc.processor_outbox (
    id      bigserial PRIMARY KEY,
    job     text      NOT NULL,
    key     text      NOT NULL,
    payload text      NOT NULL
);";

/// A millisecond epoch as a timestamptz expression over parameter `$n`.
fn ts(n: usize) -> String {
    format!("(timestamptz 'epoch' + ${n}::bigint * interval '1 millisecond')")
}

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

fn key_json(key: &GroupKey) -> serde_json::Value {
    serde_json::to_value(key).unwrap_or(serde_json::Value::Null)
}

/// A group value as text for a `$n::text::type` parameter (None is NULL).
fn key_text(v: &KeyValue) -> Option<String> {
    match v {
        KeyValue::Null => None,
        KeyValue::Bool(b) => Some(b.to_string()),
        KeyValue::Int(n) => Some(n.to_string()),
        KeyValue::Number(s) | KeyValue::Text(s) => Some(s.clone()),
    }
}

/// One output row as written: the aggregates, or None when the window was emptied (deleted).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub key: GroupKey,
    pub window: Window,
    pub values: Option<Vec<(String, Option<super::Decimal>)>>,
}

impl Written {
    /// The JSON record for the job's output topic.
    pub fn to_json(&self, job: &JobConfig) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("job".into(), job.name.clone().into());
        for (g, v) in job.group_by.iter().zip(&self.key) {
            m.insert(g.clone(), key_text(v).map_or(serde_json::Value::Null, serde_json::Value::String));
        }
        m.insert("window_start".into(), crate::units::epoch_ms(self.window.start).into());
        m.insert("window_end".into(), crate::units::epoch_ms(self.window.end).into());
        m.insert("deleted".into(), self.values.is_none().into());
        for (c, v) in self.values.iter().flatten() {
            m.insert(c.clone(), v.map_or(serde_json::Value::Null, |d| serde_json::Value::String(d.to_string())));
        }
        serde_json::Value::Object(m)
    }
}

/// Upserts (or deletes) each result's partial, then rewrites the output rows of the touched
/// (group key, window) pairs from every partition's partial. Returns the output rows written.
pub async fn write_results(tx: &Transaction<'_>, job: &JobConfig, out: &Output, topic_of: impl Fn(i32) -> (String, i32), results: &[WindowResult]) -> Result<Vec<Written>, tokio_postgres::Error> {
    let mut touched: BTreeSet<(GroupKey, Window)> = BTreeSet::new();
    for r in results {
        let (topic, partition) = topic_of(r.partition);
        let key = key_json(&r.key);
        match &r.partial {
            Some(p) => {
                let partial = serde_json::to_value(p).unwrap_or(serde_json::Value::Null);
                tx.execute(
                    "INSERT INTO cdc.window_partials (job, topic, partition, group_key, window_start, window_end, partial) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (job, group_key, window_start, window_end, topic, partition) DO UPDATE SET partial = EXCLUDED.partial",
                    &[&job.name, &topic, &partition, &key, &r.window.start, &r.window.end, &partial],
                )
                .await?;
            }
            None => {
                tx.execute(
                    "DELETE FROM cdc.window_partials WHERE job = $1 AND topic = $2 AND partition = $3 AND group_key = $4 AND window_start = $5 AND window_end = $6",
                    &[&job.name, &topic, &partition, &key, &r.window.start, &r.window.end],
                )
                .await?;
            }
        }
        touched.insert((r.key.clone(), r.window));
    }
    let table = qualified(&job.output.table);
    let n = out.group.len();
    let mut written = Vec::new();
    let where_key: Vec<String> = out.group.iter().enumerate().map(|(i, (g, ty))| format!("{} IS NOT DISTINCT FROM ${}::text::{ty}", ident(g), i + 1)).collect();
    for (key, window) in &touched {
        let rows = tx
            .query(
                "SELECT partial FROM cdc.window_partials WHERE job = $1 AND group_key = $2 AND window_start = $3 AND window_end = $4",
                &[&job.name, &key_json(key), &window.start, &window.end],
            )
            .await?;
        let partials: Vec<Partial> = rows.iter().filter_map(|r| serde_json::from_value(r.get::<_, serde_json::Value>(0)).ok()).collect();
        let merged = merge(partials.iter());
        let texts: Vec<Option<String>> = key.iter().map(key_text).collect();
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = texts.iter().map(|t| t as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        params.push(&window.start);
        params.push(&window.end);
        let window_match = format!("window_start = {} AND window_end = {}", ts(n + 1), ts(n + 2));
        let where_all = where_key.iter().cloned().chain([window_match]).collect::<Vec<_>>().join(" AND ");
        if partials.is_empty() || merged.rows == 0 {
            tx.execute(&format!("DELETE FROM {table} WHERE {where_all}"), &params).await?;
            written.push(Written { key: key.clone(), window: *window, values: None });
            continue;
        }
        let values = finish(&job.aggregates, &merged);
        let texts_v: Vec<Option<String>> = values.iter().map(|(_, v)| v.map(|d| d.to_string())).collect();
        for t in &texts_v {
            params.push(t);
        }
        let set: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{} = ${}::text::{}", ident(c), n + 3 + i, if c == "count" { "bigint" } else { "numeric" }))
            .collect();
        let updated = tx.execute(&format!("UPDATE {table} SET {}, updated_at = now() WHERE {where_all}", set.join(", ")), &params).await?;
        if updated == 0 {
            let cols: Vec<String> =
                job.group_by.iter().map(|g| ident(g)).chain(["window_start".into(), "window_end".into()]).chain(values.iter().map(|(c, _)| ident(c))).collect();
            let group_vals: Vec<String> = out.group.iter().enumerate().map(|(i, (_, ty))| format!("${}::text::{ty}", i + 1)).collect();
            let agg_vals: Vec<String> = values.iter().enumerate().map(|(i, (c, _))| format!("${}::text::{}", n + 3 + i, if c == "count" { "bigint" } else { "numeric" })).collect();
            let vals: Vec<String> = group_vals.into_iter().chain([ts(n + 1), ts(n + 2)]).chain(agg_vals).collect();
            tx.execute(&format!("INSERT INTO {table} ({}) SELECT {}", cols.join(", "), vals.join(", ")), &params).await?;
        }
        written.push(Written { key: key.clone(), window: *window, values: Some(values) });
    }
    Ok(written)
}

/// The batch's late events in one statement.
pub async fn write_late(tx: &Transaction<'_>, job: &str, topic_of: impl Fn(i32) -> (String, i32), late: &[LateEvent]) -> Result<(), tokio_postgres::Error> {
    if late.is_empty() {
        return Ok(());
    }
    let (mut topics, mut parts, mut offsets, mut ops, mut retractions, mut keys) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut times, mut starts, mut ends, mut reasons) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for l in late {
        let (topic, partition) = topic_of(l.partition);
        topics.push(topic);
        parts.push(partition);
        offsets.push(l.offset);
        ops.push(l.op_code());
        retractions.push(l.retraction);
        keys.push(serde_json::to_string(&l.key).unwrap_or_default());
        times.push(l.event_time);
        starts.push(l.window.map(|w| w.start));
        ends.push(l.window.map(|w| w.end));
        reasons.push(l.reason.to_string());
    }
    let ms = |c: &str| format!("timestamptz 'epoch' + {c} * interval '1 millisecond'");
    tx.execute(
        &format!(
            "INSERT INTO cdc.late_events (job, topic, partition, \"offset\", op, retraction, group_key, event_time, window_start, window_end, reason) \
             SELECT $1, t, p, o, op, r, k::jsonb, {}, {}, {}, why \
             FROM unnest($2::text[], $3::int[], $4::bigint[], $5::text[], $6::bool[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[]) \
             AS u(t, p, o, op, r, k, et, ws, we, why)",
            ms("et"),
            ms("ws"),
            ms("we")
        ),
        &[&job, &topics, &parts, &offsets, &ops, &retractions, &keys, &times, &starts, &ends, &reasons],
    )
    .await?;
    Ok(())
}

/// Inside the batch's transaction: the rows for the output topic, so only committed values are
/// ever sent (`relay` sends them after the commit).
pub async fn write_outbox(tx: &Transaction<'_>, job: &JobConfig, written: &[Written]) -> Result<(), tokio_postgres::Error> {
    for w in written {
        let key = serde_json::to_string(&w.key).unwrap_or_default();
        tx.execute("INSERT INTO cdc.processor_outbox (job, key, payload) VALUES ($1, $2, $3)", &[&job.name, &key, &w.to_json(job).to_string()]).await?;
    }
    Ok(())
}

/// Sends the job's committed outbox rows to `topic` in order, waits for the broker, then deletes
/// them: at least once (a crash before the delete sends them again, in the same order).
pub async fn relay(c: &Client, producer: &rdkafka::producer::BaseProducer, job: &str, topic: &str, timeout: std::time::Duration) -> Result<usize, String> {
    use rdkafka::producer::Producer;
    let rows = c
        .query("SELECT id, key, payload FROM cdc.processor_outbox WHERE job = $1 ORDER BY id", &[&job])
        .await
        .map_err(|e| e.to_string())?;
    let Some(last) = rows.last().map(|r| r.get::<_, i64>(0)) else { return Ok(0) };
    for r in &rows {
        let (key, payload): (String, String) = (r.get(1), r.get(2));
        producer.send(rdkafka::producer::BaseRecord::to(topic).key(&key).payload(&payload)).map_err(|(e, _)| format!("output topic {topic}: {e}"))?;
    }
    producer.flush(timeout).map_err(|e| format!("output topic {topic}: {e}"))?;
    c.execute("DELETE FROM cdc.processor_outbox WHERE job = $1 AND id <= $2", &[&job, &last]).await.map_err(|e| e.to_string())?;
    Ok(rows.len())
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

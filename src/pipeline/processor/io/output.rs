//! A job's output table: created with the group-by columns typed as in the source, and its rows
//! written from every partition's partials merged (a row per group and window; an emptied
//! window's row is deleted).

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Transaction};

use super::error::ProcessorError;
use super::outbox::Written;
use crate::config::job::{JobConfig, WindowConfig};
use crate::pg::read_shape;
use crate::pg::{ident, qualified};
use crate::pipeline::processor::{GroupKey, KeyValue, Partial, Window, finish, merge};

/// The output table's group-by columns with their types (as in the first source table).
#[derive(Debug, Clone)]
pub struct Output {
    pub group: Vec<(String, String)>,
}

/// Creates the output table: the group-by columns typed as in the first source table, the
/// window bounds, one numeric column per aggregate (`count` bigint), the time of the last update.
pub async fn ensure_output(
    sink: &Client,
    source: &Client,
    job: &JobConfig,
) -> Result<Output, ProcessorError> {
    ensure_output_table(sink, source, job, &job.output.table).await
}

/// [`ensure_output`] under another name (`schema.table`): the table a job's Flink run writes
/// (the output table + `flink.output_suffix`), shaped alike so the two compare row by row.
pub async fn ensure_output_table(
    sink: &Client,
    source: &Client,
    job: &JobConfig,
    output_table: &str,
) -> Result<Output, ProcessorError> {
    let refused = |reason: String| ProcessorError::Refused { job: job.name.clone(), reason };
    let table =
        job.source_tables.first().ok_or_else(|| refused("the job names no source table".into()))?;
    let shape = read_shape(source, table)
        .await
        .map_err(ProcessorError::Source)?
        .ok_or_else(|| refused(format!("source table {table} does not exist")))?;
    let mut cols = Vec::new();
    let mut group = Vec::new();
    for g in &job.group_by {
        let c = shape
            .columns
            .iter()
            .find(|c| &c.name == g)
            .ok_or_else(|| refused(format!("group-by column {g} is not in {table}")))?;
        cols.push(format!("{} {}", ident(g), c.ty));
        group.push((g.clone(), c.ty.clone()));
    }
    let keys: Vec<String> = job
        .group_by
        .iter()
        .map(|g| ident(g))
        .chain(["window_start".into(), "window_end".into()])
        .collect();
    cols.push("window_start timestamptz NOT NULL".into());
    cols.push("window_end timestamptz NOT NULL".into());
    for a in &job.aggregates {
        let ty = if a.output_column() == "count" { "bigint" } else { "numeric" };
        cols.push(format!("{} {ty}", ident(&a.output_column())));
    }
    cols.push("updated_at timestamptz NOT NULL DEFAULT now()".into());
    let mut ddl = Vec::new();
    if let Some((schema, _)) = output_table.split_once('.') {
        ddl.push(format!("CREATE SCHEMA IF NOT EXISTS {}", ident(schema)));
    }
    // Group columns may be NULL: the key is unique with NULLS NOT DISTINCT (PostgreSQL ≥ 15).
    ddl.push(format!(
        "CREATE TABLE IF NOT EXISTS {} ({}, UNIQUE NULLS NOT DISTINCT ({}))",
        qualified(output_table),
        cols.join(", "),
        keys.join(", ")
    ));
    if matches!(job.window, WindowConfig::Session { .. }) {
        // A batch rewrites the sessions around the ones it touched: found by window end.
        let mut cols: Vec<String> = job.group_by.iter().map(|g| ident(g)).collect();
        cols.push("window_end".into());
        ddl.push(format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            ident(&format!("{}_session_end", output_table.rsplit('.').next().unwrap_or("output"))),
            qualified(output_table),
            cols.join(", ")
        ));
    }
    crate::pipeline::create_if_missing(sink, &ddl.join(";\n")).await.map_err(|source| {
        ProcessorError::OutputTable { table: output_table.to_string(), source }
    })?;
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

/// An output row's aggregate columns and values.
type Aggregates = Vec<(String, Option<crate::pipeline::processor::Decimal>)>;

/// A millisecond epoch column as a timestamptz expression.
fn ts_expr(col: &str) -> String {
    format!("(timestamptz 'epoch' + {col} * interval '1 millisecond')")
}

/// An output row to write: its group and window, with every partition's partial of it (none,
/// or all empty: the row is deleted).
pub(super) type Target = ((GroupKey, Window), Vec<Partial>);

/// Per group-by column, each key's value as text: one `text[]` parameter per column, `$1`…`$n`.
fn group_arrays<'k>(
    n: usize,
    keys: impl Iterator<Item = &'k GroupKey>,
) -> Vec<Vec<Option<String>>> {
    let keys: Vec<&GroupKey> = keys.collect();
    (0..n).map(|g| keys.iter().map(|k| k.get(g).and_then(key_text)).collect()).collect()
}

/// `$1::text[]`…`$n::text[]` for the group columns, then `bigints` `bigint[]` and `texts`
/// `text[]` parameters.
fn placeholders(n: usize, bigints: usize, texts: usize) -> Vec<String> {
    let text = |i: usize| format!("${i}::text[]");
    (1..=n)
        .map(text)
        .chain((n + 1..=n + bigints).map(|i| format!("${i}::bigint[]")))
        .chain((n + bigints + 1..=n + bigints + texts).map(text))
        .collect()
}

/// `t.<column> IS NOT DISTINCT FROM u.g<i>::<type>` for every group column (NULL groups match).
fn group_match(out: &Output) -> Vec<String> {
    out.group
        .iter()
        .enumerate()
        .map(|(g, (c, ty))| format!("t.{} IS NOT DISTINCT FROM u.g{}::{ty}", ident(c), g + 1))
        .collect()
}

/// The unnest aliases: `g1`…`gn`, then `extra`.
fn unnest_cols(n: usize, extra: &[&str]) -> String {
    (1..=n)
        .map(|g| format!("g{g}"))
        .chain(extra.iter().map(std::string::ToString::to_string))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the output rows of `targets`: deleted when emptied, else upserted. Returns them as
/// written.
pub(super) async fn write_rows(
    tx: &Transaction<'_>,
    job: &JobConfig,
    out: &Output,
    targets: &[Target],
) -> Result<Vec<Written>, tokio_postgres::Error> {
    let (written, del, ups) = merge_targets(job, targets);
    let table = qualified(&job.output.table);
    if !del.is_empty() {
        delete_rows(tx, out, &table, &del).await?;
    }
    if !ups.is_empty() {
        upsert_rows(tx, job, out, &table, &ups).await?;
    }
    Ok(written)
}

/// An output row to upsert: its group key and window, and its aggregates.
type Upsert<'t> = (&'t (GroupKey, Window), Aggregates);

/// Each target's partials merged: the rows as written, those to delete (emptied) and those to
/// upsert.
fn merge_targets<'t>(
    job: &JobConfig,
    targets: &'t [Target],
) -> (Vec<Written>, Vec<&'t (GroupKey, Window)>, Vec<Upsert<'t>>) {
    let mut written = Vec::new();
    let mut del: Vec<&(GroupKey, Window)> = Vec::new();
    let mut ups: Vec<Upsert<'t>> = Vec::new();
    for (target @ (key, window), ps) in targets {
        let merged = merge(ps.iter());
        if ps.is_empty() || merged.rows == 0 {
            del.push(target);
            written.push(Written { key: key.clone(), window: *window, values: None });
        } else {
            let values = finish(&job.aggregates, &merged);
            written.push(Written {
                key: key.clone(),
                window: *window,
                values: Some(values.clone()),
            });
            ups.push((target, values));
        }
    }
    (written, del, ups)
}

/// Deletes the output rows of emptied windows, in one statement.
async fn delete_rows(
    tx: &Transaction<'_>,
    out: &Output,
    table: &str,
    del: &[&(GroupKey, Window)],
) -> Result<(), tokio_postgres::Error> {
    let n = out.group.len();
    let groups = group_arrays(n, del.iter().map(|t| &t.0));
    let (ws, we): (Vec<i64>, Vec<i64>) = del.iter().map(|t| (t.1.start, t.1.end)).unzip();
    let mut params: Vec<&(dyn ToSql + Sync)> =
        groups.iter().map(|g| g as &(dyn ToSql + Sync)).collect();
    params.push(&ws);
    params.push(&we);
    let mut cond = group_match(out);
    cond.push(format!("t.window_start = {}", ts_expr("u.ws")));
    cond.push(format!("t.window_end = {}", ts_expr("u.we")));
    let sql = format!(
        "DELETE FROM {table} t USING unnest({}) AS u({}) WHERE {}",
        placeholders(n, 2, 0).join(", "),
        unnest_cols(n, &["ws", "we"]),
        cond.join(" AND ")
    );
    tx.execute(&sql, &params).await?;
    Ok(())
}

/// Upserts the output rows of `ups`, in one statement.
async fn upsert_rows(
    tx: &Transaction<'_>,
    job: &JobConfig,
    out: &Output,
    table: &str,
    ups: &[Upsert<'_>],
) -> Result<(), tokio_postgres::Error> {
    let n = out.group.len();
    let groups = group_arrays(n, ups.iter().map(|(t, _)| &t.0));
    let (ws, we): (Vec<i64>, Vec<i64>) = ups.iter().map(|(t, _)| (t.1.start, t.1.end)).unzip();
    let aggs: Vec<Vec<Option<String>>> = (0..job.aggregates.len())
        .map(|a| {
            ups.iter().map(|(_, v)| v.get(a).and_then(|(_, d)| d.map(|d| d.to_string()))).collect()
        })
        .collect();
    let names: Vec<String> =
        job.aggregates.iter().map(crate::config::job::AggregateConfig::output_column).collect();
    let mut params: Vec<&(dyn ToSql + Sync)> =
        groups.iter().map(|g| g as &(dyn ToSql + Sync)).collect();
    params.push(&ws);
    params.push(&we);
    params.extend(aggs.iter().map(|a| a as &(dyn ToSql + Sync)));
    let mut aliases: Vec<String> = vec!["ws".into(), "we".into()];
    aliases.extend((0..names.len()).map(|a| format!("a{a}")));
    let alias_refs: Vec<&str> = aliases.iter().map(String::as_str).collect();
    let mut cols: Vec<String> = out.group.iter().map(|(c, _)| ident(c)).collect();
    cols.extend(["window_start".into(), "window_end".into()]);
    cols.extend(names.iter().map(|c| ident(c)));
    let mut vals: Vec<String> =
        out.group.iter().enumerate().map(|(g, (_, ty))| format!("u.g{}::{ty}", g + 1)).collect();
    vals.extend([ts_expr("u.ws"), ts_expr("u.we")]);
    vals.extend(
        names
            .iter()
            .enumerate()
            .map(|(a, c)| format!("u.a{a}::{}", if c == "count" { "bigint" } else { "numeric" })),
    );
    let conflict: Vec<String> = out
        .group
        .iter()
        .map(|(c, _)| ident(c))
        .chain(["window_start".into(), "window_end".into()])
        .collect();
    let set: Vec<String> = names
        .iter()
        .map(|c| format!("{0} = EXCLUDED.{0}", ident(c)))
        .chain(["updated_at = now()".into()])
        .collect();
    tx.execute(
        &format!(
            "INSERT INTO {table} ({}) SELECT {} FROM unnest({}) AS u({}) ON CONFLICT ({}) DO UPDATE SET {}",
            cols.join(", "),
            vals.join(", "),
            placeholders(n, 2, names.len()).join(", "),
            unnest_cols(n, &alias_refs),
            conflict.join(", "),
            set.join(", ")
        ),
        &params,
    )
    .await?;
    Ok(())
}

/// Session jobs: deletes each group's output rows whose window overlaps or touches `[lo, hi]`
/// and returns them.
pub(super) async fn delete_spans(
    tx: &Transaction<'_>,
    job: &JobConfig,
    out: &Output,
    spans: &[(GroupKey, i64, i64)],
) -> Result<Vec<(GroupKey, Window)>, tokio_postgres::Error> {
    if spans.is_empty() {
        return Ok(Vec::new());
    }
    let n = out.group.len();
    let groups = group_arrays(n, spans.iter().map(|(k, _, _)| k));
    let (lo, hi): (Vec<i64>, Vec<i64>) = spans.iter().map(|(_, l, h)| (*l, *h)).unzip();
    let mut params: Vec<&(dyn ToSql + Sync)> =
        groups.iter().map(|g| g as &(dyn ToSql + Sync)).collect();
    params.push(&lo);
    params.push(&hi);
    let mut cond = group_match(out);
    cond.push(format!("t.window_end >= {}", ts_expr("u.lo")));
    cond.push(format!("t.window_start <= {}", ts_expr("u.hi")));
    let ms = |c: &str| format!("(extract(epoch FROM t.{c}) * 1000)::int8");
    let rows = tx
        .query(
            &format!(
                "DELETE FROM {} t USING unnest({}) WITH ORDINALITY AS u({}) WHERE {} RETURNING u.i, {}, {}",
                qualified(&job.output.table),
                placeholders(n, 2, 0).join(", "),
                unnest_cols(n, &["lo", "hi", "i"]),
                cond.join(" AND "),
                ms("window_start"),
                ms("window_end")
            ),
            &params,
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let (k, _, _) = spans.get(r.get::<_, i64>(0) as usize - 1)?;
            Some((k.clone(), Window { start: r.get(1), end: r.get(2) }))
        })
        .collect())
}

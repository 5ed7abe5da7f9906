//! A job's output table: created with the group-by columns typed as in the source, and its rows
//! written from every partition's partials merged (a row per group and window; an emptied
//! window's row is deleted).

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Transaction};

use super::outbox::Written;
use super::{GroupKey, KeyValue, Partial, Window, finish, merge};
use crate::config::job::{JobConfig, WindowConfig};
use crate::pipeline::replicator::schema::{ident, qualified, read_shape};

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
    if matches!(job.window, WindowConfig::Session { .. }) {
        // A batch rewrites the sessions around the ones it touched: found by window end.
        let mut cols: Vec<String> = job.group_by.iter().map(|g| ident(g)).collect();
        cols.push("window_end".into());
        let sql = format!("CREATE INDEX IF NOT EXISTS {} ON {} ({})", ident(&format!("{}_session_end", job.output.table.rsplit('.').next().unwrap_or("output"))), qualified(&job.output.table), cols.join(", "));
        sink.batch_execute(&sql).await.map_err(|e| format!("{}: {e}", job.output.table))?;
    }
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
type Aggregates = Vec<(String, Option<super::Decimal>)>;

/// A millisecond epoch column as a timestamptz expression.
fn ts_expr(col: &str) -> String {
    format!("(timestamptz 'epoch' + {col} * interval '1 millisecond')")
}

/// An output row to write: its group and window, with every partition's partial of it (none,
/// or all empty: the row is deleted).
pub(super) type Target = ((GroupKey, Window), Vec<Partial>);

/// Writes the output rows of `targets`: deleted when emptied, else upserted. Returns them as
/// written.
pub(super) async fn write_rows(tx: &Transaction<'_>, job: &JobConfig, out: &Output, targets: &[Target]) -> Result<Vec<Written>, tokio_postgres::Error> {
    let n = out.group.len();
    let mut written = Vec::new();
    let (mut del, mut ups): (Vec<usize>, Vec<(usize, Aggregates)>) = (Vec::new(), Vec::new());
    for (i, ((key, window), ps)) in targets.iter().enumerate() {
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
    let touched: Vec<&(GroupKey, Window)> = targets.iter().map(|(t, _)| t).collect();
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


/// Session jobs: deletes each group's output rows whose window overlaps or touches `[lo, hi]`
/// and returns them.
pub(super) async fn delete_spans(tx: &Transaction<'_>, job: &JobConfig, out: &Output, spans: &[(GroupKey, i64, i64)]) -> Result<Vec<(GroupKey, Window)>, tokio_postgres::Error> {
    if spans.is_empty() {
        return Ok(Vec::new());
    }
    let n = out.group.len();
    let groups: Vec<Vec<Option<String>>> = (0..n).map(|g| spans.iter().map(|(k, _, _)| k.get(g).and_then(key_text)).collect()).collect();
    let (lo, hi): (Vec<i64>, Vec<i64>) = spans.iter().map(|(_, l, h)| (*l, *h)).unzip();
    let mut params: Vec<&(dyn ToSql + Sync)> = groups.iter().map(|g| g as &(dyn ToSql + Sync)).collect();
    params.push(&lo);
    params.push(&hi);
    let arrays: Vec<String> = (1..=n).map(|g| format!("${g}::text[]")).chain([format!("${}::bigint[]", n + 1), format!("${}::bigint[]", n + 2)]).collect();
    let names: Vec<String> = (1..=n).map(|g| format!("g{g}")).chain(["lo".into(), "hi".into(), "i".into()]).collect();
    let mut cond: Vec<String> = out.group.iter().enumerate().map(|(g, (c, ty))| format!("t.{} IS NOT DISTINCT FROM u.g{}::{ty}", ident(c), g + 1)).collect();
    cond.push(format!("t.window_end >= {}", ts_expr("u.lo")));
    cond.push(format!("t.window_start <= {}", ts_expr("u.hi")));
    let ms = |c: &str| format!("(extract(epoch FROM t.{c}) * 1000)::int8");
    let rows = tx
        .query(
            &format!(
                "DELETE FROM {} t USING unnest({}) WITH ORDINALITY AS u({}) WHERE {} RETURNING u.i, {}, {}",
                qualified(&job.output.table),
                arrays.join(", "),
                names.join(", "),
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

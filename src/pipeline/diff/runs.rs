//! The grid's first level over a heap in key order: each key bucket's rows are one run of heap
//! tuples, from the first tuple of the bucket (one index descent per bucket) to the next
//! bucket's first, read as a TID range with a plain aggregate. No index lookup per row and no
//! hash table per row: ~2.0 s instead of ~2.5 s (index ranges) or ~2.7 s (grouped scan) for
//! 10,000,000 rows of six columns.
//!
//! A row stored out of key order (a *stray*: moved by an update, inserted late) is counted in
//! the run it lies in. That is still sound: the runs partition the table, so when every run's
//! `(count, xor)` matches the other side's bucket, the tables are equal. A difference shows in
//! the run (or bucket) holding either side's copy of the row; the strays of every differing run
//! are then fetched by key, so that their own buckets are checked again, by key.

use std::collections::HashMap;

use super::checksum::{RowHash, Side, ident, table_ident};
use super::grid::{bucket_range, int, over_ranges};
use super::{DiffError, Pool};

/// A heap position `(block, offset)`.
type Tid = (u32, u16);

/// Past every tuple.
const END: Tid = (u32::MAX, u16::MAX);

/// Bucket `q`'s keys `[lo, hi]` and its run of tuples `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub q: i64,
    pub lo: i64,
    pub hi: i64,
    pub from: Tid,
    pub to: Tid,
}

fn parse_tid(v: &str) -> Option<Tid> {
    let (b, o) = v.trim_matches(|c| c == '(' || c == ')').split_once(',')?;
    Some((b.trim().parse().ok()?, o.trim().parse().ok()?))
}

fn tids(v: &[Tid]) -> String {
    format!("'{{{}}}'::tid[]", v.iter().map(|(b, o)| format!("\"({b},{o})\"")).collect::<Vec<_>>().join(","))
}

fn int8s(v: &[i64]) -> String {
    format!("'{{{}}}'::int8[]", v.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

/// The side's filter as ` AND (filter)`.
fn filter(side: &Side) -> String {
    side.filter.as_ref().map(|f| format!(" AND ({f})")).unwrap_or_default()
}

/// The runs of buckets `key / w` of `[lo, hi]`. Each starts at the first tuple of its bucket's
/// first key; starts are made non-decreasing (a bucket whose first tuple lies before the
/// previous bucket's gets an empty run: its rows are strays), the first run starts at the heap's
/// start and the last ends past its end, so the runs cover every tuple exactly once.
pub async fn runs(pool: &Pool, side: &Side, (w, lo, hi): (i64, i64, i64), parts: usize) -> Result<Vec<Run>, DiffError> {
    let buckets: Vec<(i64, (i64, i64))> = (lo / w..=hi / w).filter_map(|q| Some((q, bucket_range(q, w, (lo, hi))?))).collect();
    let firsts: Vec<i64> = buckets.iter().skip(1).map(|b| b.1.0).collect();
    let k = ident(&side.key[0]);
    let sql = |run: &[i64]| {
        format!(
            "SELECT diff_r.n, (SELECT ctid FROM {} WHERE {k} >= diff_r.lo ORDER BY {k} LIMIT 1)::text FROM unnest({}) WITH ORDINALITY diff_r(lo, n)",
            table_ident(&side.table),
            int8s(run)
        )
    };
    let mut starts = vec![END; firsts.len()];
    for (i, row) in over_ranges(pool, side, &firsts, parts, sql).await? {
        starts[i] = row.get(1).and_then(parse_tid).unwrap_or(END);
    }
    let mut out = Vec::with_capacity(buckets.len());
    let mut from = (0, 0);
    for (i, (q, (l, h))) in buckets.into_iter().enumerate() {
        let to = starts.get(i).copied().unwrap_or(END).max(from);
        out.push(Run { q, lo: l, hi: h, from, to });
        from = to;
    }
    Ok(out)
}

/// `(count, xor of row hashes)` per bucket, each over its run (empty runs left out), split
/// over `parts` queries.
pub async fn scan(pool: &Pool, side: &Side, h: &RowHash, runs: &[Run], parts: usize) -> Result<HashMap<i64, (i64, i64)>, DiffError> {
    let runs: Vec<&Run> = runs.iter().filter(|r| r.from < r.to).collect();
    let sql = |run: &[&Run]| {
        let (a, b): (Vec<Tid>, Vec<Tid>) = run.iter().map(|r| (r.from, r.to)).unzip();
        format!(
            "SELECT diff_r.n, x.c, x.h FROM unnest({}, {}) WITH ORDINALITY diff_r(a, b, n), \
             LATERAL (SELECT count(*) AS c, bit_xor({}) AS h FROM {} WHERE ctid >= diff_r.a AND ctid < diff_r.b{}) x",
            tids(&a),
            tids(&b),
            h.0,
            table_ident(&side.table),
            filter(side)
        )
    };
    let mut sums = HashMap::new();
    for (i, row) in over_ranges(pool, side, &runs, parts, sql).await? {
        if int(&row, 1) > 0 {
            sums.insert(runs[i].q, (int(&row, 1), int(&row, 2)));
        }
    }
    Ok(sums)
}

/// The keys of the strays in `runs`: rows whose key is outside the run's bucket. (`OFFSET 0`
/// keeps the planner from turning the test on the key into index scans of the whole table.)
pub async fn strays(pool: &Pool, side: &Side, runs: &[Run], parts: usize) -> Result<Vec<i64>, DiffError> {
    let runs: Vec<&Run> = runs.iter().filter(|r| r.from < r.to).collect();
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let k = ident(&side.key[0]);
    let sql = |run: &[&Run]| {
        let (a, b): (Vec<Tid>, Vec<Tid>) = run.iter().map(|r| (r.from, r.to)).unzip();
        let (lo, hi): (Vec<i64>, Vec<i64>) = run.iter().map(|r| (r.lo, r.hi)).unzip();
        format!(
            "SELECT diff_r.n, x.k FROM unnest({}, {}, {}, {}) WITH ORDINALITY diff_r(a, b, lo, hi, n), \
             LATERAL (SELECT k FROM (SELECT {k}::int8 AS k FROM {} WHERE ctid >= diff_r.a AND ctid < diff_r.b{} OFFSET 0) r \
             WHERE k < diff_r.lo OR k > diff_r.hi) x",
            tids(&a),
            tids(&b),
            int8s(&lo),
            int8s(&hi),
            table_ident(&side.table),
            filter(side)
        )
    };
    Ok(over_ranges(pool, side, &runs, parts, sql).await?.into_iter().map(|(_, r)| int(&r, 1)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tids_parse_and_print_as_postgres_does() {
        assert_eq!(parse_tid("(12,54)"), Some((12, 54)));
        assert_eq!(parse_tid("(4294967295,65535)"), Some(END));
        assert_eq!(parse_tid("12"), None);
        assert_eq!(tids(&[(0, 0), (12, 54)]), "'{\"(0,0)\",\"(12,54)\"}'::tid[]");
    }
}

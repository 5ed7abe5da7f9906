//! Checksum bisection, level by level.
//!
//! Integer keys (PostgreSQL ≥ 14 on both sides), `grid::run`: the first level is ONE pass over
//! each table that returns `count` and the xor of row hashes per bucket of the key (`key / width`,
//! ~500 rows each, ~1,000 when read by runs): a table whose heap is in key order is read bucket
//! by bucket, each bucket's run of heap tuples as a TID range (a plain aggregate each: no index
//! per row, no per-row hash table), any other split by heap blocks (tid range scans) over the
//! connections, as a parallel scan would be, and grouped. Only differing buckets go on: split in
//! `factor` with one query per side and connection (a differing run once more, then index range
//! scans), until at most `min(threshold, GRID_FETCH)` rows, which are fetched (split over the
//! connections too) and compared.
//!
//! Other keys (UUID, text, composite) and older servers, [`run_segments`]: every segment of a
//! level is checksummed on both sides concurrently; equal segments are skipped, unequal ones at
//! or below the threshold are fetched and compared row by row, larger ones are split into
//! `factor` segments (arithmetically, or at quantiles) for the next level.

use futures::stream::{self, StreamExt, TryStreamExt};
use tokio_postgres::types::ToSql;

use super::checksum::{Hash, RowHash, Side};
use super::key::{KeyKind, Segment, bounded_segments, split_arith};
use super::report::{Row, RowDiff, Stats, compare};
use super::{DiffError, Options, Pool};

/// A leaf segment that differed, with the source LSN taken just after its rows were read.
pub struct Leaf {
    pub segment: Segment,
    pub diffs: Vec<RowDiff>,
    pub read_lsn: Option<String>,
}

fn params(p: &[String]) -> Vec<&(dyn ToSql + Sync)> {
    p.iter().map(|s| s as &(dyn ToSql + Sync)).collect()
}

async fn checksum(
    pool: &Pool,
    side: &Side,
    seg: &Segment,
    h: &RowHash,
) -> Result<(i64, String), DiffError> {
    let (sql, p) = side.checksum_sql(seg, h);
    let row =
        pool.get().query_one(&sql, &params(&p)).await.map_err(|e| DiffError::db(&side.table, e))?;
    Ok((row.get(0), row.get(1)))
}

pub async fn fetch(pool: &Pool, side: &Side, seg: &Segment) -> Result<Vec<Row>, DiffError> {
    let (sql, p) = side.rows_sql(seg);
    let rows =
        pool.get().query(&sql, &params(&p)).await.map_err(|e| DiffError::db(&side.table, e))?;
    let k = side.key.len();
    Ok(rows
        .iter()
        .map(|r| Row {
            key: (0..k).map(|i| r.get::<_, Option<String>>(i).unwrap_or_default()).collect(),
            values: (k..k + side.columns.len()).map(|i| r.get(i)).collect(),
        })
        .collect())
}

/// Fetches and compares one segment; the source LSN is read right after the source rows.
pub async fn compare_segment(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    seg: &Segment,
    lsn: bool,
) -> Result<(Vec<RowDiff>, Option<String>, u64), DiffError> {
    let (a, b) = tokio::try_join!(
        async {
            let rows = fetch(src, s, seg).await?;
            let at = if lsn { Some(current_lsn(src).await?) } else { None };
            Ok::<_, DiffError>((rows, at))
        },
        fetch(snk, t, seg)
    )?;
    let ((a, at), n) = (a, b.len() as u64);
    let fetched = a.len() as u64 + n;
    Ok((compare(a, b, &s.columns), at, fetched))
}

pub async fn current_lsn(pool: &Pool) -> Result<String, DiffError> {
    let r = pool
        .get()
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .await
        .map_err(|e| DiffError::db("pg_current_wal_lsn", e))?;
    Ok(r.get(0))
}

/// The whole key range, as the first level.
pub(super) async fn first_segment(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    kind: KeyKind,
) -> Result<Option<Segment>, DiffError> {
    if kind == KeyKind::Ordered {
        return Ok(Some(Segment::ALL));
    }
    let (a, b) = tokio::try_join!(
        async {
            src.get().query_one(&s.extent_sql(), &[]).await.map_err(|e| DiffError::db(&s.table, e))
        },
        async {
            snk.get().query_one(&t.extent_sql(), &[]).await.map_err(|e| DiffError::db(&t.table, e))
        },
    )?;
    let ends =
        |r: &tokio_postgres::Row| (r.get::<_, Option<String>>(0), r.get::<_, Option<String>>(1));
    let (ends_a, ends_b) = (ends(&a), ends(&b));
    let parse = |v: &str| -> Option<u128> {
        match kind {
            KeyKind::Integer => {
                v.parse::<i128>().ok().map(|x| (x - i128::from(i64::MIN) * 2) as u128)
            }
            _ => super::key::parse_uuid(v),
        }
    };
    let los: Vec<&String> = [&ends_a.0, &ends_b.0].into_iter().flatten().collect();
    let his: Vec<&String> = [&ends_a.1, &ends_b.1].into_iter().flatten().collect();
    let (Some(lo), Some(hi)) =
        (los.into_iter().min_by_key(|v| parse(v)), his.into_iter().max_by_key(|v| parse(v)))
    else {
        return Ok(None); // both empty
    };
    // Exclusive upper bound: one past the largest key.
    let upper = match kind {
        KeyKind::Integer => (hi.parse::<i128>().unwrap_or(0) + 1).to_string(),
        _ => match super::key::parse_uuid(hi).unwrap_or(0).checked_add(1) {
            Some(v) => super::key::format_uuid(v),
            None => return Ok(Some(Segment { lower: Some(vec![lo.clone()]), upper: None })),
        },
    };
    Ok(Some(Segment { lower: Some(vec![lo.clone()]), upper: Some(vec![upper]) }))
}

/// (count, checksum) of one segment on one side.
type Checksum = (i64, String);
/// A fetched segment's differing rows, the LSN read with it, and the rows fetched.
type Compared = (Vec<RowDiff>, Option<String>, u64);

#[allow(clippy::too_many_arguments)] // both sides' pool and spec, plus the segment being split
async fn split(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    kind: KeyKind,
    seg: &Segment,
    counts: (i64, i64),
    factor: u32,
) -> Result<Option<Vec<Segment>>, DiffError> {
    if let Some(parts) = split_arith(kind, seg, factor) {
        return Ok(Some(parts));
    }
    if kind != KeyKind::Ordered && seg.upper.is_some() {
        return Ok(None);
    }
    // Quantiles of the side with more rows.
    let (pool, side) = if counts.0 >= counts.1 { (src, s) } else { (snk, t) };
    let (sql, p) = side.quantiles_sql(seg, factor);
    let rows =
        pool.get().query(&sql, &params(&p)).await.map_err(|e| DiffError::db(&side.table, e))?;
    let inner: Vec<Vec<String>> = rows
        .iter()
        .skip(1)
        .map(|r| (0..side.key.len()).map(|i| r.get::<_, String>(i)).collect())
        .collect();
    if inner.is_empty() {
        return Ok(None);
    }
    Ok(Some(bounded_segments(seg, inner)))
}

/// `server_version_num`.
async fn version(pool: &Pool) -> Result<i32, DiffError> {
    let r = pool
        .get()
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await
        .map_err(|e| DiffError::db("server_version_num", e))?;
    Ok(r.get(0))
}

/// Per compared column: NOT NULL.
async fn not_null(pool: &Pool, side: &Side) -> Result<Vec<bool>, DiffError> {
    let rows = pool
        .get()
        .query(
            "SELECT coalesce(a.attnotnull, false) FROM unnest($2::text[]) WITH ORDINALITY c(name, n) \
             LEFT JOIN pg_attribute a ON a.attrelid = $1::text::regclass AND a.attname = c.name ORDER BY c.n",
            &[&crate::pg::qualified(&side.table), &side.columns],
        )
        .await
        .map_err(|e| DiffError::db(&side.table, e))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Runs the bisection; returns the differing leaves and the work done.
pub async fn run(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    opts: &Options,
    lsn: bool,
) -> Result<(Vec<Leaf>, Stats), DiffError> {
    let kind = KeyKind::of(&s.key_types);
    // Each query on its own connection: one round trip for the four.
    let (va, na, vb, nb) =
        tokio::try_join!(version(src), not_null(src, s), version(snk), not_null(snk, t))?;
    let both: Vec<bool> = na.iter().zip(&nb).map(|(a, b)| *a && *b).collect();
    // Typed hashes are only comparable within one major version: else md5.
    let (s, t) = if s.hash == Hash::Pg && va / 10000 != vb / 10000 {
        (&Side { hash: Hash::Md5, ..s.clone() }, &Side { hash: Hash::Md5, ..t.clone() })
    } else {
        (s, t)
    };
    let (hs, ht) = RowHash::pair(s, t, &both);
    if kind == KeyKind::Integer
        && KeyKind::of(&t.key_types) == KeyKind::Integer
        && va >= 140_000
        && vb >= 140_000
    {
        return super::grid::run(src, snk, s, t, opts, lsn, (&hs, &ht)).await;
    }
    run_segments(src, snk, s, t, opts, lsn, (&hs, &ht)).await
}

/// Segment by segment (UUID, text and composite keys; servers before 14).
#[allow(clippy::too_many_arguments)]
pub(super) async fn run_segments(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    opts: &Options,
    lsn: bool,
    (hs, ht): (&RowHash, &RowHash),
) -> Result<(Vec<Leaf>, Stats), DiffError> {
    let kind = KeyKind::of(&s.key_types);
    let mut stats = Stats::default();
    let mut leaves = Vec::new();
    let Some(first) = first_segment(src, snk, s, t, kind).await? else {
        return Ok((leaves, stats));
    };
    let mut level = vec![first];
    let conc = opts.connections.max(1);
    let mut depth = 0;
    while !level.is_empty() {
        stats.depth = depth;
        let sums: Vec<(Segment, Checksum, Checksum)> =
            stream::iter(level.into_iter().map(|seg| async move {
                let (a, b) =
                    tokio::try_join!(checksum(src, s, &seg, hs), checksum(snk, t, &seg, ht))?;
                Ok::<_, DiffError>((seg, a, b))
            }))
            .buffer_unordered(conc)
            .try_collect()
            .await?;
        stats.segments_checked += sums.len() as u64;
        let mut next = Vec::new();
        let mut fetch_now = Vec::new();
        for (seg, a, b) in sums {
            if a == b {
                stats.segments_equal += 1;
            } else if a.0.max(b.0) as u64 <= opts.threshold {
                fetch_now.push(seg);
            } else {
                next.push((seg, (a.0, b.0)));
            }
        }
        let splits: Vec<(Segment, Option<Vec<Segment>>)> =
            stream::iter(next.into_iter().map(|(seg, counts)| async move {
                let parts = split(src, snk, s, t, kind, &seg, counts, opts.factor).await?;
                Ok::<_, DiffError>((seg, parts))
            }))
            .buffer_unordered(conc)
            .try_collect()
            .await?;
        level = Vec::new();
        for (seg, parts) in splits {
            match parts {
                Some(p) => level.extend(p),
                None => fetch_now.push(seg), // cannot be split further
            }
        }
        let fetched: Vec<(Segment, Compared)> =
            stream::iter(fetch_now.into_iter().map(|seg| async move {
                let r = compare_segment(src, snk, s, t, &seg, lsn).await?;
                Ok::<_, DiffError>((seg, r))
            }))
            .buffer_unordered(conc)
            .try_collect()
            .await?;
        for (segment, (diffs, read_lsn, n)) in fetched {
            stats.rows_fetched += n;
            if !diffs.is_empty() {
                leaves.push(Leaf { segment, diffs, read_lsn });
            }
        }
        depth += 1;
    }
    Ok((leaves, stats))
}

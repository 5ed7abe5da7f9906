//! The bucket grid for integer keys: one pass per table gives count and xor of row hashes per
//! key bucket (by runs of heap tuples when the heap is in key order, see [`super::runs`], else one
//! grouped scan; the strays of differing runs then count in their own buckets); only differing
//! buckets are split again (their runs once, then index range scans) and fetched. Every range
//! query is one lateral join to arrays of ranges: one plan, whatever the number of ranges.

use std::collections::{HashMap, HashSet};

use tokio_postgres::{SimpleQueryMessage, SimpleQueryRow};

use super::bisect::{Leaf, current_lsn, first_segment, run_segments};
use super::checksum::{RowHash, Side};
use super::key::{KeyKind, Segment};
use super::report::{Row, Stats, compare};
pub use super::runs::in_key_order;
use super::runs::{self, Layout, Run, layout};
use super::{DiffError, Options, Pool};

/// Rows at or below which a differing grid bucket is fetched (whatever a larger `threshold`).
pub const GRID_FETCH: u64 = 256;
/// Rows per fetch query (~800 ns a row on the server): a fetch of a few hundred rows is not
/// worth planning and running one more query per side.
const FETCH_PART_ROWS: u64 = 4096;
/// Rows per first-level bucket, and the most buckets. Halving them from 1024 costs the first
/// level in key order ~3.6 µs per extra bucket (an index descent: ~3.5 ms per side for
/// 1,000,000 rows) and halves the re-read of every differing bucket (~300 ns a row: ~15 ms per
/// side for 100 differences in 1,000,000 rows).
const GRID_BUCKET_ROWS: i128 = 512;
const GRID_MAX_BUCKETS: i128 = 16_384;
/// The same for a heap read by runs ([`super::runs`]), whose buckets cost ~25 µs each: for 100
/// differences in 1,000,000 rows, 1024 rows a bucket took the diff from 229–359 ms (2048 rows)
/// to 184–250 ms; tables of identical rows took the same within noise. From 4,194,304 rows on,
/// the cap of 4096 buckets sets the size.
const RUN_BUCKET_ROWS: i128 = 1024;
const RUN_MAX_BUCKETS: i128 = 4096;

/// Keys `[lo, hi]` of bucket `q` of `key / w` (truncating division), within `[lo, hi]`.
pub(super) fn bucket_range(q: i64, w: i64, within: (i64, i64)) -> Option<(i64, i64)> {
    let (q, w) = (i128::from(q), i128::from(w));
    let (a, b) = match q {
        0 => (-(w - 1), w - 1),
        q if q > 0 => (q * w, q * w + w - 1),
        q => (q * w - w + 1, q * w),
    };
    let (a, b) = (a.max(i128::from(within.0)), b.min(i128::from(within.1)));
    (a <= b).then_some((a as i64, b as i64))
}

/// Bucket width that splits `[lo, hi]` in about `n` pieces.
fn width(lo: i64, hi: i64, n: i128) -> i64 {
    let span = i128::from(hi) - i128::from(lo) + 1;
    ((span + n - 1) / n.max(1)).clamp(1, i128::from(i64::MAX)) as i64
}

/// Runs `sql` without JIT (simple protocol: one implicit transaction for `SET LOCAL`). JIT's
/// compile time (tens to hundreds of ms per query and worker) costs more than it saves here.
/// The lateral range queries (`ranges`) also need `enable_seqscan` off (see
/// [`Side::range_buckets_sql`]).
async fn simple(
    pool: &Pool,
    side: &Side,
    sql: String,
    ranges: bool,
) -> Result<Vec<SimpleQueryRow>, DiffError> {
    let set = if ranges {
        "SET LOCAL jit = off; SET LOCAL enable_seqscan = off;"
    } else {
        "SET LOCAL jit = off;"
    };
    let msgs = pool
        .get()
        .simple_query(&format!("{set} {sql}"))
        .await
        .map_err(|e| DiffError::db(&side.table, e))?;
    Ok(msgs
        .into_iter()
        .filter_map(|m| if let SimpleQueryMessage::Row(r) = m { Some(r) } else { None })
        .collect())
}

/// An integer column of a simple query row (NULL is 0: an empty bit_xor).
pub(super) fn int(row: &SimpleQueryRow, i: usize) -> i64 {
    row.get(i).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Splits `items` in at most `parts` runs, as (offset of the run, run).
fn runs<T>(items: &[T], parts: usize) -> impl Iterator<Item = (usize, &[T])> {
    let n = items.len().div_ceil(parts.max(1)).max(1);
    items.chunks(n).enumerate().map(move |(i, c)| (i * n, c))
}

/// Runs a ranges query (first column: the 1-based index of the range within its run) over the
/// ranges split in `parts` runs, one query each, concurrently; rows come back with the index
/// made 0-based and global.
pub(super) async fn over_ranges<T>(
    pool: &Pool,
    side: &Side,
    ranges: &[T],
    parts: usize,
    sql: impl Fn(&[T]) -> String,
) -> Result<Vec<(usize, SimpleQueryRow)>, DiffError> {
    let results = futures::future::try_join_all(runs(ranges, parts).map(|(offset, run)| {
        let sql = sql(run);
        async move { Ok::<_, DiffError>((offset, simple(pool, side, sql, true).await?)) }
    }))
    .await?;
    Ok(results
        .into_iter()
        .flat_map(|(offset, rows)| {
            rows.into_iter().map(move |r| (offset + int(&r, 0) as usize - 1, r))
        })
        .collect())
}

/// Fetches the rows of ranges `[lo, hi]` on both sides (split over the connections) and
/// compares them range by range; the source LSN is read right after the source rows.
async fn compare_ranges(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    ranges: &[(i64, i64)],
    lsn: bool,
    parts: usize,
) -> Result<(Vec<Leaf>, u64), DiffError> {
    fn sql(side: &Side) -> impl Fn(&[(i64, i64)]) -> String + '_ {
        move |run| {
            let (lo, hi): (Vec<i64>, Vec<i64>) = run.iter().copied().unzip();
            side.range_rows_sql(&lo, &hi)
        }
    }
    let rows = |side: &Side, rows: Vec<(usize, SimpleQueryRow)>| -> Vec<Vec<Row>> {
        let mut out = vec![Vec::new(); ranges.len()];
        let k = side.key.len();
        for (i, r) in rows {
            out[i].push(Row {
                key: (1..=k).map(|c| r.get(c).unwrap_or_default().to_string()).collect(),
                values: (k + 1..=k + side.columns.len())
                    .map(|c| r.get(c).map(str::to_string))
                    .collect(),
            });
        }
        out
    };
    let ((a, at), b) = tokio::try_join!(
        async {
            let a = over_ranges(src, s, ranges, parts, sql(s)).await?;
            let at = if lsn { Some(current_lsn(src).await?) } else { None };
            Ok::<_, DiffError>((a, at))
        },
        over_ranges(snk, t, ranges, parts, sql(t))
    )?;
    let fetched = (a.len() + b.len()) as u64;
    let mut leaves = Vec::new();
    for (i, (a, b)) in rows(s, a).into_iter().zip(rows(t, b)).enumerate() {
        let diffs = compare(a, b, &s.columns);
        if !diffs.is_empty() {
            let (l, h) = ranges[i];
            let segment = Segment {
                lower: Some(vec![l.to_string()]),
                upper: (h < i64::MAX).then(|| vec![(h + 1).to_string()]),
            };
            leaves.push(Leaf { segment, diffs, read_lsn: at.clone() });
        }
    }
    Ok((leaves, fetched))
}

/// `(count, xor)` per bucket.
pub(super) type Sums<K> = HashMap<K, (i64, i64)>;

/// Adds a bucket's part; empty ones (a plain aggregate's) are left out, as grouping does.
fn merge<K: std::hash::Hash + Eq>(into: &mut Sums<K>, k: K, count: i64, xor: i64) {
    if count == 0 {
        return;
    }
    let e = into.entry(k).or_insert((0, 0));
    e.0 += count;
    e.1 ^= xor;
}

/// Strays by their own bucket: `(key, row hash)`.
type Strays = HashMap<i64, Vec<(i64, i64)>>;

/// Moves each stray `(its run's bucket, key, row hash)` out of its run's bucket's sums into its
/// own bucket's (`key / w`); returns them by their own bucket. A run's bucket left with nothing
/// is left out, as an empty bucket is.
fn attribute(sums: &mut Sums<i64>, strays: Vec<(i64, i64, i64)>, w: i64) -> Strays {
    let mut own = Strays::new();
    for (run, k, h) in strays {
        if let Some(e) = sums.get_mut(&run) {
            e.0 -= 1;
            e.1 ^= h;
            if *e == (0, 0) {
                sums.remove(&run);
            }
        }
        merge(sums, k / w, 1, h);
        own.entry(k / w).or_default().push((k, h));
    }
    own
}

/// First level on one side, buckets `key / w` of `[lo, hi]`: in key order, one plain aggregate
/// per bucket over its run of heap tuples ([`super::runs`]), returned with the runs; else one
/// scan grouped by bucket, split by heap blocks over `parts` queries.
async fn grid_scan(
    pool: &Pool,
    side: &Side,
    h: &RowHash,
    (w, lo, hi): (i64, i64, i64),
    parts: usize,
    table: &Layout,
) -> Result<(Sums<i64>, Option<Vec<Run>>), DiffError> {
    let mut sums = Sums::new();
    if table.ordered {
        let runs = runs::runs(pool, side, (w, lo, hi), parts).await?;
        return Ok((runs::scan(pool, side, h, &runs, parts).await?, Some(runs)));
    }
    let (blocks, parts) = (table.blocks, if table.heap { parts } else { 1 });
    let ranges: Vec<Option<(u64, Option<u64>)>> = if parts <= 1 || blocks < parts as u64 {
        vec![None]
    } else {
        let p = parts as u64;
        (0..p).map(|i| Some((blocks * i / p, (i + 1 < p).then(|| blocks * (i + 1) / p)))).collect()
    };
    let results: Vec<Vec<SimpleQueryRow>> = futures::future::try_join_all(
        ranges.into_iter().map(|r| simple(pool, side, side.buckets_sql(w, r, h), false)),
    )
    .await?;
    for row in results.iter().flatten() {
        merge(&mut sums, int(row, 0), int(row, 1), int(row, 2));
    }
    Ok((sums, None))
}

/// Deeper levels on one side: the buckets of `nodes` (`[lo, hi]` split by width), split over
/// the connections. Keyed by (node index, bucket).
async fn grid_ranges(
    pool: &Pool,
    side: &Side,
    h: &RowHash,
    nodes: &[(i64, i64, i64)],
    parts: usize,
) -> Result<Sums<(usize, i64)>, DiffError> {
    let sql = |run: &[(i64, i64, i64)]| {
        let (lo, hi, w): (Vec<i64>, Vec<i64>, Vec<i64>) = (
            run.iter().map(|n| n.0).collect(),
            run.iter().map(|n| n.1).collect(),
            run.iter().map(|n| n.2).collect(),
        );
        side.range_buckets_sql(&lo, &hi, &w, h)
    };
    let mut sums = Sums::new();
    for (i, row) in over_ranges(pool, side, nodes, parts, sql).await? {
        merge(&mut sums, (i, int(&row, 1)), int(&row, 2), int(&row, 3));
    }
    Ok(sums)
}

/// The differing buckets of one level: `(range, rows on the larger side)`.
fn differing<K: std::hash::Hash + Eq + Clone>(
    a: &Sums<K>,
    b: &Sums<K>,
    stats: &mut Stats,
    range: impl Fn(&K) -> Option<(i64, i64)>,
) -> Vec<((i64, i64), u64)> {
    let mut keys: Vec<&K> = a.keys().collect();
    keys.extend(b.keys().filter(|k| !a.contains_key(k)));
    stats.segments_checked += keys.len() as u64;
    let mut out = Vec::new();
    for k in keys {
        let (x, y) = (a.get(k).copied().unwrap_or((0, 0)), b.get(k).copied().unwrap_or((0, 0)));
        if x == y {
            stats.segments_equal += 1;
        } else if let Some(r) = range(k) {
            out.push((r, x.0.max(y.0) as u64));
        }
    }
    out
}

/// Integer keys: see the module documentation.
#[expect(
    clippy::too_many_lines,
    reason = "one descent of the grid: its levels share a dozen locals"
)]
pub async fn run(
    src: &Pool,
    snk: &Pool,
    s: &Side,
    t: &Side,
    opts: &Options,
    lsn: bool,
    (hs, ht): (&RowHash, &RowHash),
) -> Result<(Vec<Leaf>, Stats), DiffError> {
    let mut stats = Stats::default();
    let mut leaves = Vec::new();
    let (first, la, lb) = tokio::try_join!(
        first_segment(src, snk, s, t, KeyKind::Integer),
        layout(src, s),
        layout(snk, t)
    )?;
    let Some(first) = first else {
        return Ok((leaves, stats));
    };
    let bound = |k: &Option<Vec<String>>| k.as_ref().and_then(|v| v[0].parse::<i128>().ok());
    let (Some(lo), hi) =
        (bound(&first.lower), bound(&first.upper).map_or(i128::from(i64::MAX), |u| u - 1))
    else {
        return run_segments(src, snk, s, t, opts, lsn, (hs, ht)).await;
    };
    let (lo, hi) = (lo as i64, hi as i64);
    // Never analyzed (reltuples -1): as many rows as keys in the range.
    let rows = if la.rows.max(lb.rows) < 0 {
        i128::from(hi) - i128::from(lo) + 1
    } else {
        i128::from(la.rows.max(lb.rows))
    };
    // A heap read by runs pays an index descent and a rescan per bucket (~25 µs): larger buckets.
    let (per, most) = if la.ordered || lb.ordered {
        (RUN_BUCKET_ROWS, RUN_MAX_BUCKETS)
    } else {
        (GRID_BUCKET_ROWS, GRID_MAX_BUCKETS)
    };
    let w = width(lo, hi, (rows / per).clamp(1, most));
    let conc = opts.connections.max(1);
    let fetch_at = opts.threshold.min(GRID_FETCH);
    let factor = i128::from(opts.factor.max(2));

    let ((mut a, ra), (mut b, rb)) = tokio::try_join!(
        grid_scan(src, s, hs, (w, lo, hi), conc, &la),
        grid_scan(snk, t, ht, (w, lo, hi), conc, &lb),
    )?;
    let by_q = |r: Option<Vec<Run>>| {
        r.map(|r| r.into_iter().map(|r| (r.q, r)).collect::<HashMap<i64, Run>>())
    };
    let (mut ra, mut rb) = (by_q(ra), by_q(rb));
    // Sides read by runs: the strays of the differing runs count in their own buckets.
    let (mut moved_a, mut moved_b) = (Strays::new(), Strays::new());
    if ra.is_some() || rb.is_some() {
        let d: HashSet<i64> =
            a.keys().chain(b.keys()).filter(|q| a.get(q) != b.get(q)).copied().collect();
        let sweep = |pool, side, hash, r: &Option<HashMap<i64, Run>>| {
            let runs: Option<Vec<Run>> =
                r.as_ref().map(|r| d.iter().filter_map(|q| r.get(q).copied()).collect());
            async move {
                match runs {
                    Some(runs) => runs::strays(pool, side, hash, &runs, conc).await,
                    None => Ok(Vec::new()),
                }
            }
        };
        let (sa, sb) = tokio::try_join!(sweep(src, s, hs, &ra), sweep(snk, t, ht, &rb))?;
        (moved_a, moved_b) = (attribute(&mut a, sa, w), attribute(&mut b, sb, w));
    }
    let mut diff = differing(&a, &b, &mut stats, |q| bucket_range(*q, w, (lo, hi)));
    let mut fetch_now: Vec<(i64, i64)> = Vec::new();
    let mut fetch_rows = 0;
    let mut depth = 0;
    loop {
        stats.depth = depth;
        let mut nodes = Vec::new();
        for ((l, h), n) in diff {
            if n <= fetch_at || l == h {
                fetch_now.push((l, h));
                fetch_rows += n;
            } else {
                nodes.push((l, h, width(l, h, factor)));
            }
        }
        if nodes.is_empty() {
            break;
        }
        // A side read by runs reads the runs of its first-level buckets once, adding the strays
        // the first level counted in them; deeper levels read index ranges.
        let level = |pool, side, hash, r: Option<HashMap<i64, Run>>, moved: Strays| {
            let nodes = &nodes;
            async move {
                let Some(r) = r else {
                    return grid_ranges(pool, side, hash, nodes, conc).await;
                };
                let mut sums = runs::split(pool, side, hash, &r, w, nodes, conc).await?;
                for (i, &(l, _, part)) in nodes.iter().enumerate() {
                    for &(k, h) in moved.get(&(l / w)).into_iter().flatten() {
                        merge(&mut sums, (i, k / part), 1, h);
                    }
                }
                Ok(sums)
            }
        };
        let (a, b) = tokio::try_join!(
            level(src, s, hs, ra.take(), std::mem::take(&mut moved_a)),
            level(snk, t, ht, rb.take(), std::mem::take(&mut moved_b))
        )?;
        diff = differing(&a, &b, &mut stats, |(i, q)| {
            let (l, h, w) = nodes[*i];
            bucket_range(*q, w, (l, h))
        });
        depth += 1;
    }
    if !fetch_now.is_empty() {
        let parts = conc.min(fetch_rows.div_ceil(FETCH_PART_ROWS) as usize);
        let (l, n) = compare_ranges(src, snk, s, t, &fetch_now, lsn, parts).await?;
        leaves = l;
        stats.rows_fetched += n;
    }
    Ok((leaves, stats))
}

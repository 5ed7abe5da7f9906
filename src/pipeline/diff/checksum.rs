//! The SQL each side runs: normalized column text, the segment predicate, the row hash with
//! `count(*)` per segment or per bucket, quantile bounds and the row fetch.
//!
//! Normalization makes equal values hash equal across the two databases: numeric without
//! trailing zeros (`trim_scale`), timestamps as UTC text to the microsecond, json as jsonb text.
//!
//! The row hashes themselves are in [`super::rowhash`].

use super::key::Segment;
use crate::pg::ident;

pub use super::rowhash::{Class, Hash, RowHash};

/// One side of a comparison: a table, the compared columns (in order, matched by position with
/// the other side), the key columns and an optional row filter (a SQL boolean expression).
#[derive(Debug, Clone)]
pub struct Side {
    pub table: String,
    pub key: Vec<String>,
    pub columns: Vec<String>,
    pub filter: Option<String>,
    pub hash: Hash,
    /// `format_type` of each key column, then of each column (filled in by discovery).
    pub key_types: Vec<String>,
    pub column_types: Vec<String>,
}

/// Parallel arrays as rows `diff_r(<names>, n)`, `n` from 1 (e.g. ranges `lo, hi`); the alias
/// is unlike a table's, which would hide it in the lateral subquery.
fn ranges(arrays: &[&[i64]], names: &str) -> String {
    format!(
        "unnest({}) WITH ORDINALITY diff_r({names}, n)",
        arrays.iter().map(|a| int8_array(a)).collect::<Vec<_>>().join(", ")
    )
}

/// An `int8[]` literal.
pub(super) fn int8_array(v: &[i64]) -> String {
    format!("'{{{}}}'::int8[]", v.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

/// The text a column is compared and hashed as.
pub fn normalize(column: &str, ty: &str) -> String {
    let c = ident(column);
    if ty.starts_with("numeric") {
        format!("trim_scale({c})::text")
    } else if ty.starts_with("timestamp") {
        // Seconds since the epoch with 6 decimals whatever the precision (PostgreSQL ≥ 14):
        // independent of the session time zone; a timestamp without zone counts as UTC.
        // Twice as cheap as to_char.
        format!("extract(epoch from {c})::text")
    } else if ty == "json" {
        format!("{c}::jsonb::text")
    } else {
        format!("{c}::text")
    }
}

impl Side {
    pub fn normalized_columns(&self) -> Vec<String> {
        self.columns.iter().zip(&self.column_types).map(|(c, t)| normalize(c, t)).collect()
    }

    /// Key columns as text under aliases `k0, k1, …`: an output column named like the key would
    /// make `ORDER BY key` sort the text ("99999" > "100000").
    fn key_texts(&self) -> String {
        self.key
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{}::text AS k{i}", ident(k)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_row(&self) -> String {
        let cols: Vec<_> = self.key.iter().map(|k| ident(k)).collect();
        format!("({})", cols.join(", "))
    }

    fn key_order(&self) -> String {
        self.key.iter().map(|k| ident(k)).collect::<Vec<_>>().join(", ")
    }

    /// Bound parameters `($n::text::type, …)` starting at `$first`.
    fn bound(&self, first: usize) -> String {
        let p: Vec<_> = self
            .key_types
            .iter()
            .enumerate()
            .map(|(i, t)| format!("${}::text::{t}", first + i))
            .collect();
        format!("({})", p.join(", "))
    }

    /// The WHERE clause of a segment (with the side's filter) and its parameters.
    pub fn predicate(&self, seg: &Segment) -> (String, Vec<String>) {
        let mut parts = Vec::new();
        let mut params = Vec::new();
        if let Some(lo) = &seg.lower {
            parts.push(format!("{} >= {}", self.key_row(), self.bound(params.len() + 1)));
            params.extend(lo.iter().cloned());
        }
        if let Some(hi) = &seg.upper {
            parts.push(format!("{} < {}", self.key_row(), self.bound(params.len() + 1)));
            params.extend(hi.iter().cloned());
        }
        if let Some(f) = &self.filter {
            parts.push(format!("({f})"));
        }
        if parts.is_empty() {
            parts.push("true".into());
        }
        (parts.join(" AND "), params)
    }

    /// `count(*)` and the checksum (as text: a numeric sum never overflows).
    pub fn checksum_sql(&self, seg: &Segment, h: &RowHash) -> (String, Vec<String>) {
        let (pred, params) = self.predicate(seg);
        (
            format!(
                "SELECT count(*), coalesce(sum({}), 0)::text FROM {} WHERE {pred}",
                h.0,
                crate::pg::qualified(&self.table)
            ),
            params,
        )
    }

    /// Integer key, one scan: `(bucket, count, bit_xor of row hashes)` per bucket `key / width`
    /// (truncating division), over the heap blocks `[first, last)` (`None`: to the end) when
    /// given. `OFFSET 0` keeps the planner from estimating one group per key (which makes it
    /// plan a spilling hash aggregate).
    pub fn buckets_sql(
        &self,
        width: i64,
        blocks: Option<(u64, Option<u64>)>,
        h: &RowHash,
    ) -> String {
        let k = ident(&self.key[0]);
        let mut pred = Vec::new();
        if let Some((first, last)) = blocks {
            pred.push(format!("ctid >= '({first},0)'::tid"));
            if let Some(last) = last {
                pred.push(format!("ctid < '({last},0)'::tid"));
            }
        }
        if let Some(f) = &self.filter {
            pred.push(format!("({f})"));
        }
        let pred =
            if pred.is_empty() { String::new() } else { format!(" WHERE {}", pred.join(" AND ")) };
        format!(
            "SELECT b, count(*), bit_xor(h) FROM (SELECT {k}::int8 / {width} AS b, {} AS h FROM {}{pred} OFFSET 0) s GROUP BY b",
            h.0,
            crate::pg::qualified(&self.table)
        )
    }

    /// Integer key, key ranges `[lo[i], hi[i]]` (inclusive) split by `w[i]`: `(i + 1, key /
    /// w[i], count, bit_xor of row hashes)` per non-empty bucket. One aggregate per range, over an
    /// index range scan (a lateral join to the arrays: one plan however many ranges). Needs a
    /// btree index on the key and `enable_seqscan` off: the planner guesses 0.5% of the table
    /// per range.
    pub fn range_buckets_sql(&self, lo: &[i64], hi: &[i64], w: &[i64], h: &RowHash) -> String {
        let k = ident(&self.key[0]);
        format!(
            "SELECT diff_r.n, x.b, x.c, x.h FROM {}, LATERAL (SELECT {k}::int8 / diff_r.w AS b, count(*) AS c, bit_xor({}) AS h {} GROUP BY 1) x",
            ranges(&[lo, hi, w], "lo, hi, w"),
            h.0,
            self.in_range()
        )
    }

    /// Integer key, key ranges `[lo[i], hi[i]]`: `i + 1`, the key texts, then every compared
    /// column normalized (as [`Side::rows_sql`]); lateral as [`Side::range_buckets_sql`].
    pub fn range_rows_sql(&self, lo: &[i64], hi: &[i64]) -> String {
        let cols = self
            .normalized_columns()
            .into_iter()
            .enumerate()
            .map(|(i, c)| format!("{c} AS c{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT diff_r.n, x.* FROM {}, LATERAL (SELECT {}, {cols} {}) x",
            ranges(&[lo, hi], "lo, hi"),
            self.key_texts(),
            self.in_range()
        )
    }

    /// `FROM table WHERE key in [diff_r.lo, diff_r.hi]` and the side's filter.
    fn in_range(&self) -> String {
        let k = ident(&self.key[0]);
        format!(
            "FROM {} WHERE {k} >= diff_r.lo AND {k} <= diff_r.hi{}",
            crate::pg::qualified(&self.table),
            self.and_filter()
        )
    }

    /// The side's filter as ` AND (filter)`, or nothing.
    pub fn and_filter(&self) -> String {
        self.filter.as_ref().map(|f| format!(" AND ({f})")).unwrap_or_default()
    }

    /// The first key of each of `buckets` equal-count buckets of the segment, in key order.
    pub fn quantiles_sql(&self, seg: &Segment, buckets: u32) -> (String, Vec<String>) {
        let (pred, params) = self.predicate(seg);
        let keys = self.key.iter().map(|k| ident(k)).collect::<Vec<_>>();
        let texts = self.key_texts();
        (
            format!(
                "SELECT DISTINCT ON (b) {texts} FROM (SELECT {k}, ntile({buckets}) OVER (ORDER BY {k}) AS b FROM {t} WHERE {pred}) s ORDER BY b, {k}",
                k = keys.join(", "),
                t = crate::pg::qualified(&self.table)
            ),
            params,
        )
    }

    /// First and last key (`ORDER BY … LIMIT 1` both ways: uuid has no min/max aggregate).
    pub fn extent_sql(&self) -> String {
        let (pred, _) = self.predicate(&Segment::ALL);
        let k = ident(&self.key[0]);
        let t = crate::pg::qualified(&self.table);
        format!(
            "SELECT (SELECT {k}::text AS v FROM {t} WHERE {pred} ORDER BY {k} LIMIT 1), (SELECT {k}::text AS v FROM {t} WHERE {pred} ORDER BY {k} DESC LIMIT 1)"
        )
    }

    /// Key columns as text, then every compared column normalized.
    pub fn rows_sql(&self, seg: &Segment) -> (String, Vec<String>) {
        let (pred, params) = self.predicate(seg);
        let cols = self
            .normalized_columns()
            .into_iter()
            .enumerate()
            .map(|(i, c)| format!("{c} AS c{i}"))
            .collect::<Vec<_>>();
        (
            format!(
                "SELECT {}, {} FROM {} WHERE {pred} ORDER BY {}",
                self.key_texts(),
                cols.join(", "),
                crate::pg::qualified(&self.table),
                self.key_order()
            ),
            params,
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn side() -> Side {
        Side {
            table: "public.order_items".into(),
            key: vec!["order_id".into(), "line_no".into()],
            columns: vec!["order_id".into(), "unit_price".into(), "updated_at".into()],
            filter: Some("sku <> 'x'".into()),
            hash: Hash::Md5,
            key_types: vec!["bigint".into(), "integer".into()],
            column_types: vec![
                "bigint".into(),
                "numeric(10,2)".into(),
                "timestamp(3) with time zone".into(),
            ],
        }
    }

    #[test]
    fn checksum_sql_normalizes_and_bounds_by_row_value() {
        let seg = Segment { lower: Some(vec!["1".into(), "2".into()]), upper: None };
        let (sql, params) = side().checksum_sql(&seg, &RowHash::md5(&side()));
        assert_eq!(params, vec!["1", "2"]);
        assert!(
            sql.contains("(\"order_id\", \"line_no\") >= ($1::text::bigint, $2::text::integer)"),
            "{sql}"
        );
        assert!(sql.contains("trim_scale(\"unit_price\")::text"), "{sql}");
        assert!(sql.contains("extract(epoch from \"updated_at\")::text"), "{sql}");
        assert!(sql.contains("AND (sku <> 'x')"), "{sql}");
        assert!(sql.contains("FROM \"public\".\"order_items\""), "{sql}");
    }

    #[test]
    fn key_ranges_are_one_lateral_plan_over_arrays_with_the_filter() {
        let s = Side { key: vec!["order_id".into()], key_types: vec!["bigint".into()], ..side() };
        let h = RowHash("h(x)".into());
        let sql = s.range_buckets_sql(&[-5, 10], &[9, 19], &[4, 4], &h);
        assert!(sql.starts_with("SELECT diff_r.n, x.b, x.c, x.h FROM unnest('{-5,10}'::int8[], '{9,19}'::int8[], '{4,4}'::int8[]) WITH ORDINALITY diff_r(lo, hi, w, n), LATERAL ("), "{sql}");
        assert!(sql.contains("bit_xor(h(x))"), "{sql}");
        assert!(
            sql.contains(
                "WHERE \"order_id\" >= diff_r.lo AND \"order_id\" <= diff_r.hi AND (sku <> 'x')"
            ),
            "{sql}"
        );
        let sql = s.range_buckets_sql(&[0], &[99], &[4], &h);
        assert!(
            sql.contains(
                "'{0}'::int8[], '{99}'::int8[], '{4}'::int8[]) WITH ORDINALITY diff_r(lo, hi, w, n)"
            ),
            "{sql}"
        );
        assert!(
            sql.contains("\"order_id\"::int8 / diff_r.w AS b") && sql.ends_with("GROUP BY 1) x"),
            "{sql}"
        );
        let sql = s.range_rows_sql(&[1], &[2]);
        assert!(sql.contains("LATERAL (SELECT \"order_id\"::text AS k0, \"order_id\"::text AS c0, trim_scale(\"unit_price\")::text AS c1"), "{sql}");
    }

    #[test]
    fn timestamps_are_epoch_seconds() {
        assert_eq!(
            normalize("t", "timestamp(3) without time zone"),
            "extract(epoch from \"t\")::text"
        );
        assert!(side().checksum_sql(&Segment::ALL, &RowHash::md5(&side())).0.contains("md5("));
    }
}

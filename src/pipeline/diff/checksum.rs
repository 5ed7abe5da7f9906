//! The SQL each side runs: normalized column text, the segment predicate, `count(*)` with the sum
//! of a 48-bit slice of md5 over the normalized row, quantile bounds and the row fetch.
//!
//! Normalization makes equal values hash equal across the two databases: numeric without
//! trailing zeros (`trim_scale`), timestamps as UTC text to the microsecond, json as jsonb text.
//! The row is hashed as a row value's text, where NULL (`()`) differs from '' (`("")`).

use super::key::Segment;

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

pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `schema.table` (or `table`) quoted part by part.
pub fn table_ident(name: &str) -> String {
    name.split('.').map(ident).collect::<Vec<_>>().join(".")
}

/// The row hash summed per segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hash {
    /// 48 bits of md5 (data-diff's): the same on any PostgreSQL.
    #[default]
    Md5,
    /// 48 bits of `hashtextextended` (PostgreSQL ≥ 11), ~2.5× cheaper; only comparable between
    /// servers of the same major version and byte order.
    Pg,
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
    fn normalized_columns(&self) -> Vec<String> {
        self.columns.iter().zip(&self.column_types).map(|(c, t)| normalize(c, t)).collect()
    }

    /// Key columns as text under aliases `k0, k1, …`: an output column named like the key would
    /// make `ORDER BY key` sort the text ("99999" > "100000").
    fn key_texts(&self) -> String {
        self.key.iter().enumerate().map(|(i, k)| format!("{}::text AS k{i}", ident(k))).collect::<Vec<_>>().join(", ")
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
        let p: Vec<_> = self.key_types.iter().enumerate().map(|(i, t)| format!("${}::text::{t}", first + i)).collect();
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
    pub fn checksum_sql(&self, seg: &Segment) -> (String, Vec<String>) {
        let (pred, params) = self.predicate(seg);
        let row = format!("ROW({})::text", self.normalized_columns().join(", "));
        let h = match self.hash {
            Hash::Md5 => format!("('x' || substr(md5({row}), 1, 12))::bit(48)::bigint"),
            Hash::Pg => format!("(hashtextextended({row}, 0) >> 16)"),
        };
        (
            format!(
                "SELECT count(*), coalesce(sum({h}), 0)::text FROM {} WHERE {pred}",
                table_ident(&self.table)
            ),
            params,
        )
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
                t = table_ident(&self.table)
            ),
            params,
        )
    }

    /// First and last key (`ORDER BY … LIMIT 1` both ways: uuid has no min/max aggregate).
    pub fn extent_sql(&self) -> String {
        let (pred, _) = self.predicate(&Segment::ALL);
        let k = ident(&self.key[0]);
        let t = table_ident(&self.table);
        format!(
            "SELECT (SELECT {k}::text AS v FROM {t} WHERE {pred} ORDER BY {k} LIMIT 1), (SELECT {k}::text AS v FROM {t} WHERE {pred} ORDER BY {k} DESC LIMIT 1)"
        )
    }

    /// Key columns as text, then every compared column normalized.
    pub fn rows_sql(&self, seg: &Segment) -> (String, Vec<String>) {
        let (pred, params) = self.predicate(seg);
        let cols = self.normalized_columns().into_iter().enumerate().map(|(i, c)| format!("{c} AS c{i}")).collect::<Vec<_>>();
        (
            format!(
                "SELECT {}, {} FROM {} WHERE {pred} ORDER BY {}",
                self.key_texts(),
                cols.join(", "),
                table_ident(&self.table),
                self.key_order()
            ),
            params,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side() -> Side {
        Side {
            table: "public.order_items".into(),
            key: vec!["order_id".into(), "line_no".into()],
            columns: vec!["order_id".into(), "unit_price".into(), "updated_at".into()],
            filter: Some("sku <> 'x'".into()),
            hash: Hash::Md5,
            key_types: vec!["bigint".into(), "integer".into()],
            column_types: vec!["bigint".into(), "numeric(10,2)".into(), "timestamp(3) with time zone".into()],
        }
    }

    #[test]
    fn checksum_sql_normalizes_and_bounds_by_row_value() {
        let seg = Segment { lower: Some(vec!["1".into(), "2".into()]), upper: None };
        let (sql, params) = side().checksum_sql(&seg);
        assert_eq!(params, vec!["1", "2"]);
        assert!(sql.contains("(\"order_id\", \"line_no\") >= ($1::text::bigint, $2::text::integer)"), "{sql}");
        assert!(sql.contains("trim_scale(\"unit_price\")::text"), "{sql}");
        assert!(sql.contains("extract(epoch from \"updated_at\")::text"), "{sql}");
        assert!(sql.contains("AND (sku <> 'x')"), "{sql}");
        assert!(sql.contains("FROM \"public\".\"order_items\""), "{sql}");
    }

    #[test]
    fn timestamps_are_epoch_seconds() {
        assert_eq!(normalize("t", "timestamp(3) without time zone"), "extract(epoch from \"t\")::text");
        assert!(side().checksum_sql(&Segment::ALL).0.contains("md5("));
        assert!(Side { hash: Hash::Pg, ..side() }.checksum_sql(&Segment::ALL).0.contains("hashtextextended("));
    }
}

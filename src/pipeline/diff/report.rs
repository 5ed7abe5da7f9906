//! What a diff found: rows missing from the sink, extra rows in the sink, changed rows with the
//! names of the changed columns, rows still in flight, and how much work it took.

use std::collections::HashMap;

use serde::Serialize;

/// A fetched row: key texts and normalized column texts (NULL is `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: Vec<String>,
    pub values: Vec<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowDiff {
    /// In the source, not in the sink.
    Missing { key: Vec<String> },
    /// In the sink, not in the source.
    Extra { key: Vec<String> },
    /// In both with different values in these (source-side) columns.
    Changed { key: Vec<String>, columns: Vec<String> },
}

impl RowDiff {
    pub fn key(&self) -> &[String] {
        match self {
            RowDiff::Missing { key } | RowDiff::Extra { key } | RowDiff::Changed { key, .. } => key,
        }
    }
}

/// Compares the rows of one segment. `columns` names the compared columns (source side).
pub fn compare(source: Vec<Row>, sink: Vec<Row>, columns: &[String]) -> Vec<RowDiff> {
    let mut sink: HashMap<Vec<String>, Vec<Option<String>>> =
        sink.into_iter().map(|r| (r.key, r.values)).collect();
    let mut out = Vec::new();
    for r in source {
        match sink.remove(&r.key) {
            None => out.push(RowDiff::Missing { key: r.key }),
            Some(v) if v != r.values => {
                let changed = columns
                    .iter()
                    .zip(r.values.iter().zip(&v))
                    .filter(|(_, (a, b))| a != b)
                    .map(|(c, _)| c.clone())
                    .collect();
                out.push(RowDiff::Changed { key: r.key, columns: changed });
            }
            Some(_) => {}
        }
    }
    let mut extra: Vec<_> = sink.into_keys().map(|key| RowDiff::Extra { key }).collect();
    extra.sort_by(|a, b| a.key().cmp(b.key()));
    out.extend(extra);
    out
}

/// Work done, to show that bisection bisects.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Checksum queries, per side (a segment checked on both sides counts once).
    pub segments_checked: u64,
    /// Segments whose count and checksum matched and were skipped.
    pub segments_equal: u64,
    /// Rows fetched and compared one by one, both sides together.
    pub rows_fetched: u64,
    /// Deepest level of bisection (0: the whole table).
    pub depth: u32,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableReport {
    pub source_table: String,
    pub sink_table: String,
    pub key_columns: Vec<String>,
    /// Differences confirmed as divergence.
    pub differences: Vec<RowDiff>,
    /// Differences that may still be replicating (the replicator had not applied past the source
    /// LSN read with their segment before the wait ran out).
    pub in_flight: Vec<RowDiff>,
    pub stats: Stats,
}

impl TableReport {
    pub fn count(&self, kind: fn(&RowDiff) -> bool) -> usize {
        self.differences.iter().filter(|d| kind(d)).count()
    }
    pub fn consistent(&self) -> bool {
        self.differences.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(k: &str, v: &[Option<&str>]) -> Row {
        Row { key: vec![k.into()], values: v.iter().map(|x| x.map(String::from)).collect() }
    }

    #[test]
    fn missing_extra_changed_with_columns_and_null_distinct_from_empty() {
        let cols = vec!["id".to_string(), "a".to_string(), "b".to_string()];
        let src = vec![
            row("1", &[Some("1"), Some("x"), None]),
            row("2", &[Some("2"), Some("y"), Some("")]),
            row("3", &[Some("3"), Some("z"), None]),
        ];
        let snk = vec![
            row("1", &[Some("1"), Some("x"), None]),
            row("2", &[Some("2"), Some("y"), None]),
            row("4", &[Some("4"), None, None]),
        ];
        assert_eq!(
            compare(src, snk, &cols),
            vec![
                RowDiff::Changed { key: vec!["2".into()], columns: vec!["b".into()] },
                RowDiff::Missing { key: vec!["3".into()] },
                RowDiff::Extra { key: vec!["4".into()] },
            ]
        );
    }
}

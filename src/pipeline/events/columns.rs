//! The column diff of a change's before and after images: which columns an update changed,
//! which an insert set and a delete removed.

use serde::Serialize;
use serde_json::{Map, Value};

/// One column of a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDiff {
    pub column: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub mark: Mark,
}

/// How a column fared in the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Same,
    Changed,
    /// Set by an insert (or a snapshot read): no before image.
    Added,
    /// Removed by a delete: no after image.
    Removed,
    /// An update without a before image (the table's REPLICA IDENTITY is not FULL): whether the
    /// column changed is unknown.
    Unknown,
}

impl Mark {
    /// Whether the column is worth highlighting.
    pub fn changed(self) -> bool {
        matches!(self, Self::Changed | Self::Added | Self::Removed)
    }
}

/// Every column of either image: the after image's in its order, then those only before has.
/// `Unknown` marks an update's columns when it has no before image.
pub fn column_diff(
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
) -> Vec<ColumnDiff> {
    let mut out = Vec::new();
    match (before, after) {
        (None, None) => {}
        (None, Some(a)) => out.extend(a.iter().map(|(k, v)| ColumnDiff {
            column: k.clone(),
            before: None,
            after: Some(v.clone()),
            mark: Mark::Added,
        })),
        (Some(b), None) => out.extend(b.iter().map(|(k, v)| ColumnDiff {
            column: k.clone(),
            before: Some(v.clone()),
            after: None,
            mark: Mark::Removed,
        })),
        (Some(b), Some(a)) => {
            for (k, v) in a {
                let was = b.get(k);
                let mark = match was {
                    Some(w) if w == v => Mark::Same,
                    _ => Mark::Changed,
                };
                out.push(ColumnDiff {
                    column: k.clone(),
                    before: was.cloned(),
                    after: Some(v.clone()),
                    mark,
                });
            }
            for (k, v) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(ColumnDiff {
                    column: k.clone(),
                    before: Some(v.clone()),
                    after: None,
                    mark: Mark::Changed,
                });
            }
        }
    }
    out
}

/// As [`column_diff`] for an update whose before image is missing: every column `Unknown`.
pub(super) fn mark_unknown(diff: &mut [ColumnDiff]) {
    for d in diff {
        d.mark = Mark::Unknown;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("an object")
    }

    #[test]
    fn an_update_marks_the_changed_columns() {
        let b = map(json!({"id": 1, "status": "new", "gone": 1}));
        let a = map(json!({"id": 1, "status": "paid"}));
        let d = column_diff(Some(&b), Some(&a));
        let marks: Vec<(&str, Mark)> = d.iter().map(|c| (c.column.as_str(), c.mark)).collect();
        assert_eq!(marks, [("id", Mark::Same), ("status", Mark::Changed), ("gone", Mark::Changed)]);
        assert_eq!(d[1].before, Some(json!("new")));
    }

    #[test]
    fn inserts_add_and_deletes_remove() {
        let r = map(json!({"id": 1}));
        assert_eq!(column_diff(None, Some(&r))[0].mark, Mark::Added);
        assert_eq!(column_diff(Some(&r), None)[0].mark, Mark::Removed);
        assert!(column_diff(None, None).is_empty());
        assert!(Mark::Added.changed() && !Mark::Same.changed() && !Mark::Unknown.changed());
    }
}

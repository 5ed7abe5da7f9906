//! The KEY of `row TABLE KEY`: a JSON object naming every primary-key column (`{"id":42}`), or
//! a bare value for a one-column key (`42`, `"A-17"`, `A-17`).

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("{table} has a key of {n} columns ({columns}): give it as JSON, e.g. {example}", n = .columns.split(", ").count())]
    NeedsObject { table: String, columns: String, example: String },
    #[error("the key names {given}, but the primary key of {table} is ({columns})")]
    WrongColumns { table: String, given: String, columns: String },
    #[error("{table} has no primary key: a row cannot be told by its key")]
    NoKey { table: String },
}

/// `text` against the key columns of `table`, in key order.
pub fn parse_key(
    table: &str,
    key_columns: &[String],
    text: &str,
) -> Result<Map<String, Value>, KeyError> {
    if key_columns.is_empty() {
        return Err(KeyError::NoKey { table: table.into() });
    }
    let columns = key_columns.join(", ");
    let value = serde_json::from_str::<Value>(text.trim())
        .unwrap_or_else(|_| Value::String(text.to_string()));
    let given = match value {
        Value::Object(m) => m,
        bare if key_columns.len() == 1 => {
            return Ok([(key_columns[0].clone(), bare)].into_iter().collect());
        }
        _ => {
            let example: Map<String, Value> =
                key_columns.iter().map(|c| (c.clone(), Value::from("…"))).collect();
            return Err(KeyError::NeedsObject {
                table: table.into(),
                columns,
                example: Value::Object(example).to_string(),
            });
        }
    };
    let mut names: Vec<&String> = given.keys().collect();
    names.sort();
    let mut want: Vec<&String> = key_columns.iter().collect();
    want.sort();
    if names != want {
        return Err(KeyError::WrongColumns {
            table: table.into(),
            given: names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            columns,
        });
    }
    Ok(key_columns.iter().map(|c| (c.clone(), given[c].clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_value_or_an_object_naming_the_key_columns() {
        let one = ["order_id".to_string()];
        let want: Map<String, Value> =
            [("order_id".to_string(), Value::from(42))].into_iter().collect();
        assert_eq!(parse_key("t", &one, "42"), Ok(want.clone()));
        assert_eq!(parse_key("t", &one, r#"{"order_id":42}"#), Ok(want));
        assert_eq!(parse_key("t", &one, "A-17").unwrap()["order_id"], Value::from("A-17"));
        let two = ["a".to_string(), "b".to_string()];
        let m = parse_key("t", &two, r#"{"b":2,"a":1}"#).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"], "key order");
        assert!(matches!(parse_key("t", &two, "1"), Err(KeyError::NeedsObject { .. })));
        let e = parse_key("t", &one, r#"{"id":1}"#).unwrap_err();
        assert_eq!(e.to_string(), "the key names id, but the primary key of t is (order_id)");
        assert!(matches!(parse_key("t", &[], "1"), Err(KeyError::NoKey { .. })));
    }
}

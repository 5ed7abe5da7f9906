//! Which events to keep: by op, by record key, by a column's value in either image. A raw record
//! (not a change event) cannot be judged by op or column, so those filters keep it: it is shown,
//! never silently dropped; only a key filter that its key does not match leaves it out.

use serde_json::Value;

use super::{Body, ChangeEvent, Op};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Keep only these ops (empty: all). A tombstone counts as a delete.
    pub ops: Vec<Op>,
    /// Keep only records whose key matches: equal, or for an object, holding these fields with
    /// these values (`{"id":1}` matches a key `{"id":1}`, and `{"id":1,"region":"eu"}`).
    pub key: Option<Value>,
    /// Keep only changes whose after or before image has these columns with these values.
    pub wheres: Vec<Where>,
}

/// `column=value`: the value as JSON when it parses, else as text; a column matches when its
/// JSON value equals it or its text does (`amount=1.50` matches the decimal string "1.50").
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    pub column: String,
    pub text: String,
    pub json: Option<Value>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("--where {0:?}: expected column=value")]
    Where(String),
    #[error("--op {0:?}: expected c, u, d, r or t")]
    Op(String),
    #[error("--key {0:?}: not JSON ({1})")]
    Key(String, String),
}

impl Where {
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        let (column, text) = s.split_once('=').ok_or_else(|| FilterError::Where(s.into()))?;
        let column = column.trim();
        if column.is_empty() {
            return Err(FilterError::Where(s.into()));
        }
        let json = serde_json::from_str(text).ok();
        Ok(Self { column: column.to_string(), text: text.to_string(), json })
    }

    fn matches(&self, v: &Value) -> bool {
        if self.json.as_ref() == Some(v) {
            return true;
        }
        match v {
            Value::String(s) => *s == self.text,
            Value::Null => self.text.eq_ignore_ascii_case("null"),
            other => {
                let shown = other.to_string();
                shown == self.text
            }
        }
    }
}

impl Filter {
    /// `c,u,d` into ops.
    pub fn parse_ops(s: &str) -> Result<Vec<Op>, FilterError> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| super::parse_op(p).ok_or_else(|| FilterError::Op(p.trim().into())))
            .collect()
    }

    /// A key given as JSON text.
    pub fn parse_key(s: &str) -> Result<Value, FilterError> {
        serde_json::from_str(s).map_err(|e| FilterError::Key(s.into(), e.to_string()))
    }

    /// Whether nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.key.is_none() && self.wheres.is_empty()
    }

    /// Whether a record key (decoded) matches the key filter (true without one).
    pub fn key_matches(&self, key: Option<&Value>) -> bool {
        match (&self.key, key) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(have)) => key_matches(want, have),
        }
    }

    /// Whether `e` is kept.
    pub fn keeps(&self, e: &ChangeEvent) -> bool {
        if !self.key_matches(e.key.as_ref()) {
            return false;
        }
        match &e.body {
            Body::Raw { .. } => true,
            Body::Tombstone => {
                (self.ops.is_empty() || self.ops.contains(&Op::Delete)) && self.wheres.is_empty()
            }
            Body::Change(c) => {
                (self.ops.is_empty() || self.ops.contains(&c.op))
                    && self.wheres.iter().all(|w| {
                        [&c.after, &c.before]
                            .into_iter()
                            .flatten()
                            .any(|img| img.get(&w.column).is_some_and(|v| w.matches(v)))
                    })
            }
        }
    }
}

/// `want` equals `have`, or both are objects and `have` holds `want`'s fields.
pub fn key_matches(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => w.iter().all(|(k, v)| h.get(k) == Some(v)),
        (w, h) => w == h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(key: Value, value: &[u8]) -> ChangeEvent {
        super::super::decode(0, 0, None, Some(key.to_string().as_bytes()), Some(value))
    }

    const INSERT: &[u8] =
        br#"{"after":{"id":1,"amount":"1.50","note":null},"source":{"ts_ms":1},"op":"c"}"#;

    #[test]
    fn filters_by_op_key_and_column() {
        let e = event(json!({"id": 1}), INSERT);
        let f = |ops: &str, key: Option<Value>, wheres: &[&str]| Filter {
            ops: Filter::parse_ops(ops).expect("ops"),
            key,
            wheres: wheres.iter().map(|w| Where::parse(w).expect("where")).collect(),
        };
        assert!(f("", None, &[]).keeps(&e));
        assert!(f("c,u", None, &[]).keeps(&e));
        assert!(!f("d", None, &[]).keeps(&e));
        assert!(f("", Some(json!({"id": 1})), &[]).keeps(&e));
        assert!(!f("", Some(json!({"id": 2})), &[]).keeps(&e));
        assert!(f("", None, &["amount=1.50", "id=1", "note=null"]).keeps(&e));
        assert!(!f("", None, &["amount=2"]).keeps(&e));
        assert!(!f("", None, &["missing=1"]).keeps(&e));
        let raw = event(json!({"id": 1}), b"garbage");
        assert!(
            f("d", None, &["amount=2"]).keeps(&raw),
            "raw records are never filtered out by op"
        );
        assert!(!f("", Some(json!({"id": 2})), &[]).keeps(&raw));
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        assert_eq!(Where::parse("nocolumn"), Err(FilterError::Where("nocolumn".into())));
        assert_eq!(Filter::parse_ops("c,x"), Err(FilterError::Op("x".into())));
        assert!(Filter::parse_key("{id:1}").is_err());
        assert!(key_matches(&json!({"id": 1}), &json!({"id": 1, "region": "eu"})));
        assert!(!key_matches(&json!({"id": 1}), &json!({"id": "1"})));
    }
}

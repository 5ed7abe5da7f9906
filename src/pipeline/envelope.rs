//! The Debezium change event (JSON converter, schemas off), decoded.
//!
//! `{"before":{..}|null, "after":{..}|null, "source":{"lsn","txId","ts_ms",..}, "op":"c|u|d|r|t",
//! "ts_ms":..}`; a tombstone (null value) follows each delete.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Op {
    #[serde(rename = "c")]
    Create,
    #[serde(rename = "u")]
    Update,
    #[serde(rename = "d")]
    Delete,
    /// A snapshot read.
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "t")]
    Truncate,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Envelope {
    pub op: Op,
    pub before: Option<Map<String, Value>>,
    pub after: Option<Map<String, Value>>,
    pub source: Source,
    /// When Debezium processed the event.
    pub ts_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Source {
    /// Commit time in the source database.
    pub ts_ms: i64,
    pub lsn: Option<u64>,
    #[serde(rename = "txId")]
    pub tx_id: Option<i64>,
    pub schema: Option<String>,
    pub table: Option<String>,
    /// "true", "first", "last", "false"… (a string in Debezium's JSON).
    #[serde(default, deserialize_with = "snapshot_flag")]
    pub snapshot: bool,
}

fn snapshot_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => s != "false",
        Some(Value::Bool(b)) => b,
        _ => false,
    })
}

/// The same event borrowed from the record: row images stay raw JSON text, so a consumer that
/// passes them on (the replicator's COPY) neither builds a map nor serializes it again.
#[derive(Debug, Deserialize)]
pub struct RawEnvelope<'a> {
    pub op: Op,
    #[serde(borrow)]
    pub before: Option<&'a RawValue>,
    #[serde(borrow)]
    pub after: Option<&'a RawValue>,
    pub source: Source,
}

/// A row image's columns, borrowed: column name → raw JSON value.
pub type RawRow<'a> = Vec<(ColumnName<'a>, &'a RawValue)>;

/// A column name, borrowed unless JSON escapes forced a copy.
#[derive(Debug, PartialEq, Eq)]
pub struct ColumnName<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for ColumnName<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ColumnName<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a column name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ColumnName(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ColumnName(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The columns of a raw row image (an object), in document order.
pub fn columns(image: &RawValue) -> Result<RawRow<'_>, DecodeError> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = RawRow<'de>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a row image object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(m.size_hint().unwrap_or(8));
            while let Some(entry) = m.next_entry::<ColumnName<'de>, &'de RawValue>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(image.get());
    Ok(serde::Deserializer::deserialize_map(&mut de, V)?)
}

/// Decodes a record value borrowed; `Ok(None)` for a tombstone.
pub fn decode_raw(value: Option<&[u8]>) -> Result<Option<RawEnvelope<'_>>, DecodeError> {
    match value {
        None | Some([]) => Ok(None),
        Some(bytes) => Ok(Some(serde_json::from_slice(bytes)?)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not a Debezium change event: {0}")]
    Invalid(#[from] serde_json::Error),
}

/// Decodes a record value; `Ok(None)` for a tombstone.
pub fn decode(value: Option<&[u8]>) -> Result<Option<Envelope>, DecodeError> {
    match value {
        None | Some([]) => Ok(None),
        Some(bytes) => Ok(Some(serde_json::from_slice(bytes)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_an_update_and_a_tombstone() {
        let raw = br#"{"before":{"order_id":1,"status":"pending"},"after":{"order_id":1,"status":"paid"},
            "source":{"version":"3.0.7.Final","connector":"postgresql","ts_ms":1700000000000,"snapshot":"false",
            "db":"source","schema":"public","table":"orders","txId":771,"lsn":26812345},"op":"u","ts_ms":1700000000123}"#;
        let e = decode(Some(raw)).unwrap().unwrap();
        assert_eq!(e.op, Op::Update);
        assert_eq!(e.source.lsn, Some(26_812_345));
        assert!(!e.source.snapshot);
        assert_eq!(e.after.unwrap()["status"], "paid");
        assert_eq!(decode(None).unwrap(), None);
        assert!(decode(Some(b"{\"op\":\"x\"}")).is_err());
    }

    #[test]
    fn decodes_borrowed_with_raw_images() {
        let raw =
            br#"{"before":null,"after":{"order_id":1,"na\"me":"a\tb","amount":"1.50","n":null},
            "source":{"ts_ms":1700000000000,"lsn":7},"op":"c"}"#;
        let e = decode_raw(Some(raw)).unwrap().unwrap();
        assert_eq!(e.op, Op::Create);
        assert!(e.before.is_none());
        let after = e.after.unwrap();
        assert_eq!(after.get(), r#"{"order_id":1,"na\"me":"a\tb","amount":"1.50","n":null}"#);
        let cols = columns(after).unwrap();
        let names: Vec<&str> = cols.iter().map(|(k, _)| k.0.as_ref()).collect();
        assert_eq!(names, ["order_id", "na\"me", "amount", "n"]);
        assert!(matches!(cols[1].0.0, Cow::Owned(_)), "an escaped name is copied");
        assert_eq!(cols[3].1.get(), "null");
        assert!(columns(&RawValue::from_string("[1]".into()).unwrap()).is_err());
        assert_eq!(decode_raw(None).unwrap().map(|e| e.op), None);
    }
}

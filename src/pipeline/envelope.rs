//! The Debezium change event (JSON converter, schemas off), decoded.
//!
//! `{"before":{..}|null, "after":{..}|null, "source":{"lsn","txId","ts_ms",..}, "op":"c|u|d|r|t",
//! "ts_ms":..}`; a tombstone (null value) follows each delete.

use serde::Deserialize;
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
        assert_eq!(e.source.lsn, Some(26812345));
        assert!(!e.source.snapshot);
        assert_eq!(e.after.unwrap()["status"], "paid");
        assert_eq!(decode(None).unwrap(), None);
        assert!(decode(Some(b"{\"op\":\"x\"}")).is_err());
    }
}

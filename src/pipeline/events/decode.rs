//! A Kafka record into a [`ChangeEvent`]: the key as JSON, the value through the Debezium
//! envelope decoder; anything else kept raw with the reason.

use serde_json::Value;

use super::{Body, Change, ChangeEvent};
use crate::pipeline::envelope::{self, Op};

/// Decodes one record. Never fails: what is not a change event becomes [`Body::Raw`].
pub fn decode(
    partition: i32,
    offset: i64,
    timestamp_ms: Option<i64>,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> ChangeEvent {
    ChangeEvent { partition, offset, timestamp_ms, key: decode_key(key), body: body(value) }
}

/// Decodes one record as the consumer handed it over.
pub fn decode_message(m: &impl rdkafka::Message) -> ChangeEvent {
    decode(m.partition(), m.offset(), m.timestamp().to_millis(), m.key(), m.payload())
}

/// The key as JSON, a converter's schema wrapper taken off; a key that is not JSON as a string.
pub fn decode_key(key: Option<&[u8]>) -> Option<Value> {
    let bytes = key.filter(|k| !k.is_empty())?;
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => Some(unwrap_schema(v)),
        Err(_) => Some(Value::String(readable(bytes))),
    }
}

/// `{"schema": …, "payload": x}` (the JSON converter with schemas on) → `x`.
fn unwrap_schema(v: Value) -> Value {
    match v {
        Value::Object(mut m) if m.len() == 2 && m.contains_key("schema") => {
            m.remove("payload").unwrap_or(Value::Null)
        }
        other => other,
    }
}

fn body(value: Option<&[u8]>) -> Body {
    let bytes = match value {
        None | Some([]) => return Body::Tombstone,
        Some(b) => b,
    };
    let raw = |reason: String| Body::Raw { text: readable(bytes), reason };
    let json: Value = match serde_json::from_slice(bytes) {
        Ok(v) => unwrap_schema(v),
        Err(e) => return raw(format!("not JSON: {e}")),
    };
    if json.is_null() {
        return Body::Tombstone;
    }
    match serde_json::from_value::<envelope::Envelope>(json) {
        Ok(e) => Body::Change(Change {
            op: e.op,
            lsn: e.source.lsn,
            tx_id: e.source.tx_id,
            source_ts_ms: e.source.ts_ms,
            schema: e.source.schema,
            table: e.source.table,
            snapshot: e.source.snapshot,
            before: e.before,
            after: e.after,
        }),
        Err(e) => raw(format!("not a Debezium change event: {e}")),
    }
}

/// The bytes as text, or as hex when they are not UTF-8.
pub fn readable(bytes: &[u8]) -> String {
    std::str::from_utf8(bytes).map_or_else(|_| hex(bytes), ToString::to_string)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("0x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Debezium's letter for an op.
pub fn op_code(op: Op) -> &'static str {
    match op {
        Op::Create => "c",
        Op::Update => "u",
        Op::Delete => "d",
        Op::Read => "r",
        Op::Truncate => "t",
    }
}

/// An op from its letter (`c`, `u`, `d`, `r`, `t`) or name (`create`, `update`…).
pub fn parse_op(s: &str) -> Option<Op> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "c" | "create" | "insert" => Op::Create,
        "u" | "update" => Op::Update,
        "d" | "delete" => Op::Delete,
        "r" | "read" | "snapshot" => Op::Read,
        "t" | "truncate" => Op::Truncate,
        _ => return None,
    })
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's serialize_with passes a reference")]
pub(super) fn serialize_op<S: serde::Serializer>(op: &Op, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(op_code(*op))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPDATE: &[u8] = br#"{"before":{"id":1,"status":"new"},"after":{"id":1,"status":"paid"},
        "source":{"ts_ms":1700000000000,"lsn":42,"txId":7,"schema":"public","table":"orders"},"op":"u"}"#;

    #[test]
    fn decodes_a_change_with_its_key() {
        let e = decode(2, 10, Some(5), Some(br#"{"id":1}"#), Some(UPDATE));
        assert_eq!(e.key, Some(serde_json::json!({"id": 1})));
        let c = e.change().expect("a change");
        assert_eq!((c.op, c.lsn, c.tx_id), (Op::Update, Some(42), Some(7)));
        assert_eq!(c.table.as_deref(), Some("orders"));
        assert_eq!(e.op_label(), "u");
    }

    #[test]
    fn schema_wrappers_come_off() {
        let key = br#"{"schema":{"type":"struct"},"payload":{"id":3}}"#;
        let value = [br#"{"schema":{},"payload":"#.as_slice(), UPDATE, b"}"].concat();
        let e = decode(0, 0, None, Some(key), Some(&value));
        assert_eq!(e.key, Some(serde_json::json!({"id": 3})));
        assert_eq!(e.op_label(), "u");
    }

    #[test]
    fn garbage_is_kept_raw_with_a_reason() {
        let e = decode(0, 1, None, Some(b"k"), Some(b"hello"));
        let Body::Raw { text, reason } = &e.body else { panic!("raw expected: {e:?}") };
        assert_eq!(text, "hello");
        assert!(reason.starts_with("not JSON"), "{reason}");
        assert_eq!(e.key, Some(Value::String("k".into())));
        let e = decode(0, 2, None, None, Some(br#"{"hello":1}"#));
        let Body::Raw { reason, .. } = &e.body else { panic!("raw expected") };
        assert!(reason.starts_with("not a Debezium change event"), "{reason}");
        let e = decode(0, 3, None, None, Some(&[0xff, 0x00]));
        assert!(matches!(&e.body, Body::Raw { text, .. } if text == "0xff00"));
        assert_eq!(decode(0, 4, None, None, None).body, Body::Tombstone);
    }

    #[test]
    fn ops_parse_from_letters_and_names() {
        assert_eq!(parse_op("c"), Some(Op::Create));
        assert_eq!(parse_op(" Update"), Some(Op::Update));
        assert_eq!(parse_op("x"), None);
        assert_eq!(op_code(Op::Read), "r");
    }
}

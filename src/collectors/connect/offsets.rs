//! Kafka Connect's offsets API (KIP-875): read a connector's committed offsets, alter them
//! (`PATCH`) or reset them (`DELETE`). Connect allows the last two only on a STOPPED connector;
//! `offsets_flow` stops it first and resumes it after.
//!
//! Debezium PostgreSQL offsets are decoded (partition `{"server": topic.prefix}`; offset `lsn`,
//! `lsn_proc`, `lsn_commit`, `txId`, `ts_usec`, `messageType`); any other connector's offsets
//! are shown as the worker stores them.

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};

use super::{ConnectError, Offset, Probe, wire};
use crate::pipeline::diff::inflight::Lsn;

/// Where a Debezium PostgreSQL task resumes, decoded from its stored offset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DebeziumPosition {
    /// The partition's `server`: the connector's `topic.prefix`.
    pub server: String,
    /// `lsn`: the last event's LSN.
    pub lsn: Option<String>,
    /// `lsn_proc`: the last completely processed LSN; streaming restarts here (else at `lsn`).
    pub lsn_proc: Option<String>,
    /// `lsn_commit`: the last committed transaction's LSN.
    pub lsn_commit: Option<String>,
    #[serde(rename = "txId")]
    pub tx_id: Option<i64>,
    /// `ts_usec` as RFC 3339.
    pub committed_at: Option<String>,
    #[serde(rename = "messageType")]
    pub message_type: Option<String>,
    /// The offset was written during a snapshot (`snapshot` true).
    pub snapshot: bool,
}

impl DebeziumPosition {
    /// Decodes a Debezium PostgreSQL offset; `None` for any other shape.
    pub fn decode(o: &Offset) -> Option<Self> {
        let server = o.partition.get("server")?.as_str()?.to_string();
        let obj = o.offset.as_object()?;
        let lsn = |k: &str| obj.get(k).and_then(Value::as_u64).map(|n| Lsn(n).to_string());
        if !obj.contains_key("lsn") && !obj.contains_key("lsn_proc") {
            return None;
        }
        let committed_at = obj.get("ts_usec").and_then(Value::as_i64).and_then(|us| {
            let t = std::time::UNIX_EPOCH
                .checked_add(std::time::Duration::from_micros(u64::try_from(us).ok()?))?;
            Some(humantime::format_rfc3339_micros(t).to_string())
        });
        Some(Self {
            server,
            lsn: lsn("lsn"),
            lsn_proc: lsn("lsn_proc"),
            lsn_commit: lsn("lsn_commit"),
            tx_id: obj.get("txId").and_then(Value::as_i64),
            committed_at,
            message_type: obj.get("messageType").and_then(Value::as_str).map(str::to_string),
            snapshot: obj.get("snapshot").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    /// Where streaming resumes: `lsn_proc`, else `lsn` (as Debezium's streaming source reads it).
    pub fn resume_lsn(&self) -> Option<Lsn> {
        self.lsn_proc.as_deref().or(self.lsn.as_deref()).and_then(Lsn::parse)
    }
}

/// One stored offset with its Debezium reading when it is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredOffset {
    pub partition: Value,
    pub offset: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debezium: Option<DebeziumPosition>,
}

impl From<Offset> for StoredOffset {
    fn from(o: Offset) -> Self {
        let debezium = DebeziumPosition::decode(&o);
        Self { partition: o.partition, offset: o.offset, debezium }
    }
}

/// The body of a `PATCH` that makes a Debezium PostgreSQL connector resume at `lsn`: `lsn`,
/// `lsn_proc` and `lsn_commit` all at it, as after a committed transaction (`messageType`
/// COMMIT), so Debezium's WAL position search emits every transaction that commits after it.
pub fn debezium_body(server: &str, lsn: Lsn) -> Value {
    json!({"offsets": [{
        "partition": {"server": server},
        "offset": {"lsn": lsn.0, "lsn_proc": lsn.0, "lsn_commit": lsn.0, "messageType": "COMMIT"},
    }]})
}

/// Checks a raw `--json` body: `{"offsets": [{"partition": {…}, "offset": {…} | null}, …]}`.
pub fn parse_body(text: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let items = v
        .get("offsets")
        .and_then(Value::as_array)
        .ok_or("expected {\"offsets\": [{\"partition\": {…}, \"offset\": {…}}, …]}")?;
    if items.is_empty() {
        return Err("`offsets` is empty: nothing to alter".into());
    }
    for (i, item) in items.iter().enumerate() {
        if !item.get("partition").is_some_and(Value::is_object) {
            return Err(format!("offsets[{i}]: `partition` must be an object"));
        }
        if !item.get("offset").is_some_and(|o| o.is_object() || o.is_null()) {
            return Err(format!("offsets[{i}]: `offset` must be an object (or null to remove it)"));
        }
    }
    Ok(v)
}

/// An LSN as typed: PostgreSQL's `0/16B3A20` or a plain integer.
pub fn parse_lsn(text: &str) -> Result<Lsn, String> {
    let t = text.trim();
    let valid = match t.split_once('/') {
        Some((hi, lo)) => {
            !hi.is_empty()
                && !lo.is_empty()
                && hi.len() <= 8
                && lo.len() <= 8
                && hi.chars().chain(lo.chars()).all(|c| c.is_ascii_hexdigit())
        }
        None => !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()),
    };
    valid.then(|| Lsn::parse(t)).flatten().ok_or_else(|| {
        format!("`{text}` is not an LSN: write it as PostgreSQL does (0/16B3A20) or as an integer")
    })
}

/// The worker's answer to an offsets change, e.g. "The offsets for this connector have been
/// altered successfully"; the body as received when it has no `message`.
fn message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| body.trim().to_string())
}

impl Probe {
    /// `GET /connectors/N/offsets`.
    pub async fn offsets(&self, name: &str) -> Result<Vec<StoredOffset>, ConnectError> {
        let o = self.get::<wire::Offsets>(&["connectors", name, "offsets"], &[]).await?;
        Ok(o.offsets.into_iter().map(StoredOffset::from).collect())
    }

    /// `PATCH /connectors/N/offsets` (the connector must be STOPPED): the worker's message.
    pub async fn alter_offsets(&self, name: &str, body: &Value) -> Result<String, ConnectError> {
        let url = self.url(&["connectors", name, "offsets"], &[])?;
        Ok(message(&self.send(Method::PATCH, url, Some(body)).await?.body))
    }

    /// `DELETE /connectors/N/offsets` (the connector must be STOPPED): the worker's message.
    pub async fn reset_offsets(&self, name: &str) -> Result<String, ConnectError> {
        let url = self.url(&["connectors", name, "offsets"], &[])?;
        Ok(message(&self.send(Method::DELETE, url, None).await?.body))
    }

    /// The connector's state and its tasks' states (`GET /connectors/N/status`).
    pub async fn states(&self, name: &str) -> Result<(String, Vec<String>), ConnectError> {
        let s = self.get::<wire::Status>(&["connectors", name, "status"], &[]).await?;
        let tasks = s.tasks.iter().map(|t| t.state.clone()).collect();
        Ok((s.connector.state, tasks))
    }

    /// The connector's config, unmasked: for reading `slot.name` and such, never for showing.
    pub(super) async fn raw_config(
        &self,
        name: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, ConnectError> {
        self.get(&["connectors", name, "config"], &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debezium_offsets_decode_and_resume_at_lsn_proc() {
        let o = Offset {
            partition: json!({"server": "dbserver1"}),
            offset: json!({"lsn_proc": 575_972_416_u64, "messageType": "COMMIT", "lsn_commit": 575_972_416_u64,
                "lsn": 575_972_400_u64, "txId": 179_231, "ts_usec": 1_796_566_390_151_238_i64}),
        };
        let d = DebeziumPosition::decode(&o).expect("a Debezium offset");
        assert_eq!(d.server, "dbserver1");
        assert_eq!(d.lsn_proc.as_deref(), Some("0/2254A440"));
        assert_eq!(d.lsn.as_deref(), Some("0/2254A430"));
        assert_eq!(d.tx_id, Some(179_231));
        assert_eq!(d.committed_at.as_deref(), Some("2026-12-06T14:13:10.151238Z"));
        assert_eq!(d.resume_lsn(), Some(Lsn(575_972_416)));
        let other = Offset { partition: json!({"file": "a"}), offset: json!({"position": 3}) };
        assert_eq!(DebeziumPosition::decode(&other), None);
        assert!(StoredOffset::from(other).debezium.is_none());
    }

    #[test]
    fn lsns_are_typed_as_postgres_writes_them_or_as_integers() {
        assert_eq!(parse_lsn("0/16B3A20"), Ok(Lsn(0x16B_3A20)));
        assert_eq!(parse_lsn("1/0"), Ok(Lsn(1 << 32)));
        assert_eq!(parse_lsn(" 23810592 "), Ok(Lsn(23_810_592)));
        for bad in ["", "0/", "/1", "0x16", "0/1FFFFFFFF", "-5", "16B3A20"] {
            let e = parse_lsn(bad).unwrap_err();
            assert!(e.contains("is not an LSN"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_set_body_puts_every_debezium_lsn_at_the_target() {
        let b = debezium_body("t21off", Lsn(0x16B_3A20));
        assert_eq!(b["offsets"][0]["partition"], json!({"server": "t21off"}));
        let o = &b["offsets"][0]["offset"];
        assert_eq!(
            (o["lsn"].as_u64(), o["lsn_proc"].as_u64()),
            (Some(0x16B_3A20), Some(0x16B_3A20))
        );
        assert_eq!(o["lsn_commit"].as_u64(), Some(0x16B_3A20));
        assert!(parse_body(&b.to_string()).is_ok());
    }

    #[test]
    fn raw_bodies_are_checked_before_they_are_sent() {
        assert!(parse_body("{").unwrap_err().starts_with("not valid JSON"));
        assert!(parse_body(r#"{"offset":[]}"#).unwrap_err().starts_with("expected"));
        assert!(parse_body(r#"{"offsets":[]}"#).unwrap_err().contains("empty"));
        assert_eq!(
            parse_body(r#"{"offsets":[{"partition":1,"offset":{}}]}"#).unwrap_err(),
            "offsets[0]: `partition` must be an object"
        );
        assert!(parse_body(r#"{"offsets":[{"partition":{"server":"x"},"offset":null}]}"#).is_ok());
    }

    #[test]
    fn the_workers_message_is_shown_as_it_said_it() {
        let said = r#"{"message":"The offsets for this connector have been reset successfully"}"#;
        assert_eq!(message(said), "The offsets for this connector have been reset successfully");
        assert_eq!(message("plain\n"), "plain");
    }
}

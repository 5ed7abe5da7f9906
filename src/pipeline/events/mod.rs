//! Change events of a topic, decoded for reading: by position (from an offset, from a time, the
//! newest N), filtered (ops, key, a column's value), followed live, and searched by key over
//! every partition with bounded memory. A record that is not a Debezium change event is kept
//! raw with the reason, never dropped.

mod columns;
mod decode;
mod filter;
mod partitioner;
mod reader;
mod search;

use serde::Serialize;
use serde_json::{Map, Value};

pub use crate::pipeline::envelope::Op;
pub use columns::{ColumnDiff, Mark, column_diff};
pub use decode::{decode, decode_message, op_code, parse_op};
pub use filter::{Filter, FilterError, Where};
pub use partitioner::{compact_json, key_partition, murmur2};
pub use reader::{Reader, Start, partitions};
pub use search::{
    Found, ScanProgress, SearchOptions, read, read_until, search_key, search_key_blocking,
};

/// One record of a change topic, decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEvent {
    pub partition: i32,
    pub offset: i64,
    /// The record's timestamp (milliseconds since the epoch), when it has one.
    pub timestamp_ms: Option<i64>,
    /// The record key as JSON (a converter's `{"schema", "payload"}` wrapper taken off); `None`
    /// for a null key. A key that is not JSON is a JSON string of its readable text.
    pub key: Option<Value>,
    #[serde(flatten)]
    pub body: Body,
}

/// What a record holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    /// A Debezium change event.
    Change(Change),
    /// The null value that follows a delete (log compaction's marker).
    Tombstone,
    /// Anything else, as readable text (hex when not UTF-8), and why it is not a change event.
    Raw { text: String, reason: String },
}

/// A Debezium change event's fields that matter for reading a row's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    #[serde(serialize_with = "decode::serialize_op")]
    pub op: Op,
    /// The source's WAL position of the change (Debezium's `source.lsn`).
    pub lsn: Option<u64>,
    #[serde(rename = "tx_id")]
    pub tx_id: Option<i64>,
    /// Commit time in the source, milliseconds since the epoch.
    pub source_ts_ms: i64,
    pub schema: Option<String>,
    pub table: Option<String>,
    pub snapshot: bool,
    pub before: Option<Map<String, Value>>,
    pub after: Option<Map<String, Value>>,
}

impl ChangeEvent {
    /// The change, when the record is one.
    pub fn change(&self) -> Option<&Change> {
        match &self.body {
            Body::Change(c) => Some(c),
            _ => None,
        }
    }

    /// The column diff of before and after (empty for a tombstone or a raw record).
    pub fn diff(&self) -> Vec<ColumnDiff> {
        let Some(c) = self.change() else { return Vec::new() };
        let mut d = column_diff(c.before.as_ref(), c.after.as_ref());
        if c.op == Op::Update && c.before.is_none() {
            columns::mark_unknown(&mut d);
        }
        d
    }

    /// `c`, `u`, `d`, `r`, `t`; `tombstone`; `raw`.
    pub fn op_label(&self) -> &'static str {
        match &self.body {
            Body::Change(c) => op_code(c.op),
            Body::Tombstone => "tombstone",
            Body::Raw { .. } => "raw",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("{what}: {source}")]
    Kafka {
        what: String,
        #[source]
        source: rdkafka::error::KafkaError,
    },
    #[error("topic {0} does not exist (or has no partitions)")]
    NoTopic(String),
    #[error("reading {topic}[{partition}] stalled at offset {at} for {waited:?}")]
    Stalled { topic: String, partition: i32, at: i64, waited: std::time::Duration },
    #[error("the reading task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl EventsError {
    pub(crate) fn kafka(
        what: impl Into<String>,
    ) -> impl FnOnce(rdkafka::error::KafkaError) -> Self {
        let what = what.into();
        move |source| Self::Kafka { what, source }
    }
}

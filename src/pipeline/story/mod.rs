//! A row's whole story: the source row now, the row(s) each replica holds for its key, the key's
//! change events on the topic, and where each replica's replicator stands (its applied offset
//! and source LSN per partition, from `cdc.progress`), with a plain verdict per replica: in
//! sync, in flight (events or a source change it has not applied yet: it will settle) or
//! diverged (it applied past the key's last event and still differs: it will not).
//!
//! - `key`: the KEY argument (`{"id":42}`, or a bare value for a one-column key) against the
//!   table's primary key;
//! - `verdict`: the judgement, pure;
//! - `read`: the I/O (source, sink, the key's events through [`crate::pipeline::events`]).

mod key;
mod read;
mod verdict;

use serde::Serialize;
use serde_json::{Map, Value};

pub use key::{KeyError, parse_key};
pub use read::{StoryError, tell};
pub use verdict::{LastEvent, Position, Verdict, judge};

use crate::pipeline::events::ChangeEvent;

/// Everything known of one row, as `row` prints it and the console's story popup shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowStory {
    /// The source table, `schema.table`.
    pub table: String,
    /// Key column → value, typed as the table types them.
    pub key: Map<String, Value>,
    /// The row in the source now; `None` when it is not there (deleted, or never was).
    pub source_row: Option<Map<String, Value>>,
    /// The transaction that last wrote the source row (`xmin`): compared with the last event's
    /// txId, it tells a change not on the topic yet.
    pub source_xmin: Option<i64>,
    /// The table's change topic.
    pub topic: Option<String>,
    /// The key's change events, oldest first (tombstones included).
    pub events: Vec<ChangeEvent>,
    /// Records read to find them; why they could not be read, if they could not.
    pub events_scanned: u64,
    pub events_error: Option<String>,
    pub replicas: Vec<ReplicaStory>,
}

/// One replica of the table: its rows for the key, where its replicator stands, the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicaStory {
    pub replica: String,
    pub sink_table: String,
    /// The sink rows for the key (each with `_source_lsn`, the LSN of the event that wrote it).
    pub rows: Vec<Map<String, Value>>,
    /// Sink columns whose value differs from the source's (mapped through the replica).
    pub differs: Vec<String>,
    /// The replica's applied position per partition of its topic.
    pub applied: Vec<Position>,
    pub verdict: Verdict,
    /// Why, in a sentence.
    pub why: String,
    /// Why the replica could not be read, if it could not.
    pub error: Option<String>,
}

impl RowStory {
    /// The worst verdict over the replicas (diverged, then in flight, then in sync); `None`
    /// without replicas.
    pub fn verdict(&self) -> Option<Verdict> {
        self.replicas.iter().map(|r| r.verdict).max()
    }
}

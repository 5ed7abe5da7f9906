//! An incremental snapshot's progress, folded from Debezium's notifications (aggregate type
//! "Incremental Snapshot"): STARTED names the tables, IN_PROGRESS the table being scanned and
//! its keys, TABLE_SCAN_COMPLETED a table's row count, COMPLETED / ABORTED the end, PAUSED and
//! RESUMED in between. Pure: the reader (`notifications`) feeds records in topic order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The notifications this module understands; others (initial snapshots) are skipped.
pub const AGGREGATE_TYPE: &str = "Incremental Snapshot";

/// One notification record's value, as the sink channel writes it with the JSON converter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Notification {
    /// The correlation id: the id of the execute-snapshot signal that started the snapshot.
    pub id: String,
    pub aggregate_type: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub additional_data: BTreeMap<String, String>,
    #[serde(default)]
    pub timestamp: i64,
}

impl Notification {
    /// The notification in a record's value, or `None` for anything else on the topic.
    pub fn decode(value: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(value).ok().filter(|n| n.aggregate_type == AGGREGATE_TYPE)
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.additional_data
            .get(key)
            .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from))
            .into_iter()
            .flatten()
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStatus {
    Running,
    Paused,
    Completed,
    Aborted,
}

impl SnapshotStatus {
    pub fn is_over(self) -> bool {
        matches!(self, Self::Completed | Self::Aborted)
    }

    pub fn word(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Aborted => "aborted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableState {
    Queued,
    Scanning,
    Done,
    Stopped,
}

impl TableState {
    pub fn word(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Scanning => "scanning",
            Self::Done => "done",
            Self::Stopped => "stopped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableProgress {
    /// As Debezium names it: `schema.table`.
    pub table: String,
    pub state: TableState,
    /// Rows read by the scan, once the table is done (Debezium reports no count before).
    pub rows_scanned: Option<u64>,
    /// Debezium's word for how the scan ended: SUCCEEDED, EMPTY, NO_PRIMARY_KEY, SKIPPED…
    pub scan_status: Option<String>,
    /// The primary key the scan has reached, and the last one it will read.
    pub last_key: Option<String>,
    pub maximum_key: Option<String>,
}

/// One incremental snapshot, named by the id of the signal that started it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotProgress {
    pub id: String,
    pub status: SnapshotStatus,
    pub tables: Vec<TableProgress>,
    /// Epoch milliseconds of the first and latest notification.
    pub started_ms: i64,
    pub updated_ms: i64,
    /// The latest notification's type (STARTED, IN_PROGRESS…).
    pub last_event: String,
}

impl SnapshotProgress {
    fn new(n: &Notification) -> Self {
        Self {
            id: n.id.clone(),
            status: SnapshotStatus::Running,
            tables: Vec::new(),
            started_ms: n.timestamp,
            updated_ms: n.timestamp,
            last_event: n.kind.clone(),
        }
    }

    fn table(&mut self, name: &str) -> &mut TableProgress {
        if let Some(i) = self.tables.iter().position(|t| t.table == name) {
            return &mut self.tables[i];
        }
        self.tables.push(TableProgress {
            table: name.to_string(),
            state: TableState::Queued,
            rows_scanned: None,
            scan_status: None,
            last_key: None,
            maximum_key: None,
        });
        let last = self.tables.len() - 1;
        &mut self.tables[last]
    }

    /// Tables done (or stopped), of all named so far.
    pub fn done(&self) -> usize {
        self.tables
            .iter()
            .filter(|t| matches!(t.state, TableState::Done | TableState::Stopped))
            .count()
    }

    /// Rows scanned by the tables done so far.
    pub fn rows_scanned(&self) -> u64 {
        self.tables.iter().filter_map(|t| t.rows_scanned).sum()
    }

    fn apply(&mut self, n: &Notification) {
        self.updated_ms = n.timestamp;
        self.last_event.clone_from(&n.kind);
        for name in n.list("data_collections") {
            self.table(&name);
        }
        match n.kind.as_str() {
            "IN_PROGRESS" => self.in_progress(n),
            "TABLE_SCAN_COMPLETED" => {
                if let Some(name) = n.additional_data.get("scanned_collection") {
                    let t = self.table(name);
                    t.state = TableState::Done;
                    t.rows_scanned =
                        n.additional_data.get("total_rows_scanned").and_then(|r| r.parse().ok());
                    t.scan_status = n.additional_data.get("status").cloned();
                }
            }
            "COMPLETED" => {
                // A table never reported done did not finish: a stop requested while the
                // snapshot was paused ends it with COMPLETED once resumed, not ABORTED.
                for t in &mut self.tables {
                    if matches!(t.state, TableState::Queued | TableState::Scanning) {
                        t.state = TableState::Stopped;
                    }
                }
                self.status = SnapshotStatus::Completed;
            }
            "PAUSED" => self.status = SnapshotStatus::Paused,
            "RESUMED" => self.status = SnapshotStatus::Running,
            "ABORTED" => self.aborted(n),
            _ => {}
        }
    }

    fn in_progress(&mut self, n: &Notification) {
        let Some(current) = n.additional_data.get("current_collection_in_progress") else {
            return;
        };
        let key = |k: &str| n.additional_data.get(k).filter(|v| !v.contains("<null>")).cloned();
        let (last, max) = (key("last_processed_key"), key("maximum_key"));
        let t = self.table(current);
        t.state = TableState::Scanning;
        t.last_key = last;
        t.maximum_key = max;
    }

    /// A stop names the tables it removed; a stop of everything, or of the last tables left,
    /// ends the snapshot.
    fn aborted(&mut self, n: &Notification) {
        let stopped = n.list("data_collections");
        for name in &stopped {
            let t = self.table(name);
            if t.state != TableState::Done {
                t.state = TableState::Stopped;
            }
        }
        let left = self
            .tables
            .iter()
            .any(|t| matches!(t.state, TableState::Queued | TableState::Scanning));
        if stopped.is_empty() || !left {
            for t in &mut self.tables {
                if matches!(t.state, TableState::Queued | TableState::Scanning) {
                    t.state = TableState::Stopped;
                }
            }
            self.status = SnapshotStatus::Aborted;
        }
    }
}

/// Every snapshot seen on the topic, folded notification by notification, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SnapshotHistory {
    pub snapshots: Vec<SnapshotProgress>,
}

impl SnapshotHistory {
    pub fn apply(&mut self, n: &Notification) {
        let i = if let Some(i) = self.snapshots.iter().position(|s| s.id == n.id) {
            i
        } else {
            self.snapshots.push(SnapshotProgress::new(n));
            self.snapshots.len() - 1
        };
        self.snapshots[i].apply(n);
    }

    pub fn get(&self, id: &str) -> Option<&SnapshotProgress> {
        self.snapshots.iter().find(|s| s.id == id)
    }

    /// The snapshot notified last.
    pub fn latest(&self) -> Option<&SnapshotProgress> {
        self.snapshots.iter().max_by_key(|s| s.updated_ms)
    }
}

#[cfg(test)]
#[path = "progress_tests.rs"]
mod tests;

//! What each table of the screen lists, in display order, after the `/` filter, and the
//! identities of its rows: one answer for the screen (what it draws) and the app (what an action
//! applies to), so the app never asks the drawing code for data.
//!
//! | table | rows in the list | rows in the detail (`detail` set) |
//! |---|---|---|
//! | connectors | connector name, `cluster/name` with several clusters | the connector shown |
//! | topics | topic names (internal ones only when the filter matches them) | partition ids |
//! | brokers | broker ids | (no detail) |
//! | groups | group names | the group's partitions, `topic/partition` |
//!
//! The filter is a case-insensitive substring ([`matches`]); it does not apply in a detail.

use super::snapshots::{
    Broker, BrokerState, ConnectSnapshot, Connector, ConnectorSnapshot, Group, Topic,
};
use super::{Backend, Embedded, Store};

/// The tables whose rows can be selected and acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Connectors,
    Topics,
    Brokers,
    Groups,
    /// The Flink jobs in the processor view, by Flink job id.
    FlinkJobs,
}

/// Case-insensitive substring match, the `/` filter of every table.
pub fn matches(filter: &str, text: &str) -> bool {
    filter.is_empty() || text.to_lowercase().contains(&filter.to_lowercase())
}

/// One listed connector: its identity, the cluster it comes from, and the connector.
#[derive(Debug, Clone)]
pub struct ConnectorRow<'a> {
    pub id: String,
    pub backend: &'a Backend<ConnectSnapshot>,
    pub connector: &'a Connector,
}

/// A Connect cluster's configured name (the backend is named `connect:NAME`).
pub fn cluster_name(b: &Backend<ConnectSnapshot>) -> &str {
    b.name.strip_prefix("connect:").unwrap_or(&b.name)
}

/// A broker's state in one word, as the brokers table shows it and the filter matches it.
pub fn broker_state_word(s: BrokerState) -> &'static str {
    match s {
        BrokerState::Up => "UP",
        BrokerState::Down => "DOWN",
        BrokerState::Unknown => "UNKNOWN",
    }
}

impl Store {
    /// The identities of `table`'s selectable rows, in display order, after `filter`; in the
    /// detail of `detail`, its rows. No table (a view without one) has none.
    pub fn rows(&self, table: Option<Table>, filter: &str, detail: Option<&str>) -> Vec<String> {
        match (table, detail) {
            (None, _) => Vec::new(),
            (Some(Table::FlinkJobs), _) => self
                .flink
                .snapshot()
                .iter()
                .flat_map(|s| &s.jobs)
                .filter(|j| {
                    matches(filter, &j.summary.name)
                        || j.console_job.as_deref().is_some_and(|n| matches(filter, n))
                })
                .map(|j| j.summary.id.clone())
                .collect(),
            (Some(Table::Connectors), Some(d)) => {
                self.connectors().into_iter().filter(|i| i.id == d).map(|i| i.id).collect()
            }
            (Some(Table::Connectors), None) => {
                self.connectors_matching(filter).into_iter().map(|i| i.id).collect()
            }
            (Some(Table::Topics), Some(d)) => self
                .topic(d)
                .map(|t| t.partition_details.iter().map(|p| p.id.to_string()).collect())
                .unwrap_or_default(),
            (Some(Table::Topics), None) => {
                self.topics_matching(filter).into_iter().map(|t| t.name.clone()).collect()
            }
            (Some(Table::Brokers), _) => {
                self.brokers_matching(filter).into_iter().map(|b| b.id.to_string()).collect()
            }
            (Some(Table::Groups), Some(d)) => self
                .group(d)
                .map(|g| {
                    g.partitions.iter().map(|p| format!("{}/{}", p.topic, p.partition)).collect()
                })
                .unwrap_or_default(),
            (Some(Table::Groups), None) => {
                self.groups_matching(filter).into_iter().map(|g| g.name.clone()).collect()
            }
        }
    }

    /// The latest incremental snapshot of a listed connector, when it notifies any.
    pub fn snapshot_of(&self, row: &ConnectorRow<'_>) -> Option<&ConnectorSnapshot> {
        let cluster = self.connect.iter().position(|b| std::ptr::eq(b, row.backend))?;
        self.snapshots.snapshot.as_ref()?.of(cluster, &row.connector.name)
    }

    /// Every connector of every cluster, in display order (cluster order, then name), unfiltered.
    pub fn connectors(&self) -> Vec<ConnectorRow<'_>> {
        let several = self.connect.len() > 1;
        let mut items = Vec::new();
        for b in &self.connect {
            let mut cs: Vec<&Connector> = b.snapshot.iter().flat_map(|s| &s.connectors).collect();
            cs.sort_by(|a, b| a.name.cmp(&b.name));
            for c in cs {
                let id = if several {
                    format!("{}/{}", cluster_name(b), c.name)
                } else {
                    c.name.clone()
                };
                items.push(ConnectorRow { id, backend: b, connector: c });
            }
        }
        items
    }

    /// The connectors whose identity, state, type or class matches `filter`.
    pub fn connectors_matching(&self, filter: &str) -> Vec<ConnectorRow<'_>> {
        let f = filter;
        self.connectors()
            .into_iter()
            .filter(|i| {
                let c = i.connector;
                matches(f, &i.id)
                    || matches(f, &c.state)
                    || matches(f, &c.kind)
                    || matches(f, &c.class)
            })
            .collect()
    }

    /// Every topic of the last Kafka snapshot, internal ones included.
    pub fn topics(&self) -> Vec<&Topic> {
        self.kafka.snapshot.iter().flat_map(|s| &s.topics).collect()
    }

    /// The topics whose name matches `filter`; internal ones only when a non-empty filter
    /// matches them (they are bookkeeping, looked at only on purpose).
    pub fn topics_matching(&self, filter: &str) -> Vec<&Topic> {
        let f = filter;
        self.topics()
            .into_iter()
            .filter(|t| {
                if t.internal { !f.is_empty() && matches(f, &t.name) } else { matches(f, &t.name) }
            })
            .collect()
    }

    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics().into_iter().find(|t| t.name == name)
    }

    /// The brokers whose id, address, rack or state matches `filter`.
    pub fn brokers_matching(&self, filter: &str) -> Vec<&Broker> {
        let f = filter;
        self.kafka
            .snapshot
            .iter()
            .flat_map(|s| &s.brokers)
            .filter(|b| {
                matches(f, &b.id.to_string())
                    || matches(f, &b.address())
                    || matches(f, b.rack.as_deref().unwrap_or(""))
                    || matches(f, broker_state_word(b.state))
            })
            .collect()
    }

    /// The consumer groups whose name matches `filter`.
    pub fn groups_matching(&self, filter: &str) -> Vec<&Group> {
        self.groups
            .snapshot
            .iter()
            .flat_map(|s| &s.groups)
            .filter(|g| matches(filter, &g.name))
            .collect()
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.snapshot.as_ref().and_then(|s| s.group(name))
    }
}

/// A key the last diff found differing: its table, the key as JSON, and whether it diverged
/// (else it is in flight). Listed in the replication view in this order; its story opens from
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffKey {
    /// Identity: `table key`.
    pub id: String,
    pub table: String,
    pub key: String,
    pub diverged: bool,
}

impl Embedded {
    /// The last diff's differing keys, table by table, diverged before in flight (the order the
    /// replication view lists them).
    pub fn diff_keys(&self) -> Vec<DiffKey> {
        let mut out = Vec::new();
        for r in &self.diff.reports {
            let keyed = |d: &super::snapshots::RowDiff, diverged: bool| {
                let key: serde_json::Map<String, serde_json::Value> = r
                    .key_columns
                    .iter()
                    .cloned()
                    .zip(d.key().iter().map(|v| serde_json::Value::String(v.clone())))
                    .collect();
                let key = serde_json::Value::Object(key).to_string();
                DiffKey {
                    id: format!("{} {key}", r.source_table),
                    table: r.source_table.clone(),
                    key,
                    diverged,
                }
            };
            out.extend(r.differences.iter().map(|d| keyed(d, true)));
            out.extend(r.in_flight.iter().map(|d| keyed(d, false)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_ignores_case() {
        assert!(matches("", "x") && matches("CDC", "orders-cdc") && !matches("x", "orders"));
    }
}

//! What the Kafka collector reports: the cluster's brokers and topics, as the TUI draws them and
//! as `brokers`/`topics -o json` print them. Owned and serializable, so a snapshot can cross
//! tasks and be compared with the previous one (the store redraws only on change).

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KafkaSnapshot {
    /// From DescribeCluster; None when it did not answer (the reason is in `warnings`).
    pub cluster_id: Option<String>,
    /// The controller's node id as the cluster reports it. librdkafka's mock cluster reports 0,
    /// which is none of its brokers, so no broker is flagged there.
    pub controller: Option<i32>,
    /// Sorted by id. Includes brokers seen earlier that have left the metadata, shown down.
    pub brokers: Vec<Broker>,
    /// Sorted by name.
    pub topics: Vec<Topic>,
    /// What could be collected only in part, in words: a DescribeCluster that failed, offsets a
    /// broker did not return. The rest of the snapshot is still right.
    pub warnings: Vec<String>,
}

/// A broker's state as the console judges it from metadata and from the client's connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BrokerState {
    Up,
    Down,
    /// No client statistics yet (the first ones arrive one statistics interval after start).
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Broker {
    pub id: i32,
    pub host: String,
    pub port: i32,
    /// `broker.rack`, from DescribeCluster; None when unset or unknown.
    pub rack: Option<String>,
    pub controller: bool,
    pub state: BrokerState,
    /// librdkafka's own word for its connection to this broker (UP, DOWN, CONNECT, TRY_CONNECT,
    /// INIT…); None before the first statistics or when the client has forgotten the broker.
    pub client_state: Option<String>,
    /// Why the broker counts as down; None when it is up.
    pub reason: Option<String>,
    /// Round-trip time of requests over the last statistics interval, in milliseconds; None when
    /// no request went to this broker in that interval.
    pub rtt_avg_ms: Option<f64>,
    pub rtt_p99_ms: Option<f64>,
}

impl Broker {
    /// `host:port`, or "?" for a broker known only as a replica of some partition.
    pub fn address(&self) -> String {
        if self.host.is_empty() { "?".into() } else { format!("{}:{}", self.host, self.port) }
    }

    pub fn is_down(&self) -> bool {
        self.state == BrokerState::Down
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Topic {
    pub name: String,
    /// How many partitions; `partition_details` has one entry per partition.
    pub partitions: usize,
    /// Kafka's own and Connect's bookkeeping topics (`_connect-offsets`, `__consumer_offsets`).
    pub internal: bool,
    /// A per-topic metadata error in words, e.g. "TopicAuthorizationFailed (Broker: Topic
    /// authorization failed)"; its partitions' offsets are then not read.
    pub error: Option<String>,
    /// Records appended per second over the last two polls (sum of the partitions' log-end
    /// offset deltas); None on the first poll or when no partition had offsets both times.
    pub messages_per_sec: Option<f64>,
    pub partition_details: Vec<Partition>,
}

impl Topic {
    pub fn under_replicated(&self) -> usize {
        self.partition_details.iter().filter(|p| p.under_replicated).count()
    }

    pub fn offline(&self) -> usize {
        self.partition_details.iter().filter(|p| p.offline).count()
    }

    /// Whether `topics` should exit non-zero for this topic: an error, or a partition offline or
    /// under-replicated.
    pub fn is_unhealthy(&self) -> bool {
        self.error.is_some() || self.partition_details.iter().any(|p| p.offline || p.under_replicated)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Partition {
    pub id: i32,
    /// None when the partition has no leader (offline).
    pub leader: Option<i32>,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    /// Fewer in-sync replicas than replicas.
    pub under_replicated: bool,
    /// No leader: nothing can be produced to or fetched from it.
    pub offline: bool,
    /// The earliest offset still in the log (ListOffsets "earliest").
    pub log_start_offset: Option<i64>,
    /// The offset the next record will get, the high watermark (ListOffsets "latest").
    pub log_end_offset: Option<i64>,
    /// A metadata error for this partition, or why its offsets could not be read.
    pub error: Option<String>,
}

impl Partition {
    /// A partition as metadata describes it, with the flags derived; offsets come later.
    /// `leader` is the protocol's value, -1 meaning none.
    pub fn from_metadata(id: i32, leader: i32, replicas: &[i32], isr: &[i32], error: Option<String>) -> Self {
        let leader = (leader >= 0).then_some(leader);
        Self {
            id,
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            under_replicated: isr.len() < replicas.len(),
            offline: leader.is_none(),
            log_start_offset: None,
            log_end_offset: None,
            error,
        }
    }

    /// Records in the log: end − start, when both are known.
    pub fn records(&self) -> Option<i64> {
        Some(self.log_end_offset? - self.log_start_offset?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_leader_and_isr() {
        let ok = Partition::from_metadata(0, 2, &[1, 2, 3], &[2, 3, 1], None);
        assert_eq!(ok.leader, Some(2));
        assert!(!ok.under_replicated && !ok.offline);

        let lagging = Partition::from_metadata(1, 1, &[1, 2, 3], &[1], None);
        assert!(lagging.under_replicated && !lagging.offline);

        let leaderless = Partition::from_metadata(2, -1, &[1, 2, 3], &[1, 2, 3], Some("LeaderNotAvailable (Broker: Leader not available)".into()));
        assert_eq!(leaderless.leader, None);
        assert!(leaderless.offline && !leaderless.under_replicated);

        let topic = Topic { name: "t".into(), partitions: 3, partition_details: vec![ok, lagging, leaderless], ..Topic::default() };
        assert_eq!((topic.under_replicated(), topic.offline()), (1, 1));
        assert!(topic.is_unhealthy());
    }

    #[test]
    fn broker_state_serializes_upper_case() {
        let b = Broker { id: 1, host: "h".into(), port: 9092, state: BrokerState::Up, ..Broker::default() };
        let json = serde_json::to_value(&b).unwrap_or_default();
        assert_eq!(json["state"], "UP");
        assert_eq!(b.address(), "h:9092");
    }
}

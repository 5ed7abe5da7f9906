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
    /// The topic's effective `min.insync.replicas` (its own or the brokers' default), from
    /// DescribeConfigs; None until read, or when the cluster does not say (see `warnings`).
    pub min_insync_replicas: Option<i32>,
    pub partition_details: Vec<Partition>,
}

impl Topic {
    pub fn under_replicated(&self) -> usize {
        self.partition_details.iter().filter(|p| p.under_replicated).count()
    }

    pub fn offline(&self) -> usize {
        self.partition_details.iter().filter(|p| p.offline).count()
    }

    /// Partitions that refuse writes with acks=all: fewer in-sync replicas than
    /// `min.insync.replicas`.
    pub fn below_min_isr(&self) -> usize {
        self.partition_details.iter().filter(|p| p.below_min_isr).count()
    }

    /// Whether `topics` should exit non-zero for this topic: an error, or a partition offline,
    /// under-replicated or below min.insync.replicas.
    pub fn is_unhealthy(&self) -> bool {
        self.error.is_some()
            || self
                .partition_details
                .iter()
                .any(|p| p.offline || p.under_replicated || p.below_min_isr)
    }

    /// Records the topic's `min.insync.replicas` and flags each partition against it (see
    /// [`Partition::apply_min_isr`]). Called after the offsets, whose errors come first.
    pub fn apply_min_isr(&mut self, min: Option<i32>) {
        self.min_insync_replicas = min;
        for p in &mut self.partition_details {
            p.apply_min_isr(min);
        }
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
    /// Fewer in-sync replicas than the topic's `min.insync.replicas` (false while that is
    /// unknown): the leader refuses writes with acks=all (NOT_ENOUGH_REPLICAS), which is what
    /// Debezium and the console produce with, so the pipeline stalls here. Counted as
    /// `kafka-topics --under-min-isr-partitions` does, ISR size against the minimum.
    pub below_min_isr: bool,
    /// The earliest offset still in the log (ListOffsets "earliest").
    pub log_start_offset: Option<i64>,
    /// The offset the next record will get, the high watermark (ListOffsets "latest").
    pub log_end_offset: Option<i64>,
    /// A metadata error for this partition, or why its offsets could not be read; otherwise,
    /// when it is below min.insync.replicas, why it refuses writes ([`Partition::min_isr_reason`]).
    pub error: Option<String>,
}

impl Partition {
    /// A partition as metadata describes it, with the flags derived; offsets come later.
    /// `leader` is the protocol's value, -1 meaning none.
    pub fn from_metadata(
        id: i32,
        leader: i32,
        replicas: &[i32],
        isr: &[i32],
        error: Option<String>,
    ) -> Self {
        let leader = (leader >= 0).then_some(leader);
        Self {
            id,
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            under_replicated: isr.len() < replicas.len(),
            offline: leader.is_none(),
            below_min_isr: false,
            log_start_offset: None,
            log_end_offset: None,
            error,
        }
    }

    /// Records in the log: end − start, when both are known.
    pub fn records(&self) -> Option<i64> {
        Some(self.log_end_offset? - self.log_start_offset?)
    }

    /// Sets `below_min_isr` against the topic's `min.insync.replicas` (None: unknown, not
    /// flagged), and puts the reason in `error` unless that already says something.
    pub fn apply_min_isr(&mut self, min: Option<i32>) {
        let below = min.filter(|&m| usize::try_from(m).is_ok_and(|m| self.isr.len() < m));
        self.below_min_isr = below.is_some();
        if let (Some(m), None) = (below, &self.error) {
            self.error = Some(self.min_isr_reason(m));
        }
    }

    /// Why a partition below `min` refuses writes, e.g. "1 in-sync replica of 3, below
    /// min.insync.replicas=2: writes with acks=all are refused".
    pub fn min_isr_reason(&self, min: i32) -> String {
        let (isr, replicas) = (self.isr.len(), self.replicas.len());
        let noun = if isr == 1 { "replica" } else { "replicas" };
        format!(
            "{isr} in-sync {noun} of {replicas}, below min.insync.replicas={min}: writes with acks=all are refused"
        )
    }

    /// What is wrong with this partition in words, for a PROBLEM/ERROR column: its error and,
    /// when below `min` and the error says something else, the min ISR reason too.
    pub fn problem(&self, min: Option<i32>) -> Option<String> {
        let reason = min.filter(|_| self.below_min_isr).map(|m| self.min_isr_reason(m));
        match (&self.error, reason) {
            (Some(e), Some(r)) if *e != r => Some(format!("{e}; {r}")),
            (Some(e), _) => Some(e.clone()),
            (None, r) => r,
        }
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

        let leaderless = Partition::from_metadata(
            2,
            -1,
            &[1, 2, 3],
            &[1, 2, 3],
            Some("LeaderNotAvailable (Broker: Leader not available)".into()),
        );
        assert_eq!(leaderless.leader, None);
        assert!(leaderless.offline && !leaderless.under_replicated);

        let topic = Topic {
            name: "t".into(),
            partitions: 3,
            partition_details: vec![ok, lagging, leaderless],
            ..Topic::default()
        };
        assert_eq!((topic.under_replicated(), topic.offline()), (1, 1));
        assert!(topic.is_unhealthy());
    }

    #[test]
    fn an_isr_below_min_insync_replicas_refuses_writes_and_says_why() {
        let topic = |min| {
            let mut t = Topic {
                name: "t".into(),
                partitions: 4,
                partition_details: vec![
                    Partition::from_metadata(0, 1, &[1, 2, 3], &[1, 2, 3], None),
                    Partition::from_metadata(1, 1, &[1, 2, 3], &[1, 2], None),
                    Partition::from_metadata(2, 1, &[1, 2, 3], &[1], None),
                    Partition::from_metadata(
                        3,
                        2,
                        &[1, 2, 3],
                        &[2],
                        Some("log offsets from broker 2: timed out".into()),
                    ),
                ],
                ..Topic::default()
            };
            t.apply_min_isr(min);
            t
        };
        let flags = |t: &Topic| {
            t.partition_details
                .iter()
                .map(|p| (p.under_replicated, p.below_min_isr))
                .collect::<Vec<_>>()
        };

        let known = topic(Some(2));
        assert_eq!(known.min_insync_replicas, Some(2));
        assert_eq!(flags(&known), [(false, false), (true, false), (true, true), (true, true)]);
        assert_eq!((known.under_replicated(), known.below_min_isr()), (3, 2));
        let [ok, urp, below, busy] = &known.partition_details[..] else { panic!("{known:#?}") };
        assert_eq!((ok.error.as_deref(), urp.error.as_deref()), (None, None));
        let reason =
            "1 in-sync replica of 3, below min.insync.replicas=2: writes with acks=all are refused";
        assert_eq!(below.error.as_deref(), Some(reason));
        assert_eq!(below.problem(Some(2)).as_deref(), Some(reason), "said once");
        assert_eq!(
            busy.error.as_deref(),
            Some("log offsets from broker 2: timed out"),
            "an earlier error is kept"
        );
        assert_eq!(
            busy.problem(Some(2)),
            Some(format!("log offsets from broker 2: timed out; {reason}"))
        );
        assert_eq!(urp.problem(Some(2)), None);
        assert_eq!(
            Partition { isr: vec![], ..below.clone() }.min_isr_reason(2),
            "0 in-sync replicas of 3, below min.insync.replicas=2: writes with acks=all are refused"
        );

        let unknown = topic(None);
        assert_eq!(unknown.below_min_isr(), 0, "not flagged while min.insync.replicas is unknown");
        assert_eq!(unknown.partition_details[2].error, None);
        assert_eq!(topic(Some(1)).below_min_isr(), 0);
        assert_eq!(topic(Some(3)).below_min_isr(), 3);

        let only_below = Topic {
            partition_details: vec![Partition { under_replicated: false, ..below.clone() }],
            ..Topic::default()
        };
        assert!(only_below.is_unhealthy());
        let json = serde_json::to_value(&known).unwrap_or_default();
        assert_eq!(
            (
                json["min_insync_replicas"].as_i64(),
                json["partition_details"][2]["below_min_isr"].as_bool()
            ),
            (Some(2), Some(true))
        );
    }

    #[test]
    fn broker_state_serializes_upper_case() {
        let b = Broker {
            id: 1,
            host: "h".into(),
            port: 9092,
            state: BrokerState::Up,
            ..Broker::default()
        };
        let json = serde_json::to_value(&b).unwrap_or_default();
        assert_eq!(json["state"], "UP");
        assert_eq!(b.address(), "h:9092");
    }
}

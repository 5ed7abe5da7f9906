//! What the groups collector reports: owned values the TUI and the CLI read alike.

use serde::Serialize;

use crate::collectors::lag::history::Rates;
use crate::collectors::lag::seconds::LagSeconds;
use crate::collectors::lag::verdict::Verdict;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupsSnapshot {
    pub groups: Vec<Group>,
    /// Why the broker could not list or describe groups (the mock cluster has no ListGroups),
    /// or why the partitions shown are the previous poll's (metadata failed); the groups shown
    /// then come from the watched names and the console's own consumers.
    pub listing_error: Option<String>,
}

impl GroupsSnapshot {
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub name: String,
    /// As the broker says (Stable, Empty, PreparingRebalance, …), or "Unknown".
    pub state: String,
    /// "consumer" for Kafka consumers, "connect" for Connect workers, … (may be empty).
    pub protocol_type: String,
    /// The assignor (range, roundrobin, cooperative-sticky, …), when the broker says.
    pub protocol: String,
    pub members: Vec<Member>,
    /// Every partition of each topic the group committed to or is assigned.
    pub partitions: Vec<PartitionLag>,
    /// Sum of the lag of the partitions with a commit; None when nothing is committed.
    pub total_lag: Option<u64>,
    pub max_lag: Option<u64>,
    pub max_lag_seconds: Option<f64>,
    /// Burrow's group status: OK, WARN or ERR.
    pub verdict: Verdict,
    /// The partition behind an ERR or WARN (the worst one, largest lag first).
    pub worst: Option<PartitionRef>,
    /// How full the commit windows are, 0 to 1 (Burrow's `complete`); verdicts on a thin window
    /// are OK by rule, so this says how much they are worth.
    pub complete: f64,
    pub rates: Option<Rates>,
    /// Seconds to catch up at the current rates; None when not gaining on the producers.
    pub eta_seconds: Option<f64>,
    /// Total lag per poll, oldest first, for a sparkline.
    pub lag_history: Vec<u64>,
    /// Why the committed offsets could not be read, when they could not.
    pub error: Option<String>,
    /// Why the verdict is ERR when a committed offset lies outside its partition's log (data
    /// lost): the worst such partition's reason, named, and how many more there are.
    pub reason: Option<String>,
    /// Records deleted by retention before the group consumed them, summed over its partitions;
    /// None when no partition lost a known count.
    pub lost: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionRef {
    pub topic: String,
    pub partition: i32,
    pub verdict: Verdict,
}

/// Where a member's facts come from: the broker's group description, or the console's own
/// consumers (when the broker does not describe groups, or leaves the fields empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberSource {
    Broker,
    Console,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    /// Topic → partitions, sorted; None when the assignment is unknown or not in the consumer
    /// protocol's format (Connect's groups).
    pub assignment: Option<Vec<TopicAssignment>>,
    pub source: MemberSource,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TopicAssignment {
    pub topic: String,
    pub partitions: Vec<i32>,
}

/// One row of `kafka-consumer-groups --describe`, plus lag in seconds and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    /// The committed offset; None when the group committed nothing here.
    pub current_offset: Option<i64>,
    /// The first offset still in the log (retention deletes below it); None when unknown.
    pub log_start_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    /// Log end − committed, floored at 0; None without a commit or a log end, and when the
    /// commit is beyond the log end (a recreated topic: never 0, never caught up).
    pub lag: Option<u64>,
    pub lag_seconds: Option<LagSeconds>,
    pub consumer_id: Option<String>,
    pub host: Option<String>,
    pub client_id: Option<String>,
    pub verdict: Verdict,
    /// Why the log end of this partition is unknown.
    pub error: Option<String>,
    /// Why the verdict is ERR when the committed offset lies outside the log: beyond its end
    /// (topic recreated or truncated) or before its start (records deleted by retention).
    pub reason: Option<String>,
    /// Records deleted by retention before they were consumed (committed before the log start).
    pub lost: Option<u64>,
}

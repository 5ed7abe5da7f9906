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

/// Lag of at most this many seconds, consumed as fast as produced, is caught up.
pub const CAUGHT_UP_SECONDS: f64 = 10.0;

/// The console's stage that consumes as `group`, by its group id.
pub fn console_stage(group: &str) -> Option<String> {
    if group == crate::pipeline::replicator::GROUP_ID {
        return Some("replicator".into());
    }
    let job = group.strip_prefix(crate::pipeline::processor::GROUP_PREFIX)?;
    Some(format!("processor job {job}"))
}

/// Caught up: no lag; or consuming, as fast as the producers (within a tenth), with at most
/// [`CAUGHT_UP_SECONDS`] of lag (in time when known, else in records at the produce rate).
pub fn keeping_up(
    total_lag: Option<u64>,
    max_lag_seconds: Option<f64>,
    rates: Option<Rates>,
) -> bool {
    match (total_lag, rates) {
        (Some(0), _) => true,
        (Some(lag), Some(r)) => {
            let small = max_lag_seconds
                .map_or(lag as f64 <= r.produce_per_s * CAUGHT_UP_SECONDS, |s| {
                    s <= CAUGHT_UP_SECONDS
                });
            r.consume_per_s > 0.0 && r.consume_per_s >= 0.9 * r.produce_per_s && small
        }
        _ => false,
    }
}

impl Group {
    /// The state as a person reads it: a group of the console's own stages without members
    /// says who consumes it, not "Empty".
    pub fn state_word(&self) -> String {
        match &self.consumed_by {
            Some(stage) if self.members.is_empty() => format!("console {stage}"),
            _ => self.state.clone(),
        }
    }
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
    /// Keeping up: no lag, or a small steady one that keeps being consumed as fast as it is
    /// produced (a consumer that commits after each batch always trails a little); its ETA is
    /// not "never".
    pub caught_up: bool,
    /// The console's own stage behind this group ("replicator", "processor job NAME"), by its
    /// group id: they assign their partitions themselves, so the broker lists no members.
    pub consumed_by: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consoles_stages_are_named_by_their_group_ids() {
        assert_eq!(console_stage("cdc-console-replicator").as_deref(), Some("replicator"));
        assert_eq!(
            console_stage("cdc-console-processor-orders_by_status").as_deref(),
            Some("processor job orders_by_status")
        );
        assert_eq!(console_stage("orders-sink"), None);
    }

    #[test]
    fn a_steady_small_lag_consumed_as_produced_is_caught_up_and_a_growing_one_is_not() {
        let r = |consume_per_s, produce_per_s| Some(Rates { consume_per_s, produce_per_s });
        assert!(keeping_up(Some(0), None, None));
        assert!(keeping_up(Some(40), Some(0.8), r(50.0, 50.0)));
        assert!(keeping_up(Some(40), None, r(50.0, 50.0)), "40 records at 50/s: under 10 s");
        assert!(!keeping_up(Some(40), Some(0.8), r(0.0, 50.0)), "not consuming");
        assert!(!keeping_up(Some(40), Some(0.8), r(30.0, 50.0)), "falling behind");
        assert!(!keeping_up(Some(4_000), Some(80.0), r(50.0, 50.0)), "steady but large");
        assert!(!keeping_up(Some(40), None, None), "pace unknown");
    }
}

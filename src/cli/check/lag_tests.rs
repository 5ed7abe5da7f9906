use super::*;
use crate::collectors::lag::seconds::{Estimate, LagSeconds};
use crate::collectors::lag::verdict::Verdict;

fn partition(topic: &str, p: i32, lag: Option<u64>, seconds: Option<f64>) -> PartitionLag {
    PartitionLag {
        topic: topic.into(),
        partition: p,
        current_offset: lag.map(|_| 10),
        log_start_offset: Some(0),
        log_end_offset: Some(10 + lag.unwrap_or(0) as i64),
        lag,
        lag_seconds: seconds
            .map(|seconds| LagSeconds { seconds, estimate: Estimate::RecordTimestamp }),
        consumer_id: None,
        host: None,
        client_id: None,
        verdict: Verdict::Ok,
        error: None,
        reason: None,
        lost: None,
    }
}

fn group(partitions: Vec<PartitionLag>) -> Group {
    Group {
        name: "cdc-console-replicator".into(),
        state: "Empty".into(),
        protocol_type: String::new(),
        protocol: String::new(),
        members: Vec::new(),
        partitions,
        total_lag: None,
        max_lag: None,
        max_lag_seconds: None,
        verdict: Verdict::Ok,
        worst: None,
        complete: 0.0,
        rates: None,
        eta_seconds: None,
        caught_up: false,
        consumed_by: None,
        lag_history: Vec::new(),
        error: None,
        reason: None,
        lost: None,
    }
}

const LIMITS: Limits = Limits { offsets: Some(100), seconds: 60.0 };

#[test]
fn only_the_configured_topics_count_against_the_limits() {
    // Another pipeline's topic, far behind, shares the replicator's group.
    let g = group(vec![
        partition("mine", 0, Some(3), Some(1.5)),
        partition("theirs", 0, Some(90_000), Some(7200.0)),
    ]);
    let mine: BTreeSet<String> = ["mine".to_string()].into();
    let c = judge(&g, Some(&mine), LIMITS);
    assert_eq!(c.result, Outcome::Pass, "{c:?}");
    assert_eq!(c.reason, "max lag 3 offsets, 1.5s on 1 partition(s) (limits: 100 offsets, 60s)");
    // Named with --group: every topic counts.
    let c = judge(&g, None, LIMITS);
    assert_eq!(c.result, Outcome::Fail);
    assert_eq!(c.reason, "theirs[0]: lag 90000 offsets > 100");
}

#[test]
fn lag_in_seconds_a_topic_never_consumed_and_an_unknown_lag_fail() {
    let g = group(vec![partition("a", 0, Some(5), Some(61.0)), partition("a", 1, None, None)]);
    let topics: BTreeSet<String> = ["a".to_string(), "b".to_string()].into();
    let c = judge(&g, Some(&topics), Limits { offsets: None, seconds: 60.0 });
    assert_eq!(c.result, Outcome::Fail);
    assert_eq!(
        c.details,
        [
            "b: nothing committed by cdc-console-replicator (has it consumed yet?)",
            "a[0]: 61.0s behind > 60s (5 offsets)",
            "a[1]: lag unknown: nothing committed",
        ]
    );
    assert_eq!(
        c.reason,
        "b: nothing committed by cdc-console-replicator (has it consumed yet?); a[0]: 61.0s behind > 60s (5 offsets) and 1 more"
    );
}

//! From raw answers to rows, totals, lag in seconds and verdicts, over recorded polls.

use super::*;
use crate::collectors::groups::model::{MemberSource, TopicAssignment};
use crate::collectors::lag::seconds::Estimate;

fn described(name: &str, members: Vec<Member>) -> Described {
    Described {
        members,
        state: "Stable".into(),
        protocol_type: "consumer".into(),
        ..Described::unknown(name)
    }
}

fn member(id: &str, topic: &str, partitions: &[i32]) -> Member {
    Member {
        member_id: id.into(),
        client_id: format!("client-{id}"),
        host: "/127.0.0.1".into(),
        assignment: Some(vec![TopicAssignment {
            topic: topic.into(),
            partitions: partitions.to_vec(),
        }]),
        source: MemberSource::Broker,
    }
}

/// One poll of group `g` on topic `t` (3 partitions) with these commits and log ends.
fn poll(at: f64, members: Vec<Member>, committed: &[(i32, i64)], ends: &[i64]) -> Observation {
    let mut o = Observation { at, ..Observation::default() };
    o.groups.insert("g".into(), described("g", members));
    o.topics.insert("t".into(), vec![0, 1, 2]);
    o.committed.insert(
        "g".into(),
        Ok(committed.iter().map(|&(p, off)| (("t".to_string(), p), off)).collect()),
    );
    o.log_ends =
        ends.iter().enumerate().map(|(p, e)| (("t".to_string(), p as i32), Ok(*e))).collect();
    o
}

#[test]
fn rows_are_log_end_minus_committed_with_a_dash_where_nothing_is_committed() {
    let mut t = Tracker::default();
    let members = vec![member("m-a", "t", &[0, 1]), member("m-b", "t", &[2])];
    let s = t.observe(poll(100.0, members, &[(0, 40), (1, 100)], &[100, 100, 7]));
    let g = s.group("g").expect("group g");
    let rows: Vec<_> = g
        .partitions
        .iter()
        .map(|p| (p.partition, p.current_offset, p.log_end_offset, p.lag))
        .collect();
    assert_eq!(
        rows,
        [
            (0, Some(40), Some(100), Some(60)),
            (1, Some(100), Some(100), Some(0)),
            (2, None, Some(7), None)
        ]
    );
    assert_eq!((g.total_lag, g.max_lag), (Some(60), Some(60)));
    let owners: Vec<_> =
        g.partitions.iter().map(|p| (p.consumer_id.as_deref(), p.client_id.as_deref())).collect();
    assert_eq!(
        owners,
        [
            (Some("m-a"), Some("client-m-a")),
            (Some("m-a"), Some("client-m-a")),
            (Some("m-b"), Some("client-m-b"))
        ]
    );
    assert_eq!(g.partitions[0].lag_seconds, None, "one point: unknown");
    assert_eq!(g.partitions[1].lag_seconds.map(|l| l.estimate), Some(Estimate::CaughtUp));
}

#[test]
fn a_group_without_commits_has_no_rows_and_no_total() {
    let mut t = Tracker::default();
    let s = t.observe(poll(1.0, vec![], &[], &[5, 5, 5]));
    let g = s.group("g").expect("group g");
    assert!(g.partitions.is_empty());
    assert_eq!((g.total_lag, g.max_lag, g.verdict), (None, None, Verdict::Ok));
}

#[test]
fn lag_in_seconds_is_interpolated_across_polls() {
    let mut t = Tracker::default();
    // 10 records/s on partition 0; the consumer stays 50 records behind.
    let mut s = None;
    for i in 0..5 {
        let at = 100.0 + 2.0 * i as f64;
        let end = 20 * i + 100;
        s = Some(t.observe(poll(at, vec![], &[(0, end - 50)], &[end, 0, 0])));
    }
    let p = &s.expect("polled").groups[0].partitions[0];
    let l = p.lag_seconds.expect("known after several polls");
    assert_eq!((l.seconds, l.estimate), (5.0, Estimate::Interpolated));
}

#[test]
fn a_stopped_partition_makes_the_group_err_and_is_named() {
    let mut t = Tracker::default();
    let mut last = None;
    // Moves for 5 polls, then neither moves nor has an owner while the log end grows.
    for i in 0..12i64 {
        let at = 2.0 * i as f64;
        let committed = if i < 5 { 100 * i + (i % 2) * 30 } else { 430 };
        last =
            Some(t.observe(poll(at, vec![], &[(0, committed), (1, 0)], &[1000 + 100 * i, 0, 0])));
    }
    let g = &last.expect("polled").groups[0];
    assert_eq!(g.verdict, Verdict::Err);
    assert_eq!(
        g.worst,
        Some(PartitionRef { topic: "t".into(), partition: 0, verdict: Verdict::Stop })
    );
    assert_eq!(g.partitions[1].verdict, Verdict::Ok, "caught up");
}

#[test]
fn history_rates_and_eta_follow_the_group() {
    let mut t = Tracker::default();
    let mut last = None;
    // Consumes 300/s, production 100/s, starting 4000 behind.
    for i in 0..6 {
        let at = 2.0 * i as f64;
        last = Some(t.observe(poll(at, vec![], &[(0, 600 * i)], &[4000 + 200 * i, 0, 0])));
    }
    let g = &last.expect("polled").groups[0];
    assert_eq!(g.lag_history, [4000, 3600, 3200, 2800, 2400, 2000]);
    let r = g.rates.expect("rates");
    assert_eq!((r.consume_per_s, r.produce_per_s), (300.0, 100.0));
    assert_eq!(g.eta_seconds, Some(10.0));
}

#[test]
fn errors_are_kept_per_group_and_per_partition() {
    let mut t = Tracker::default();
    let mut o = poll(1.0, vec![], &[(0, 1), (1, 1)], &[5, 5, 5]);
    o.log_ends.insert(("t".into(), 1), Err("leader 2: timed out".into()));
    o.groups.insert("h".into(), described("h", vec![]));
    o.committed.insert("h".into(), Err("coordinator not available".into()));
    let s = t.observe(o);
    let g = s.group("g").expect("g");
    assert_eq!(
        (g.partitions[1].lag, g.partitions[1].error.as_deref()),
        (None, Some("leader 2: timed out"))
    );
    assert_eq!(g.total_lag, Some(4));
    assert_eq!(s.group("h").and_then(|h| h.error.as_deref()), Some("coordinator not available"));
}

#[test]
fn state_of_vanished_partitions_and_groups_is_dropped() {
    let mut t = Tracker::default();
    t.observe(poll(1.0, vec![], &[(0, 1)], &[5, 5, 5]));
    assert_eq!((t.tables.len(), t.windows.len(), t.histories.len()), (3, 1, 1));
    t.observe(Observation { at: 2.0, ..Observation::default() });
    assert_eq!((t.tables.len(), t.windows.len(), t.histories.len()), (0, 0, 0));
}

#[test]
fn a_commit_beyond_the_log_end_is_err_with_the_reason_never_caught_up() {
    let mut t = Tracker::default();
    // The topic was recreated: partition 0's log end fell from ~91k to 33,479.
    let mut s = t.observe(poll(1.0, vec![], &[(0, 91_418), (1, 10)], &[91_418, 10, 0]));
    assert_eq!(s.groups[0].verdict, Verdict::Ok);
    for i in 2..6 {
        s = t.observe(poll(f64::from(i), vec![], &[(0, 91_418), (1, 10)], &[33_479, 10, 0]));
    }
    let g = s.group("g").expect("g");
    let p = &g.partitions[0];
    assert_eq!((p.verdict, p.lag, p.lag_seconds, p.lost), (Verdict::Err, None, None, None));
    let reason = "committed offset 91418 is beyond the log end 33479: the topic was recreated \
                  or truncated; records written since are not being consumed";
    assert_eq!(p.reason.as_deref(), Some(reason));
    assert_eq!(g.verdict, Verdict::Err);
    assert_eq!(g.reason, Some(format!("t[0]: {reason}")));
    assert_eq!(
        g.worst,
        Some(PartitionRef { topic: "t".into(), partition: 0, verdict: Verdict::Err })
    );
    assert_eq!((g.partitions[1].verdict, g.partitions[1].reason.as_deref()), (Verdict::Ok, None));
    assert_eq!(g.total_lag, Some(0), "only the partitions whose lag is known");
}

#[test]
fn a_commit_before_the_log_start_is_err_with_the_records_lost() {
    let mut t = Tracker::default();
    let mut o = poll(1.0, vec![], &[(0, 120), (1, 5000), (2, 30)], &[9000, 9000, 40]);
    o.log_starts = [(0, 5000), (1, 5000)]
        .into_iter()
        .map(|(p, s)| (("t".to_string(), p), Ok(s)))
        .chain([(("t".to_string(), 2), Err("timed out".to_string()))])
        .collect();
    let s = t.observe(o);
    let g = s.group("g").expect("g");
    let rows: Vec<_> = g
        .partitions
        .iter()
        .map(|p| (p.partition, p.log_start_offset, p.lag, p.verdict, p.lost))
        .collect();
    assert_eq!(
        rows,
        [
            (0, Some(5000), Some(8880), Verdict::Err, Some(4880)),
            (1, Some(5000), Some(4000), Verdict::Ok, None),
            (2, None, Some(10), Verdict::Ok, None),
        ]
    );
    let reason = "committed offset 120 is before the log start 5000: 4880 records were deleted \
                  by retention before they were consumed";
    assert_eq!(g.partitions[0].reason.as_deref(), Some(reason));
    assert_eq!((g.verdict, g.lost), (Verdict::Err, Some(4880)));
    assert_eq!(g.reason, Some(format!("t[0]: {reason}")));
}

#[test]
fn data_lost_is_the_worst_partition_and_the_others_are_counted() {
    let mut t = Tracker::default();
    let mut s = None;
    // Partition 0 stops (STOP, worse than ERR in Burrow's order); 1 and 2 are out of range.
    for i in 0..12i64 {
        let committed = if i < 5 { 100 * i + (i % 2) * 30 } else { 430 };
        let mut o = poll(
            2.0 * i as f64,
            vec![],
            &[(0, committed), (1, 50), (2, 60)],
            &[1000 + 100 * i, 40, 90],
        );
        o.log_starts = [(("t".to_string(), 2), Ok(75))].into_iter().collect();
        s = Some(t.observe(o));
    }
    let g = &s.expect("polled").groups[0];
    assert_eq!(g.partitions[0].verdict, Verdict::Stop);
    assert_eq!(
        g.worst.as_ref().map(|w| (w.partition, w.verdict)),
        Some((2, Verdict::Err)),
        "a known lag first"
    );
    assert!(
        g.reason
            .as_deref()
            .is_some_and(|r| r.starts_with("t[2]: committed offset 60 is before the log start 75")
                && r.ends_with(" (and 1 more partition)")),
        "{:?}",
        g.reason
    );
}

//! Which partitions get a record read, how many per poll, what is kept, and what a read changes.

use super::*;
use crate::collectors::groups::model::Group;
use crate::collectors::lag::verdict::Verdict;

fn secs(seconds: f64, estimate: Estimate) -> LagSeconds {
    LagSeconds { seconds, estimate }
}

/// A row of topic "t" committed at `offset`, `lag` behind, with this lag in seconds.
fn row(partition: i32, offset: i64, lag: u64, seconds: Option<LagSeconds>) -> PartitionLag {
    PartitionLag {
        topic: "t".into(),
        partition,
        current_offset: Some(offset),
        log_start_offset: Some(0),
        log_end_offset: Some(offset + lag as i64),
        lag: Some(lag),
        lag_seconds: seconds,
        consumer_id: None,
        host: None,
        client_id: None,
        verdict: Verdict::Ok,
        error: None,
        reason: None,
        lost: None,
    }
}

fn group(name: &str, partitions: Vec<PartitionLag>) -> Group {
    Group {
        name: name.into(),
        state: "Empty".into(),
        protocol_type: "consumer".into(),
        protocol: String::new(),
        members: vec![],
        max_lag_seconds: partitions
            .iter()
            .filter_map(|p| p.lag_seconds.map(|l| l.seconds))
            .reduce(f64::max),
        partitions,
        total_lag: None,
        max_lag: None,
        verdict: Verdict::Ok,
        worst: None,
        complete: 0.0,
        rates: None,
        eta_seconds: None,
        caught_up: false,
        consumed_by: None,
        lag_history: vec![],
        error: None,
        reason: None,
        lost: None,
    }
}

fn snapshot(groups: Vec<Group>) -> GroupsSnapshot {
    GroupsSnapshot { groups, listing_error: None }
}

fn key(partition: i32, offset: i64) -> Key {
    ("t".into(), partition, offset)
}

fn exact(cap: usize) -> Exact {
    Exact::with(ClientConfig::new(), Duration::from_secs(1), cap)
}

#[test]
fn only_lagging_partitions_interpolation_cannot_place_are_wanted() {
    let mut out_of_range = row(5, 50, 9, None);
    out_of_range.reason = Some("before the log start".into());
    let mut no_commit = row(6, 60, 9, None);
    no_commit.current_offset = None;
    let s = snapshot(vec![
        group(
            "a",
            vec![
                row(0, 10, 4, None),
                row(1, 10, 4, Some(secs(12.0, Estimate::Extrapolated))),
                row(2, 10, 4, Some(secs(31.0, Estimate::AtLeast))),
                row(3, 10, 4, Some(secs(2.0, Estimate::Interpolated))),
                row(4, 10, 0, Some(secs(0.0, Estimate::CaughtUp))),
                out_of_range,
                no_commit,
                row(7, 10, 4, Some(secs(90.0, Estimate::RecordTimestamp))),
            ],
        ),
        // Another group at the same offset of partition 0, further behind: one read for both.
        group("b", vec![row(0, 10, 7, None)]),
    ]);
    let mut wanted: Vec<(Key, u64)> = uncovered(&s).into_iter().collect();
    wanted.sort();
    assert_eq!(wanted, [(key(0, 10), 7), (key(1, 10), 4), (key(2, 10), 4)]);
}

#[test]
fn new_reads_are_capped_per_poll_the_furthest_behind_first_until_all_are_read() {
    // Eight partitions interpolation cannot place, 1 to 8 records behind; three reads a poll.
    let s = snapshot(vec![group("g", (1..=8).map(|p| row(p, 100, p as u64, None)).collect())]);
    let mut e = exact(3);
    let first = e.plan(&s);
    assert_eq!(first, [key(8, 100), key(7, 100), key(6, 100)]);
    e.record(first, &(6..=8).map(|p| (key(p, 100), 1_000)).collect());

    let second = e.plan(&s);
    assert_eq!(
        second,
        [key(5, 100), key(4, 100), key(3, 100)],
        "the read ones are not asked again"
    );
    // Partition 3's record did not come in time.
    e.record(second, &(4..=5).map(|p| (key(p, 100), 1_000)).collect());

    let third = e.plan(&s);
    assert_eq!(third, [key(2, 100), key(1, 100)], "a miss waits: untried partitions go first");
    e.record(third, &(1..=2).map(|p| (key(p, 100), 1_000)).collect());
    assert_eq!(e.plan(&s), [key(3, 100)], "the miss is retried once its wait is over");
    assert_eq!(e.stats().cached, 7);
}

#[test]
fn a_miss_waits_two_polls_then_twice_as_long_each_time_up_to_a_cap() {
    let due = |count, poll| Miss { poll: 10, count }.due(poll);
    assert!(!due(0, 11) && due(0, 12));
    assert!(!due(1, 13) && due(1, 14));
    assert!(!due(2, 17) && due(2, 18));
    assert!(!due(9, 10 + MAX_BACKOFF_POLLS - 1) && due(9, 10 + MAX_BACKOFF_POLLS));
}

#[test]
fn a_time_no_longer_wanted_is_dropped() {
    let mut e = exact(10);
    e.record(vec![key(0, 10), key(1, 10)], &[(key(0, 10), 5_000), (key(1, 10), 5_000)].into());
    // Partition 0's group moved on (a new offset to read); partition 1 is now interpolated.
    let s = snapshot(vec![group(
        "g",
        vec![row(0, 20, 4, None), row(1, 15, 4, Some(secs(3.0, Estimate::Interpolated)))],
    )]);
    assert_eq!(e.plan(&s), [key(0, 20)]);
    assert_eq!(e.stats().cached, 0);
}

#[test]
fn a_record_time_replaces_what_interpolation_could_not_give_and_the_group_maximum() {
    let at = 10_000.0;
    let mut s = snapshot(vec![group(
        "g",
        vec![
            row(0, 10, 69_044, Some(secs(6.0, Estimate::AtLeast))),
            row(1, 10, 4, Some(secs(3.0, Estimate::Interpolated))),
            row(2, 10, 4, Some(secs(31.0, Estimate::AtLeast))),
        ],
    )]);
    assert_eq!(s.groups[0].max_lag_seconds, Some(31.0));
    let times = [(key(0, 10), 9_883_500), (key(1, 10), 1_000)].into();
    fill(&mut s, &times, at);
    let g = &s.groups[0];
    let got: Vec<_> = g.partitions.iter().map(|p| p.lag_seconds).collect();
    assert_eq!(
        got,
        [
            Some(secs(116.5, Estimate::RecordTimestamp)),
            Some(secs(3.0, Estimate::Interpolated)),
            Some(secs(31.0, Estimate::AtLeast)),
        ],
        "interpolated values stay, unread ones keep their bound"
    );
    assert_eq!(g.max_lag_seconds, Some(116.5));
}

#[tokio::test]
async fn a_failed_read_keeps_the_interpolated_value_within_the_timeout_and_waits_to_retry() {
    let mut config = Config::default();
    // Nothing listens on port 1: the read gets no record.
    config.kafka.brokers = "127.0.0.1:1".into();
    config.timeouts.request_ms = crate::config::Millis(300);
    let mut e = Exact::new(&config);
    let mut s =
        snapshot(vec![group("g", vec![row(0, 10, 4, Some(secs(31.0, Estimate::AtLeast)))])]);
    let before = s.clone();
    let started = Instant::now();
    e.apply(&mut s, 100.0).await;
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(s, before);
    assert_eq!(e.stats(), ReadStats { asked: 1, cached: 0 });
    e.apply(&mut s, 102.0).await;
    assert_eq!(e.stats().asked, 1, "not asked again on the next poll");
}

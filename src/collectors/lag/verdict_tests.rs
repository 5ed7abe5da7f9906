//! Burrow's rules on recorded sequences: what one partition's polls saw, (time, committed offset,
//! log end), and whether a live member owned it.

use super::*;

/// Feeds `(at, committed, log_end)` polls into a window and returns it with the last lag.
fn replay(polls: &[(f64, i64, i64)], owned: bool) -> (CommitWindow, u64) {
    let rules = Rules::default();
    let mut w = CommitWindow::default();
    let mut lag = 0;
    for &(at, offset, end) in polls {
        lag = crate::collectors::lag::offset_lag(end, offset);
        w.observe(Commit { offset, at, lag }, owned, &rules);
    }
    (w, lag)
}

fn verdict(polls: &[(f64, i64, i64)], owned: bool, now: f64) -> Verdict {
    let (w, lag) = replay(polls, owned);
    w.verdict(lag, now, &Rules::default())
}

/// Every 2 s from t = 0, committed and log end given by `f(i)`.
fn every_2s(n: usize, f: impl Fn(i64) -> (i64, i64)) -> Vec<(f64, i64, i64)> {
    (0..n as i64)
        .map(|i| {
            let (c, e) = f(i);
            (i as f64 * 2.0, c, e)
        })
        .collect()
}

#[test]
fn steady_consumer_with_lag_going_up_and_down_is_ok() {
    let polls = every_2s(12, |i| (i * 100, i * 100 + if i % 2 == 0 { 30 } else { 10 }));
    assert_eq!(verdict(&polls, true, 24.0), Verdict::Ok);
}

#[test]
fn catching_up_is_ok() {
    let polls = every_2s(12, |i| (i * 300, 4000 + i * 100));
    assert_eq!(verdict(&polls, true, 24.0), Verdict::Ok);
}

#[test]
fn moving_but_never_reducing_lag_is_warn() {
    let polls = every_2s(12, |i| (i * 100, 500 + i * 150));
    assert_eq!(verdict(&polls, true, 24.0), Verdict::Warn);
}

#[test]
fn owned_and_not_moving_with_lag_is_stall() {
    let polls = every_2s(12, |i| (700, 1000 + i * 10));
    assert_eq!(verdict(&polls, true, 24.0), Verdict::Stall);
}

#[test]
fn silent_for_longer_than_the_window_spans_is_stop() {
    // Commits every 2 s for 18 s, then nothing moves and nobody owns the partition.
    let mut polls = every_2s(10, |i| (i * 100, i * 100 + if i % 2 == 0 { 50 } else { 20 }));
    polls.extend((10..30).map(|i| (i as f64 * 2.0, 900, 1000 + i * 10)));
    let (w, lag) = replay(&polls, false);
    assert_eq!(w.commits().len(), 10, "an unowned partition that does not move records nothing");
    assert_eq!(
        w.verdict(lag, 36.0, &Rules::default()),
        Verdict::Ok,
        "18 s silent, window spans 18 s"
    );
    assert_eq!(w.verdict(lag, 36.5, &Rules::default()), Verdict::Stop);
}

#[test]
fn an_offset_going_back_is_rewind_even_when_also_stopped() {
    let polls = [(0.0, 500, 600), (2.0, 550, 650), (4.0, 200, 700), (6.0, 250, 750)];
    assert_eq!(verdict(&polls, false, 7.0), Verdict::Rewind);
    assert_eq!(verdict(&polls, false, 1000.0), Verdict::Rewind, "rewind is checked before stop");
}

#[test]
fn idle_topic_with_the_consumer_at_the_end_is_ok_however_long_it_stays() {
    let polls = every_2s(10, |_| (1234, 1234));
    assert_eq!(verdict(&polls, false, 10_000.0), Verdict::Ok);
}

#[test]
fn reaching_the_log_end_within_the_window_is_ok_even_if_now_behind_and_stopped() {
    let polls = [(0.0, 100, 100), (2.0, 150, 200), (4.0, 160, 300)];
    assert_eq!(verdict(&polls, false, 100.0), Verdict::Ok);
}

#[test]
fn no_commits_and_too_few_commits_are_ok() {
    assert_eq!(CommitWindow::default().verdict(1_000_000, 50.0, &Rules::default()), Verdict::Ok);
    let polls = [(0.0, 100, 500), (2.0, 100, 600)];
    assert_eq!(verdict(&polls, true, 1000.0), Verdict::Ok);
}

#[test]
fn allowed_lag_counts_as_caught_up() {
    let rules = Rules { allowed_lag: 50, ..Rules::default() };
    let (w, lag) = replay(&every_2s(12, |i| (700, 720 + i)), true);
    assert_eq!(w.verdict(lag, 24.0, &Rules::default()), Verdict::Stall);
    assert_eq!(w.verdict(lag, 24.0, &rules), Verdict::Ok);
}

#[test]
fn the_window_keeps_the_last_commits_only() {
    let (w, _) = replay(&every_2s(25, |i| (i, i + 5)), false);
    let offsets: Vec<i64> = w.commits().map(|c| c.offset).collect();
    assert_eq!(offsets, (15..25).collect::<Vec<_>>());
    assert_eq!(w.complete(&Rules::default()), 1.0);
}

#[test]
fn a_group_is_its_worst_partition_with_errors_as_err() {
    use Verdict::*;
    assert_eq!(group_verdict([]), Ok);
    assert_eq!(group_verdict([Ok, Warn, Ok]), Warn);
    assert_eq!(group_verdict([Ok, Stall, Warn]), Err);
    assert_eq!(group_verdict([Rewind]), Err);
    assert_eq!(group_verdict([Stop, Ok]), Err);
    assert!(Stop.is_error() && Err.is_error() && !Warn.is_error());
}

//! Tests of `restart_policy`: polls simulated second by second against a fixed clock.

use super::*;
use crate::collectors::connect::Task;
use crate::config::job::Span;

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
}

fn config(connectors: &[&str], initial: u64, max: u64) -> AutoRestartConfig {
    AutoRestartConfig {
        connectors: connectors.iter().map(ToString::to_string).collect(),
        initial: Span(Duration::from_secs(initial)),
        max: Span(Duration::from_secs(max)),
    }
}

fn connector(name: &str, state: &str, tasks: &[&str]) -> Connector {
    Connector {
        name: name.into(),
        state: state.into(),
        tasks: tasks
            .iter()
            .enumerate()
            .map(|(id, s)| Task {
                id: id as u32,
                state: (*s).into(),
                worker_id: "w:8083".into(),
                trace: (*s == "FAILED").then(|| format!("boom in task {id}\n\tat X.y(X.java:1)")),
            })
            .collect(),
        ..Connector::default()
    }
}

fn failing(name: &str) -> Connector {
    connector(name, "RUNNING", &["FAILED"])
}

fn no_jitter() -> f64 {
    0.0
}

/// Polls `connectors` once a second from `from` to `to` (inclusive); every restart asked for
/// is accepted. Returns the seconds at which restarts were due.
fn run(tracker: &mut Tracker, connectors: &[Connector], from: u64, to: u64) -> Vec<u64> {
    let mut at = Vec::new();
    for s in from..=to {
        for due in tracker.observe(connectors, t(s), no_jitter) {
            tracker.record(&due.connector, Ok(()));
            at.push(s);
        }
    }
    at
}

fn gaps(times: &[u64]) -> Vec<u64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn waits_double_from_initial_after_the_failure_is_first_seen() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    let times = run(&mut tr, &[failing("c")], 0, 70);
    assert_eq!(times, [2, 6, 14, 30, 62], "2 s after the first sighting, then 4, 8, 16, 32");
    let s = tr.status("c").expect("opted in");
    assert_eq!((s.restarts, s.streak, s.active), (5, 5, true));
    assert_eq!(s.last_reason.as_deref(), Some("boom in task 0"));
    assert_eq!(s.last_restart_at_ms, Some(epoch_ms(t(62))));
    assert_eq!(s.next_in(t(70)), Some(Duration::from_secs(62 + 64 - 70)));
    assert_eq!(s.last_restart_ago(t(70)), Some(Duration::from_secs(8)));
}

#[test]
fn waits_stop_growing_at_max() {
    let mut tr = Tracker::new(config(&["c"], 2, 10), false);
    let times = run(&mut tr, &[failing("c")], 0, 60);
    assert_eq!(times, [2, 6, 14, 24, 34, 44, 54]);
    assert_eq!(gaps(&times), [4, 8, 10, 10, 10, 10]);
}

#[test]
fn jitter_takes_off_at_most_a_fifth() {
    let mut tr = Tracker::new(config(&["c"], 10, 600), false);
    let c = [failing("c")];
    assert!(tr.observe(&c, t(0), || 0.999).is_empty());
    let first = tr.status("c").and_then(|s| s.next_in(t(0))).expect("a restart is scheduled");
    assert!(first > Duration::from_secs(8) && first < Duration::from_secs(10), "{first:?}");
    let due = tr.observe(&c, t(10), || 0.999);
    assert_eq!(due.len(), 1);
    let next = due[0].next_wait;
    assert!(next > Duration::from_secs(16) && next < Duration::from_secs(20), "{next:?}");
}

#[test]
fn a_restart_is_counted_before_it_is_sent_so_a_second_look_does_not_repeat_it() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    let c = [failing("c")];
    assert!(tr.observe(&c, t(0), no_jitter).is_empty());
    let due = tr.observe(&c, t(2), no_jitter);
    assert_eq!(
        due,
        [Due {
            connector: "c".into(),
            attempt: 1,
            reason: "boom in task 0".into(),
            next_wait: Duration::from_secs(4)
        }]
    );
    // The worker's status may still say FAILED right after the request.
    assert!(tr.observe(&c, t(2), no_jitter).is_empty());
    assert!(tr.observe(&c, t(3), no_jitter).is_empty());
    assert_eq!(tr.status("c").map(|s| (s.streak, s.restarts)), Some((1, 0)), "not accepted yet");
}

#[test]
fn a_refused_restart_keeps_the_answer_and_still_backs_off() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    let c = [failing("c")];
    tr.observe(&c, t(0), no_jitter);
    assert_eq!(tr.observe(&c, t(2), no_jitter).len(), 1);
    tr.record("c", Err("409 Conflict".into()));
    let s = tr.status("c").expect("opted in");
    assert_eq!((s.restarts, s.streak, s.last_error.as_deref()), (0, 1, Some("409 Conflict")));
    assert!(tr.observe(&c, t(5), no_jitter).is_empty(), "the next one still waits 4 s");
    assert_eq!(tr.observe(&c, t(6), no_jitter).len(), 1);
    tr.record("c", Ok(()));
    let s = tr.status("c").expect("opted in");
    assert_eq!((s.restarts, s.last_error), (1, None));
}

#[test]
fn the_backoff_resets_after_the_connector_stays_running_long_enough() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    assert_eq!(run(&mut tr, &[failing("c")], 0, 14), [2, 6, 14]);
    // RUNNING from 15 on: the next wait would be 16 s, so a minute is what counts.
    let running = [connector("c", "RUNNING", &["RUNNING"])];
    assert!(run(&mut tr, &running, 15, 74).is_empty());
    assert_eq!(tr.status("c").map(|s| s.streak), Some(3), "59 s RUNNING is not enough");
    // Failing again at 75: the wait scheduled at the last restart (14 + 16) is long past.
    assert_eq!(run(&mut tr, &[failing("c")], 75, 75), [75]);
    assert_eq!(tr.status("c").map(|s| s.streak), Some(4));

    // RUNNING long enough this time: 60 s, then the first failure waits `initial` again.
    assert!(run(&mut tr, &running, 76, 136).is_empty());
    let s = tr.status("c").expect("opted in");
    assert_eq!((s.streak, s.restarts, s.next_attempt_at_ms), (0, 4, None), "total kept");
    assert_eq!(run(&mut tr, &[failing("c")], 137, 140), [139]);
}

#[test]
fn a_long_backoff_needs_as_long_a_run_to_reset() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    assert_eq!(run(&mut tr, &[failing("c")], 0, 126).len(), 6, "2+4+…+64: next wait 128 s");
    let running = [connector("c", "RUNNING", &["RUNNING"])];
    run(&mut tr, &running, 127, 127 + 127);
    assert_eq!(tr.status("c").map(|s| s.streak), Some(6), "127 s < 128 s");
    run(&mut tr, &running, 255, 255);
    assert_eq!(tr.status("c").map(|s| s.streak), Some(0));
}

#[test]
fn paused_and_stopped_connectors_are_never_restarted() {
    let mut tr = Tracker::new(config(&["*"], 2, 600), false);
    let held = [
        connector("paused", "PAUSED", &["FAILED"]),
        connector("stopped", "STOPPED", &[]),
        connector("paused-ok", "PAUSED", &["PAUSED"]),
    ];
    assert!(run(&mut tr, &held, 0, 3600).is_empty());
    for name in ["paused", "stopped", "paused-ok"] {
        let s = tr.status(name).expect("opted in");
        assert_eq!((s.restarts, s.next_attempt_at_ms), (0, None), "{name}");
    }
    // Failing, then paused by a user before the restart was due: the pending one is dropped.
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    assert!(run(&mut tr, &[failing("c")], 0, 1).is_empty());
    assert!(run(&mut tr, &[connector("c", "PAUSED", &["FAILED"])], 2, 100).is_empty());
    // Resumed (the task still FAILED): the wait starts over from the sighting.
    assert_eq!(run(&mut tr, &[failing("c")], 101, 104), [103]);
}

#[test]
fn states_between_are_waited_out() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    let between = [
        connector("c", "RESTARTING", &[]),
        connector("c", "RUNNING", &["UNASSIGNED"]),
        connector("c", "UNKNOWN", &[]),
        connector("c", "RUNNING", &[]),
    ];
    for (i, c) in between.iter().enumerate() {
        assert!(
            run(&mut tr, std::slice::from_ref(c), i as u64 * 100, i as u64 * 100 + 99).is_empty()
        );
    }
}

#[test]
fn read_only_restarts_nothing_and_says_so() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), true);
    assert!(run(&mut tr, &[failing("c"), connector("c2", "FAILED", &[])], 0, 3600).is_empty());
    let s = tr.status("c").expect("opted in");
    assert!(!s.active);
    assert_eq!((s.restarts, s.next_attempt_at_ms), (0, None));
}

#[test]
fn only_opted_in_connectors_are_restarted() {
    let mut tr = Tracker::new(config(&["a"], 2, 600), false);
    let both = [failing("a"), failing("b")];
    let mut names = Vec::new();
    for s in 0..=6 {
        names.extend(tr.observe(&both, t(s), no_jitter).into_iter().map(|d| d.connector));
    }
    assert_eq!(names, ["a", "a"]);
    assert_eq!(tr.status("b"), None);

    let mut tr = Tracker::new(config(&["*"], 2, 600), false);
    let due = run(&mut tr, &both, 0, 2);
    assert_eq!(due, [2, 2], "`*` covers both");
}

#[test]
fn the_reason_is_the_first_line_of_the_failed_trace() {
    let mut tr = Tracker::new(config(&["*"], 1, 600), false);
    let mut whole = connector("whole", "FAILED", &["RUNNING"]);
    whole.trace = Some("org.x.ConnectException: no publication\n\tat a.b(C.java:1)".into());
    let second = connector("second", "RUNNING", &["RUNNING", "FAILED"]);
    let mut bare = connector("bare", "RUNNING", &["FAILED"]);
    bare.tasks[0].trace = None;
    run(&mut tr, &[whole, second, bare], 0, 1);
    let reason = |n: &str| tr.status(n).and_then(|s| s.last_reason);
    assert_eq!(reason("whole").as_deref(), Some("org.x.ConnectException: no publication"));
    assert_eq!(reason("second").as_deref(), Some("boom in task 1"));
    assert_eq!(reason("bare").as_deref(), Some("task 0 FAILED"));
}

#[test]
fn a_deleted_connector_is_forgotten() {
    let mut tr = Tracker::new(config(&["c"], 2, 600), false);
    assert_eq!(run(&mut tr, &[failing("c")], 0, 6), [2, 6]);
    run(&mut tr, &[], 7, 7);
    assert_eq!(tr.status("c"), None);
    assert_eq!(run(&mut tr, &[failing("c")], 8, 10), [10], "recreated: starts from `initial`");
}

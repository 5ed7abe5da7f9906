//! Auto-restart against the real local Connect worker and Debezium: a connector of the test's
//! own whose task FAILS at start (its publication does not exist and `publication.autocreate.mode`
//! is `disabled`), watched by the console's collector polled in-process.
//!
//! In order: under read-only nothing is restarted; with auto-restart on, restarts come at
//! growing intervals (1 s doubling, capped at 8 s here) with the count and the trace's first
//! line in the snapshot; PAUSED, the connector is left alone; once the publication exists the
//! next auto-restart brings it to RUNNING (the test restarts nothing itself), and the count
//! stops. Restarts are checked independently: each task start opens JDBC connections, which
//! advance a sequence through `database.initial.statements`.
//!
//! The connector (`zz-cdc-autorestart-<pid>`: it sorts after `orders-cdc`, so a TUI test that
//! acts on the first row never picks it) has its own slot, publication, topic prefix and table,
//! and a drop guard deletes them all; `orders-cdc` is never touched.

mod common;
#[allow(dead_code, reason = "the actions test uses the rest of its fixture")]
#[path = "stack_connect_actions/fixture.rs"]
mod fixture;
#[path = "stack_connect_autorestart/harness.rs"]
mod harness;

use std::time::{Duration, Instant, SystemTime};

use cdc_console::pipeline::retry::epoch_ms;
use fixture::TestConnector;
use harness::{Harness, POLL, secs_between, since};
use reqwest::Method;
use serde_json::Value;

const INITIAL: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(8);
/// The policy takes up to a fifth off each wait.
const JITTER: f64 = 0.2;
/// What Debezium says when the publication is missing and may not be created.
const REASON: &str = "org.apache.kafka.connect.errors.ConnectException: Publication autocreation is disabled, please create one and restart the connector.";

fn task_state(s: &Value) -> &str {
    s["tasks"][0]["state"].as_str().unwrap_or("none")
}

fn connector_state(s: &Value) -> &str {
    s["connector"]["state"].as_str().unwrap_or("none")
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, phase by phase, as an operator lives it")]
fn a_failed_connector_is_restarted_with_backoff_until_it_runs_but_never_paused_or_read_only() {
    common::require_stack();
    let t0 = SystemTime::now();
    let step = |what: &str| eprintln!("[{:>6.1}s] {what}", since(t0));
    let pid = std::process::id();
    let h =
        Harness::new(&format!("zz-cdc-autorestart-{pid}"), &format!("cdcar_{pid}"), INITIAL, MAX);
    let conn =
        TestConnector { name: h.name.clone(), slot: h.schema.clone(), prefix: h.schema.clone() };
    let initial_statement = format!("SELECT nextval('{}.starts')", h.schema);
    let table = format!("{}.items", h.schema);
    let config = conn.config(&[
        ("table.include.list", &table),
        ("publication.autocreate.mode", "disabled"),
        ("database.initial.statements", &initial_statement),
    ]);
    let (code, body) =
        h.rest(Method::PUT, &format!("/connectors/{}/config", h.name), Some(&config));
    assert_eq!(code, 201, "create: {body}");
    let s = h.wait_status("task FAILED", |s| task_state(s) == "FAILED");
    let trace = s["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(trace.starts_with(REASON), "the task fails for the missing publication: {trace}");
    step("created; task FAILED: publication missing");

    // Read-only: opted in, shown as off, nothing restarted.
    let starts = h.starts();
    let mut read_only = h.collector(true);
    let status = h.poll_for(&mut read_only, INITIAL * 6);
    assert!(!status.active, "{status:?}");
    assert_eq!((status.restarts, status.next_attempt_at_ms), (0, None), "{status:?}");
    assert_eq!(h.starts(), starts, "no task started under read-only");
    assert_eq!(task_state(&h.status()), "FAILED");
    step("read-only: nothing restarted in 6 s");

    // On: five restarts, waits of 2, 4, 8 and 8 s between them (1 s before the first).
    let mut on = h.collector(false);
    let mut times: Vec<u64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut status = None;
    while times.len() < 5 {
        assert!(Instant::now() < deadline, "5 restarts not made in 90 s: {times:?} {status:?}");
        let s = h.poll(&mut on).and_then(|c| c.auto_restart).expect("opted in");
        if s.restarts as usize > times.len() {
            assert_eq!(s.restarts as usize, times.len() + 1, "one at a time: {s:?}");
            times.push(s.last_restart_at_ms.expect("stamped"));
            step(&format!("restart {} ({s:?})", s.restarts));
        }
        status = Some(s);
        std::thread::sleep(POLL);
    }
    let status = status.expect("polled");
    assert!(status.active && status.last_error.is_none(), "{status:?}");
    assert_eq!(status.last_reason.as_deref(), Some(REASON));
    let gaps: Vec<f64> = times.windows(2).map(|w| secs_between(w[0], w[1])).collect();
    step(&format!("intervals between restarts: {gaps:.1?} s"));
    let slack = 3.0; // a poll, and the task's own start and failure (about a second)
    for (gap, nominal) in gaps.iter().zip([2.0, 4.0, 8.0, 8.0]) {
        assert!(
            *gap >= nominal * (1.0 - JITTER) - 0.05 && *gap <= nominal + slack,
            "gap {gap:.1} s, policy {nominal} s: {gaps:?}"
        );
    }
    assert!(gaps[0] < gaps[1] && gaps[1] < gaps[2], "growing: {gaps:?}");
    let started = h.starts() - starts;
    assert!(started >= 5, "each restart started the task: {started} JDBC connections");
    step(&format!("{started} JDBC connections opened by the 5 restarted tasks"));

    // Paused by a user: left alone though its task is still FAILED.
    let (code, body) = h.rest(Method::PUT, &format!("/connectors/{}/pause", h.name), None);
    assert_eq!(code, 202, "pause: {body}");
    let s = h.wait_status("PAUSED", |s| connector_state(s) == "PAUSED");
    assert_eq!(task_state(&s), "FAILED", "a paused connector keeps its failed task: {s:#}");
    let starts = h.starts();
    let before = h.poll(&mut on).and_then(|c| c.auto_restart).expect("opted in");
    let status = h.poll_for(&mut on, MAX * 3);
    assert_eq!(status.restarts, before.restarts, "no restart while PAUSED: {status:?}");
    assert_eq!(status.next_attempt_at_ms, None, "{status:?}");
    assert_eq!(h.starts(), starts, "no task started while PAUSED");
    assert_eq!(connector_state(&h.status()), "PAUSED");
    step("paused: nothing restarted in 24 s");
    let (code, body) = h.rest(Method::PUT, &format!("/connectors/{}/resume", h.name), None);
    assert_eq!(code, 202, "resume: {body}");
    h.wait_status("resumed", |s| connector_state(s) == "RUNNING");

    // The cause fixed: the next auto-restart, and only it, brings the task up.
    let made = h.poll(&mut on).and_then(|c| c.auto_restart).expect("opted in").restarts;
    h.sql(&format!("CREATE PUBLICATION {} FOR TABLE {table}", h.schema));
    let fixed = Instant::now();
    let fixed_at_ms = epoch_ms(SystemTime::now());
    step("publication created");
    let deadline = Instant::now() + MAX * 4;
    loop {
        h.poll(&mut on);
        let s = h.status();
        if connector_state(&s) == "RUNNING" && task_state(&s) == "RUNNING" {
            break;
        }
        assert!(Instant::now() < deadline, "not RUNNING 32 s after the fix: {s:#}");
        std::thread::sleep(POLL);
    }
    let took = fixed.elapsed();
    step(&format!("RUNNING {took:.1?} after the fix"));
    let status = h.poll_for(&mut on, Duration::from_secs(15));
    assert!(status.restarts > made, "auto-restart brought it up: {status:?} (was {made})");
    assert!(status.last_restart_at_ms >= Some(fixed_at_ms), "restarted after the fix: {status:?}");
    let after = status.restarts;
    let s = h.status();
    assert_eq!((connector_state(&s), task_state(&s)), ("RUNNING", "RUNNING"), "{s:#}");
    let status = h.poll_for(&mut on, Duration::from_secs(10));
    assert_eq!(status.restarts, after, "no more restarts once RUNNING: {status:?}");
    assert_eq!(status.next_attempt_at_ms, None);
    assert!(conn.slot_pid().is_some(), "Debezium streams from its slot");
    step(&format!("{after} restarts in all; RUNNING and streaming, no restart in 25 s"));
}

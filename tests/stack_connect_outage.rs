//! Stops the real Connect worker and checks that `status` reports it down (and the connector
//! stage with it) while every other stage stays up; then starts it again.
//!
//! Its own test binary: `cargo test` runs binaries one after another, so no other test sees the
//! worker gone.

mod common;

use serde_json::Value;

/// Starts the worker again even when an assertion fails, so later tests find the stack whole.
struct RestartConnect;

impl Drop for RestartConnect {
    fn drop(&mut self) {
        common::stack(&["start", "connect"]);
    }
}

#[test]
fn status_reports_connect_down_when_the_worker_is_stopped_and_up_again_after() {
    common::require_stack();
    common::stack(&["stop", "connect"]);
    let restart = RestartConnect;

    let out = common::console(&["status", "-o", "json"], &[]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON even with Connect down");
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let stages = report["stages"].as_array().unwrap();
    let get = |n: &str| stages.iter().find(|s| s["stage"] == n).unwrap().clone();
    let connect = get("connect:local");
    assert_eq!(connect["state"], "down");
    let reason = connect["detail"][0].as_str().unwrap();
    assert!(
        reason.contains("http://127.0.0.1:8083") && reason.to_lowercase().contains("refused"),
        "{reason}"
    );
    assert!(connect["since"].is_string());
    assert_eq!(get("connect:local/connectors")["state"], "down");
    for s in ["kafka", "sink"] {
        assert_eq!(get(s)["state"], "up", "{s} is unaffected");
    }
    // The source stays reachable; once Debezium's walsender is gone its slot shows inactive.
    let source = get("source");
    match source["state"].as_str().unwrap() {
        "up" => {}
        "degraded" => assert_eq!(
            source["detail"],
            serde_json::json!(["replication slot cdc_console is inactive"])
        ),
        other => panic!("source is {other}: {source:#}"),
    }

    drop(restart);
    let out = common::console(&["status", "-o", "json"], &[]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "after restart: {report:#}");
}

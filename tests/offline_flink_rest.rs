//! Flink's REST answers parsed into the console's model, offline, from answers kept under
//! tests/fixtures/flink/: answers captured from Flink 2.2.1 (see its README), plus the
//! variants older or younger versions send (a backpressure without a sample, no watermark yet,
//! a savepoint that failed, an error page).

use cdc_console::flink::rest::wire;
use cdc_console::flink::rest::{Backpressure, SavepointStatus};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/flink/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn offline_flink_overview_and_jobs() {
    let o = wire::overview(&fixture("overview"));
    assert!(o.flink_version.starts_with('2'), "{o:?}");
    assert!(o.taskmanagers >= 1 && o.slots_total >= o.slots_available, "{o:?}");

    let jobs = wire::jobs(&fixture("jobs_overview")).unwrap();
    assert!(!jobs.is_empty());
    assert!(jobs.windows(2).all(|w| w[0].start_time_ms >= w[1].start_time_ms), "newest first");
    let running = jobs.iter().find(|j| j.state == "RUNNING").expect("a running job");
    assert_eq!(running.id.len(), 32, "{running:?}");
    assert!(running.end_time_ms.is_none(), "-1 is no end: {running:?}");
    assert!(running.is_live());
    let ended = jobs.iter().find(|j| j.state != "RUNNING").expect("an ended job");
    assert!(!ended.is_live() && ended.end_time_ms.is_some(), "{ended:?}");
}

#[test]
fn offline_flink_job_with_vertices() {
    let j = wire::job(&fixture("job")).unwrap();
    assert_eq!(j.summary.state, "RUNNING");
    assert!(j.summary.start_time_ms.is_some());
    assert!(j.vertices.len() >= 2, "{j:?}");
    assert!(j.vertices[0].name.starts_with("Source"), "{j:?}");
    assert!(j.vertices.iter().all(|v| v.parallelism >= 1 && v.id.len() == 32), "{j:?}");
    assert!(wire::job(&serde_json::json!({"errors": []})).is_err(), "no jid: refused");
}

#[test]
fn offline_flink_checkpoints_latest_of_each_kind() {
    let c = wire::checkpoints(&fixture("checkpoints")).unwrap();
    assert!(c.completed >= 1, "{c:?}");
    let last = c.latest_completed.as_ref().expect("a completed checkpoint");
    assert!(!last.is_savepoint);
    assert!(last.trigger_ms.is_some() && last.duration_ms.is_some() && last.state_size.is_some());
    let sp = c.latest_savepoint.as_ref().expect("a savepoint");
    assert!(sp.is_savepoint);
    assert!(sp.external_path.as_deref().is_some_and(|p| p.contains("savepoint")), "{sp:?}");
    assert!(sp.external_path.as_deref().is_some_and(|p| p.starts_with("file:")), "{sp:?}");

    let f = wire::checkpoints(&fixture("checkpoints_failed")).unwrap();
    assert!(f.failed >= 1, "{f:?}");
    let failed = f.latest_failed.as_ref().expect("a failed one");
    assert!(failed.failure_message.as_deref().is_some_and(|m| !m.is_empty()), "{failed:?}");
    assert!(failed.external_path.is_none());

    let none = wire::checkpoints(&fixture("checkpoints_none")).unwrap();
    assert_eq!(none.completed, 0);
    assert!(none.latest_completed.is_none() && none.latest_savepoint.is_none());
    assert!(wire::checkpoints(&Value::Null).is_err());
}

#[test]
fn offline_flink_exceptions_history_first_line() {
    assert!(wire::exceptions(&fixture("exceptions_none"), 3).is_empty());
    let e = wire::exceptions(&fixture("exceptions_history"), 3);
    assert!(!e.is_empty());
    assert!(!e[0].message.contains('\n') && !e[0].message.is_empty(), "{e:?}");
    assert!(e[0].timestamp_ms.is_some());
    let old =
        serde_json::json!({"root-exception": "java.lang.Exception: boom\n\tat x", "timestamp": 5});
    assert_eq!(wire::exceptions(&old, 3)[0].message, "java.lang.Exception: boom");
    assert!(wire::exceptions(&serde_json::json!({}), 3).is_empty());
}

#[test]
fn offline_flink_watermarks_backpressure_and_metrics() {
    let wm = wire::watermark(&fixture("watermarks")).expect("a watermark");
    assert!(wm > 1_600_000_000_000, "{wm}");
    assert_eq!(wire::watermark(&fixture("watermarks_none")), None, "Long.MIN_VALUE: none yet");
    assert_eq!(wire::watermark(&fixture("watermarks_source")), None, "a source vertex: []");

    let (level, ratio) = wire::backpressure(&fixture("backpressure"));
    assert!(level.is_some(), "a sampled vertex has a level");
    assert!(ratio.is_some_and(|r| (0.0..=1.0).contains(&r)), "{ratio:?}");
    assert_eq!(wire::backpressure(&fixture("backpressure_deprecated")), (None, None));
    assert!(Backpressure::High > Backpressure::Low && Backpressure::Low > Backpressure::Ok);

    let m = wire::metric_values(&fixture("subtask_metrics"));
    let names: Vec<&str> = m.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"numRecordsOutPerSecond"), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".pendingRecords")), "the Kafka source's lag");
    let restarts = wire::metric_values(&fixture("job_metrics"));
    assert!(restarts.iter().any(|(n, _)| n == "numRestarts"), "{restarts:?}");
}

#[test]
fn offline_flink_stop_and_savepoint_status() {
    assert!(wire::trigger_id(&fixture("stop")).is_some_and(|t| !t.is_empty()));
    assert_eq!(
        wire::savepoint_status(&fixture("savepoint_in_progress")).unwrap(),
        SavepointStatus::InProgress
    );
    match wire::savepoint_status(&fixture("savepoint_completed")).unwrap() {
        SavepointStatus::Completed { location } => assert!(location.contains("savepoint")),
        other => panic!("{other:?}"),
    }
    match wire::savepoint_status(&fixture("savepoint_failed")).unwrap() {
        SavepointStatus::Failed { reason } => assert!(!reason.contains('\n') && !reason.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn offline_flink_error_text_is_the_cause_in_one_line() {
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/flink/error_404.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let text = wire::error_text(&body, 300);
    assert!(text.contains("not found"), "{text}");
    assert!(!text.contains('\n') && !text.contains("<Exception"), "{text}");
    assert_eq!(wire::error_text("plain text\nsecond", 5), "plain");
}

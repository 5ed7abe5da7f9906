//! Flink's JSON into the console's model, defensively: every field may be missing, a number
//! may come as a string (metrics do), and names moved between versions (`root-exception` went
//! in 2.0, `exceptionHistory` stayed; `fullRestarts` became `numRestarts`). Only a body that is
//! not the expected kind of JSON at all is an error.

use serde_json::Value;

use super::model::{
    Backpressure, Checkpoint, Checkpoints, ClusterOverview, JobDetail, JobException, JobSummary,
    SavepointStatus, Vertex,
};

/// Long.MIN_VALUE and other impossible instants: "no watermark yet".
const NO_WATERMARK_BELOW: i64 = 0;

/// A whole number, written as a JSON number or a string; negative "not set" markers (-1) are
/// None.
pub fn int(v: &Value, key: &str) -> Option<i64> {
    let field = v.get(key)?;
    let n = match field {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }?;
    (n >= 0).then_some(n)
}

fn uint(v: &Value, key: &str) -> Option<u64> {
    int(v, key).and_then(|n| u64::try_from(n).ok())
}

fn small(v: &Value, key: &str) -> u32 {
    int(v, key).and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// A number written as a JSON number or a string (metric values are strings).
pub fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn opt_text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

pub fn overview(v: &Value) -> ClusterOverview {
    ClusterOverview {
        flink_version: text(v, "flink-version"),
        taskmanagers: small(v, "taskmanagers"),
        slots_total: small(v, "slots-total"),
        slots_available: small(v, "slots-available"),
        jobs_running: small(v, "jobs-running"),
    }
}

fn summary(v: &Value) -> JobSummary {
    JobSummary {
        // `/jobs/overview` says `jid`, some answers `id`.
        id: opt_text(v, "jid").unwrap_or_else(|| text(v, "id")),
        name: text(v, "name"),
        state: opt_text(v, "state").unwrap_or_else(|| text(v, "status")),
        start_time_ms: int(v, "start-time"),
        end_time_ms: int(v, "end-time"),
        duration_ms: int(v, "duration"),
    }
}

/// `GET /jobs/overview`, newest first.
pub fn jobs(v: &Value) -> Result<Vec<JobSummary>, String> {
    let list = v.get("jobs").and_then(Value::as_array).ok_or("no `jobs` list")?;
    let mut jobs: Vec<JobSummary> = list.iter().map(summary).collect();
    jobs.sort_by(|a, b| b.start_time_ms.cmp(&a.start_time_ms).then(a.id.cmp(&b.id)));
    Ok(jobs)
}

pub fn job(v: &Value) -> Result<JobDetail, String> {
    let summary = summary(v);
    if summary.id.is_empty() {
        return Err("no `jid`".into());
    }
    let vertices = v
        .get("vertices")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .map(|x| Vertex {
                    id: text(x, "id"),
                    name: text(x, "name"),
                    parallelism: small(x, "parallelism"),
                    status: text(x, "status"),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(JobDetail { summary, vertices })
}

fn checkpoint(v: &Value) -> Option<Checkpoint> {
    if !v.is_object() {
        return None;
    }
    Some(Checkpoint {
        id: uint(v, "id")?,
        is_savepoint: v.get("is_savepoint").and_then(Value::as_bool).unwrap_or(false),
        trigger_ms: int(v, "trigger_timestamp"),
        duration_ms: uint(v, "end_to_end_duration"),
        state_size: uint(v, "state_size").or_else(|| uint(v, "checkpointed_size")),
        external_path: opt_text(v, "external_path")
            .filter(|p| p != "<checkpoint-not-externally-addressable>"),
        failure_message: opt_text(v, "failure_message"),
    })
}

pub fn checkpoints(v: &Value) -> Result<Checkpoints, String> {
    let counts = v.get("counts").ok_or("no `counts`")?;
    let latest = v.get("latest").unwrap_or(&Value::Null);
    let of = |key: &str| latest.get(key).and_then(checkpoint);
    Ok(Checkpoints {
        completed: uint(counts, "completed").unwrap_or(0),
        failed: uint(counts, "failed").unwrap_or(0),
        in_progress: uint(counts, "in_progress").unwrap_or(0),
        restored: uint(counts, "restored").unwrap_or(0),
        latest_completed: of("completed"),
        latest_failed: of("failed"),
        latest_savepoint: of("savepoint"),
        latest_restored: latest.get("restored").filter(|r| r.is_object()).map(|r| Checkpoint {
            id: uint(r, "id").unwrap_or(0),
            is_savepoint: r.get("is_savepoint").and_then(Value::as_bool).unwrap_or(false),
            trigger_ms: int(r, "restore_timestamp"),
            external_path: opt_text(r, "external_path"),
            ..Checkpoint::default()
        }),
    })
}

/// `GET /jobs/{id}/exceptions`: the history (Flink ≥ 1.13), else the old root exception.
pub fn exceptions(v: &Value, most: usize) -> Vec<JobException> {
    let first_line = |s: &str| s.lines().next().unwrap_or_default().trim().to_string();
    let history = v
        .get("exceptionHistory")
        .and_then(|h| h.get("entries"))
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .take(most)
                .map(|e| JobException {
                    timestamp_ms: int(e, "timestamp"),
                    message: opt_text(e, "stacktrace")
                        .map(|s| first_line(&s))
                        .or_else(|| opt_text(e, "exceptionName"))
                        .unwrap_or_default(),
                    task: opt_text(e, "taskName"),
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if !history.is_empty() {
        return history;
    }
    opt_text(v, "root-exception")
        .map(|s| JobException {
            timestamp_ms: int(v, "timestamp"),
            message: first_line(&s),
            task: None,
        })
        .into_iter()
        .collect()
}

/// `GET …/watermarks`: `[{"id": "0.currentInputWatermark", "value": "1700000000000"}]`; the
/// lowest over the subtasks, None when a subtask has none yet (so the vertex has none).
pub fn watermark(v: &Value) -> Option<i64> {
    let list = v.as_array()?;
    let values: Vec<i64> = list
        .iter()
        .filter(|m| {
            m.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.ends_with("currentInputWatermark"))
        })
        .filter_map(|m| m.get("value").and_then(float))
        .map(|f| f as i64)
        .collect();
    if values.is_empty() || values.iter().any(|w| *w < NO_WATERMARK_BELOW) {
        return None;
    }
    values.into_iter().min()
}

/// `GET …/backpressure`: the level and the highest subtask ratio; None while Flink has no
/// sample yet (`status: deprecated` without a level).
pub fn backpressure(v: &Value) -> (Option<Backpressure>, Option<f64>) {
    let level = match v.get("backpressure-level").and_then(Value::as_str) {
        Some("ok") => Some(Backpressure::Ok),
        Some("low") => Some(Backpressure::Low),
        Some("high") => Some(Backpressure::High),
        _ => None,
    };
    let ratio = v
        .get("subtasks")
        .and_then(Value::as_array)
        .and_then(|s| s.iter().filter_map(|x| x.get("ratio").and_then(float)).reduce(f64::max));
    (level, ratio)
}

/// An aggregated metrics answer, `[{"id": "numRecordsInPerSecond", "sum": 12.0, …}]` (or a
/// job metric's `[{"id": "numRestarts", "value": "3"}]`): `id` → the sum, else the value.
pub fn metric_values(v: &Value) -> Vec<(String, f64)> {
    v.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|m| {
                    let id = m.get("id").and_then(Value::as_str)?;
                    let value = m
                        .get("sum")
                        .and_then(float)
                        .or_else(|| m.get("value").and_then(float))
                        .or_else(|| m.get("max").and_then(float))?;
                    Some((id.to_string(), value))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The metric names a vertex's subtasks offer (`GET …/subtasks/metrics` without `get`).
pub fn metric_names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|l| {
            l.iter()
                .filter_map(|m| m.get("id").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `POST /jobs/{id}/stop` and savepoint triggers answer `{"request-id": "…"}`.
pub fn trigger_id(v: &Value) -> Option<String> {
    opt_text(v, "request-id")
}

/// `GET /jobs/{id}/savepoints/{trigger}`.
pub fn savepoint_status(v: &Value) -> Result<SavepointStatus, String> {
    let status = v.get("status").and_then(|s| s.get("id")).and_then(Value::as_str);
    match status {
        Some("IN_PROGRESS") => Ok(SavepointStatus::InProgress),
        Some("COMPLETED") => {
            let op = v.get("operation").unwrap_or(&Value::Null);
            if let Some(location) = opt_text(op, "location") {
                return Ok(SavepointStatus::Completed { location });
            }
            let cause = op.get("failure-cause").unwrap_or(&Value::Null);
            let reason = opt_text(cause, "stack-trace")
                .map(|s| s.lines().next().unwrap_or_default().to_string())
                .or_else(|| opt_text(cause, "class"))
                .unwrap_or_else(|| "completed without a location".into());
            Ok(SavepointStatus::Failed { reason })
        }
        other => Err(format!("savepoint status `{}`", other.unwrap_or("missing"))),
    }
}

/// Flink's `{"errors": ["…"]}` as one line: the first line of each error that says something
/// (Flink ≥ 1.x puts a generic "Internal server error." first and the cause in the next,
/// prefixed by "<Exception on server side:"), cut to `most` characters.
pub fn error_text(body: &str, most: usize) -> String {
    let errors: Vec<String> = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("errors")?.as_array().cloned())
        .map_or_else(
            || vec![body.to_string()],
            |l| l.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        );
    let lines: Vec<&str> = errors
        .iter()
        .flat_map(|e| {
            e.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("<Exception on server side"))
                .take(1)
        })
        .collect();
    lines.join("; ").chars().take(most).collect()
}

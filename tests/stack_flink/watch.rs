//! The console watching and driving the local Flink session cluster (`compose/local/stack up
//! flink`): two small Flink SQL jobs (datagen → blackhole, no Kafka needed) submitted through
//! the SQL gateway; `flink jobs -o json` shows them RUNNING with checkpoints completing;
//! `--read-only` refuses to stop one; `flink stop` yields a savepoint that exists on disk and
//! `flink cancel` cancels the other. Both are cancelled however the test ends.

use crate::common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

const GATEWAY: &str = "http://127.0.0.1:8084";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

async fn call(method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
    let client = reqwest::Client::new();
    let mut req = client.request(method, url).timeout(Duration::from_secs(30));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{url}: HTTP {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Submits datagen → blackhole named `name` with 1 s checkpoints; returns the Flink job id.
async fn submit(name: &str) -> String {
    let session = call(
        reqwest::Method::POST,
        &format!("{GATEWAY}/v1/sessions"),
        Some(json!({"properties": {
            "pipeline.name": name,
            "execution.checkpointing.interval": "1s",
            "parallelism.default": "1",
        }})),
    )
    .await;
    let s = session["sessionHandle"].as_str().expect("a session").to_string();
    let table = name.replace('-', "_");
    let statements = [
        format!(
            "CREATE TEMPORARY TABLE {table}_src (id BIGINT, ts TIMESTAMP(3), \
             WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) \
             WITH ('connector' = 'datagen', 'rows-per-second' = '50')"
        ),
        format!(
            "CREATE TEMPORARY TABLE {table}_sink (w TIMESTAMP(3), n BIGINT) \
             WITH ('connector' = 'blackhole')"
        ),
        format!(
            "INSERT INTO {table}_sink SELECT window_start, COUNT(*) FROM TABLE(\
             TUMBLE(TABLE {table}_src, DESCRIPTOR(ts), INTERVAL '2' SECOND)) \
             GROUP BY window_start, window_end"
        ),
    ];
    let mut job_id = None;
    for st in &statements {
        let op = call(
            reqwest::Method::POST,
            &format!("{GATEWAY}/v1/sessions/{s}/statements"),
            Some(json!({ "statement": st })),
        )
        .await;
        let op = op["operationHandle"].as_str().expect("an operation").to_string();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = call(
                reqwest::Method::GET,
                &format!("{GATEWAY}/v1/sessions/{s}/operations/{op}/result/0"),
                None,
            )
            .await;
            if r["resultType"] != "NOT_READY" {
                if let Some(id) = r["jobID"].as_str() {
                    job_id = Some(id.to_string());
                } else if let Some(id) = r["results"]["data"][0]["fields"][0].as_str()
                    && st.starts_with("INSERT")
                {
                    job_id = Some(id.to_string());
                }
                break;
            }
            assert!(Instant::now() < deadline, "{st}: no result in 60 s");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    job_id.expect("the INSERT's job id")
}

fn console_json(args: &[&str]) -> Value {
    let out = common::console(args, &[]);
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
    })
}

fn job<'a>(listing: &'a Value, id: &str) -> Option<&'a Value> {
    listing["jobs"].as_array()?.iter().find(|j| j["id"] == id)
}

/// Polls `flink jobs -o json` until `ok` holds for job `id`, or panics with the last listing.
fn wait_for(id: &str, what: &str, secs: u64, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let listing = console_json(&["flink", "jobs", "-o", "json"]);
        if let Some(j) = job(&listing, id)
            && ok(j)
        {
            return j.clone();
        }
        assert!(Instant::now() < deadline, "{what} within {secs}s:\n{listing:#}");
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn stack_flink_jobs_checkpoints_stop_with_savepoint_and_cancel() {
    let _turn = common::flink::take_turn();
    common::flink::require_flink();
    let pid = std::process::id();
    let (stop_name, cancel_name) = (format!("fwatch-{pid}-stop"), format!("fwatch-{pid}-cancel"));
    let rt = runtime();
    let stop_id = rt.block_on(submit(&stop_name));
    let mut guard = common::flink::CancelOnDrop(vec![stop_id.clone()]);
    let cancel_id = rt.block_on(submit(&cancel_name));
    guard.0.push(cancel_id.clone());

    let running = wait_for(&stop_id, "RUNNING with a completed checkpoint", 90, |j| {
        j["state"] == "RUNNING" && j["checkpoints"]["completed"].as_u64().unwrap_or(0) >= 2
    });
    assert_eq!(running["name"], stop_name.as_str());
    let last = &running["checkpoints"]["latest_completed"];
    assert!(last["duration_ms"].is_u64() && last["state_size"].is_u64(), "{running:#}");
    let vertices = running["vertices"].as_array().unwrap();
    assert!(vertices.len() >= 2, "source and window vertices: {running:#}");
    assert!(vertices.iter().all(|v| v["parallelism"] == 1), "{running:#}");
    // Metrics appear a moment after RUNNING: the source's read rate, then the window's
    // watermark.
    let windowed = wait_for(&stop_id, "the source's rate and the window's watermark", 30, |j| {
        j["vertices"].as_array().is_some_and(|vs| {
            vs.iter().any(|v| v["watermark_ms"].is_i64())
                && vs.iter().any(|v| v["records_in_per_sec"].as_f64().is_some_and(|r| r > 0.0))
        })
    });
    assert!(windowed["restarts"].is_u64(), "{windowed:#}");

    let detail = console_json(&["flink", "job", &stop_id, "-o", "json"]);
    assert_eq!(detail["id"], stop_id.as_str());

    // Read-only refuses before anything is sent: the job keeps running.
    let refused = common::console(&["--read-only", "flink", "stop", &stop_id, "--yes"], &[]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("read-only"), "{refused:?}");
    let refused = common::console(&["--read-only", "flink", "cancel", &cancel_id, "--yes"], &[]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    wait_for(&stop_id, "still RUNNING after the refusal", 5, |j| j["state"] == "RUNNING");

    let stopped = common::console(&["flink", "stop", &stop_id, "--yes"], &[]);
    let stdout = String::from_utf8_lossy(&stopped.stdout).trim().to_string();
    assert!(stopped.status.success(), "{stopped:?}");
    let path = stdout.strip_prefix("file:").unwrap_or(&stdout);
    assert!(std::path::Path::new(path).exists(), "the savepoint {stdout} exists");
    wait_for(&stop_id, "FINISHED after the stop", 30, |j| j["state"] == "FINISHED");

    let cancelled = common::console(&["flink", "cancel", &cancel_id, "--yes"], &[]);
    assert!(cancelled.status.success(), "{cancelled:?}");
    wait_for(&cancel_id, "CANCELED after the cancel", 30, |j| j["state"] == "CANCELED");

    // Without a terminal and without --yes, an action is refused rather than taken.
    let unasked = common::console(&["flink", "cancel", &stop_id], &[]);
    assert_eq!(unasked.status.code(), Some(2), "{unasked:?}");
}

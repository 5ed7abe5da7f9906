//! A console job on Flink, driven through `cdc-console flink`: submitted with `process --on
//! flink`, `flink jobs` names it with its console job, `flink stop` records the savepoint in
//! `cdc.flink_submissions`, `flink restart JOB` resubmits it from that savepoint under a new
//! Flink job id that restores from it. Everything is cancelled and dropped at the end.

use crate::common;

use std::time::{Duration, Instant};

use serde_json::Value;

fn run(config: &str, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["--config", config];
    all.extend_from_slice(args);
    let out = common::console(&all, &[]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    (out.status.success(), stdout, stderr)
}

/// `flink job ID -o json` until `ok` holds.
fn wait_for(config: &str, id: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (_, out, err) = run(config, &["flink", "job", id, "-o", "json"]);
        if let Ok(v) = serde_json::from_str::<Value>(&out)
            && ok(&v)
        {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: {out}{err}");
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn all_tasks_running(j: &Value) -> bool {
    j["state"] == "RUNNING"
        && j["vertices"]
            .as_array()
            .is_some_and(|v| !v.is_empty() && v.iter().all(|v| v["status"] == "RUNNING"))
}

#[tokio::test(flavor = "multi_thread")]
async fn stack_flink_stop_records_the_savepoint_and_restart_resumes_from_it() {
    let _turn = common::flink::wait_turn().await;
    common::require_stack();
    common::flink::require_flink();
    let job = format!("fwatch_{}", std::process::id());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cdc-console.toml");
    std::fs::write(&path, common::processor::job_toml(&job, None)).expect("config");
    let config = path.to_str().expect("utf-8 path");
    let sink = common::sink_client().await;
    let table = format!("cdc.{job}_flink");

    let (ok, out, err) = run(config, &["process", "--job", &job, "--on", "flink", "-o", "json"]);
    assert!(ok, "process --on flink: {err}");
    let answer: Value = serde_json::from_str(&out).expect("json");
    let first = answer["flink_job_id"].as_str().expect("flink_job_id").to_string();
    let mut cancel = common::flink::CancelOnDrop(vec![first.clone()]);

    // A savepoint needs every task running, not only the job (its tasks deploy after).
    let running = wait_for(config, &first, "RUNNING with every task", all_tasks_running);
    assert_eq!(running["console_job"], job.as_str(), "named by its console job: {running:#}");

    let (ok, out, err) = run(config, &["flink", "stop", &first, "--yes"]);
    assert!(ok, "flink stop: {err}");
    let savepoint = out.trim().to_string();
    assert!(savepoint.contains("savepoint"), "{out}");
    assert!(!err.contains("warning"), "the record notes it: {err}");
    let row = sink
        .query_one(
            "SELECT savepoint, state FROM cdc.flink_submissions WHERE flink_job_id = $1",
            &[&first],
        )
        .await
        .expect("the submission's record");
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some(savepoint.as_str()));
    assert_eq!(row.get::<_, String>(1), "stopped");
    wait_for(config, &first, "FINISHED after the stop", |j| j["state"] == "FINISHED");

    let (ok, out, err) = run(config, &["flink", "restart", &job, "--yes", "-o", "json"]);
    assert!(ok, "flink restart: {err}");
    let restarted: Value = serde_json::from_str(&out).expect("json");
    let second = restarted["flink_job_id"].as_str().expect("new id").to_string();
    cancel.0.push(second.clone());
    assert_ne!(second, first);
    assert_eq!(restarted["savepoint"], savepoint.as_str());
    let resumed = wait_for(config, &second, "RUNNING, restored from the savepoint", |j| {
        j["state"] == "RUNNING"
            && j["checkpoints"]["latest_restored"]["external_path"].as_str().is_some()
    });
    let restored = resumed["checkpoints"]["latest_restored"]["external_path"].as_str().unwrap();
    assert!(
        savepoint.ends_with(restored.trim_start_matches("file:")) || restored == savepoint,
        "restored from {restored}, stopped into {savepoint}"
    );

    let (ok, _, err) = run(config, &["flink", "cancel", &second, "--yes"]);
    assert!(ok, "flink cancel: {err}");
    wait_for(config, &second, "CANCELED", |j| j["state"] == "CANCELED");
    drop(cancel);
    sink.batch_execute(&format!(
        "DROP TABLE IF EXISTS {table}; DELETE FROM cdc.flink_submissions WHERE job = '{job}'"
    ))
    .await
    .expect("clean up the sink");
    common::flink::delete_group(&format!("cdc-console-flink-{job}")).await;
}

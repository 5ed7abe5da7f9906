//! `process --on flink` against the real stack and the local Flink cluster (`compose/local/stack
//! up` and `up flink`): the job reaches RUNNING in Flink's REST API, its submission is recorded
//! without the password, changes made in the source (inserts, an update, a delete) show up in
//! the suffixed output table with their retractions, and a restart from a savepoint resumes it
//! under a new Flink job id. Every job is cancelled at the end.

use crate::common;

use std::time::{Duration, Instant};

use serde_json::Value;

const REST: &str = "http://127.0.0.1:8081";

async fn job_state(http: &reqwest::Client, id: &str) -> String {
    let v: Value = http
        .get(format!("{REST}/jobs/{id}"))
        .send()
        .await
        .expect("REST")
        .json()
        .await
        .expect("json");
    v["state"].as_str().unwrap_or_default().to_string()
}

async fn until_running(http: &reqwest::Client, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let state = job_state(http, id).await;
        if state == "RUNNING" {
            return;
        }
        assert!(Instant::now() < deadline, "Flink job {id} is {state}, not RUNNING");
        assert!(!matches!(state.as_str(), "FAILED" | "CANCELED"), "Flink job {id} is {state}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The output row of `status` as "count sum min max" (numerically normalized), waited for.
async fn until_row(sink: &tokio_postgres::Client, table: &str, status: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut got = String::new();
    while Instant::now() < deadline {
        let rows = sink
            .query(
                &format!(
                    "SELECT count::text || ' ' || trim_scale(sum_amount)::text || ' ' || \
                     trim_scale(min_amount)::text || ' ' || trim_scale(max_amount)::text \
                     FROM {table} WHERE status = $1"
                ),
                &[&status],
            )
            .await
            .expect("output rows");
        got = rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>().join(" | ");
        if got == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("{table} for {status}: want `{want}`, got `{got}`");
}

/// Stops `id` with a savepoint; its location.
async fn stop_with_savepoint(http: &reqwest::Client, id: &str) -> String {
    let v: Value = http
        .post(format!("{REST}/jobs/{id}/stop"))
        .json(&serde_json::json!({ "drain": false }))
        .send()
        .await
        .expect("stop")
        .json()
        .await
        .expect("json");
    let trigger = v["request-id"].as_str().expect("request-id").to_string();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let v: Value = http
            .get(format!("{REST}/jobs/{id}/savepoints/{trigger}"))
            .send()
            .await
            .expect("savepoint status")
            .json()
            .await
            .expect("json");
        if v["status"]["id"] == "COMPLETED" {
            return v["operation"]["location"].as_str().expect("savepoint location").into();
        }
        assert!(Instant::now() < deadline, "savepoint of {id}: {v}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `process --flink-sql` prints the password as its placeholder; `--on flink` submits the job,
/// which reaches RUNNING, recorded without the password. The Flink job id.
async fn submit(config: &str, job: &str, sink: &tokio_postgres::Client) -> String {
    // postgres/postgres: the username is the same word, so the password option is checked.
    let out = common::console(&["--config", config, "process", "--job", job, "--flink-sql"], &[]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("'password' = '${SINK_PASSWORD}'"), "{printed}");
    let out = common::console(
        &["--config", config, "process", "--job", job, "--on", "flink", "-o", "json"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "process --on flink: {stderr}");
    assert!(!stderr.contains("'password' = 'postgres'"));
    let answer: Value = serde_json::from_slice(&out.stdout).expect("json answer");
    let id = answer["flink_job_id"].as_str().expect("flink_job_id").to_string();
    let recorded = sink
        .query_one(
            "SELECT array_to_string(statements, E'\\n'), state FROM cdc.flink_submissions \
             WHERE job = $1 AND flink_job_id = $2",
            &[&job, &id],
        )
        .await
        .expect("the submission is recorded");
    let statements: String = recorded.get(0);
    assert!(statements.contains("'password' = '${SINK_PASSWORD}'"));
    assert!(!statements.contains("'password' = 'postgres'"));
    assert_eq!(recorded.get::<_, String>(1), "submitted");
    id
}

/// Stops `id` with a savepoint and restarts the job from it: the new id, running and recorded.
async fn restart(http: &reqwest::Client, config: &std::path::Path, job: &str, id: &str) -> String {
    let savepoint = stop_with_savepoint(http, id).await;
    let (loaded, _) = cdc_console::config::load(Some(config)).expect("config");
    let restarted =
        cdc_console::flink::submissions::restart_from_savepoint(&loaded, job, &savepoint)
            .await
            .expect("restart from the savepoint");
    assert_ne!(restarted, id);
    let sink = common::sink_client().await;
    let restored: Option<String> = sink
        .query_one(
            "SELECT restored_from FROM cdc.flink_submissions WHERE flink_job_id = $1",
            &[&restarted],
        )
        .await
        .expect("the restart is recorded")
        .get(0);
    assert_eq!(restored.as_deref(), Some(savepoint.as_str()));
    restarted
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_submitted_to_flink_runs_records_and_retracts() {
    let _turn = common::flink::wait_turn().await;
    common::require_stack();
    common::flink::require_flink();
    let pid = std::process::id();
    let (job, status) = (format!("fsql_{pid}"), format!("fsql-{pid}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("cdc-console.toml");
    std::fs::write(&config, common::processor::job_toml(&job, None)).expect("config");
    let (sink, source) = (common::sink_client().await, common::source_client().await);
    let table = format!("cdc.{job}_flink");
    sink.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await.expect("fresh table");
    let id = submit(config.to_str().expect("utf-8 path"), &job, &sink).await;
    let mut cancel = common::flink::CancelOnDrop(vec![id.clone()]);
    let http = reqwest::Client::new();
    until_running(&http, &id).await;

    // Three orders in one window, then an update and a delete: Flink retracts both.
    let change = |sql: String| {
        let source = &source;
        async move { source.batch_execute(&sql).await.expect("change the source") }
    };
    change(format!(
        "INSERT INTO public.orders (user_id, customer_name, amount, status, updated_at) \
         SELECT 1, 'fsql', a, '{status}', date_trunc('minute', now()) \
         FROM unnest(ARRAY[1.50, 2.25, 4.00]) a"
    ))
    .await;
    until_row(&sink, &table, &status, "3 7.75 1.5 4").await;
    change(format!(
        "UPDATE public.orders SET amount = 10 WHERE status = '{status}' AND amount = 1.50; \
         DELETE FROM public.orders WHERE status = '{status}' AND amount = 4.00"
    ))
    .await;
    until_row(&sink, &table, &status, "2 12.25 2.25 10").await;

    // Stopped with a savepoint and restarted from it under a new id, the state carries on.
    let restarted = restart(&http, &config, &job, &id).await;
    cancel.0 = vec![restarted.clone()];
    until_running(&http, &restarted).await;
    change(format!("DELETE FROM public.orders WHERE status = '{status}' AND amount = 10")).await;
    until_row(&sink, &table, &status, "1 2.25 2.25 2.25").await;

    drop(cancel);
    change(format!("DELETE FROM public.orders WHERE status = '{status}'")).await;
    sink.batch_execute(&format!(
        "DROP TABLE IF EXISTS {table}; DELETE FROM cdc.flink_submissions WHERE job = '{job}'"
    ))
    .await
    .expect("clean up the sink");
    common::flink::delete_group(&format!("cdc-console-flink-{job}")).await;
}

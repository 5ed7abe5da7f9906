//! The Flink session cluster of `compose/local/stack up flink`, read through its own REST API
//! (not the console's client): the independent reference of the Flink tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const REST: &str = "http://127.0.0.1:8081";

/// Fails with the command that brings Flink up, instead of a timeout deep inside a test: the
/// JobManager's REST API and the SQL gateway must both answer.
pub fn require_flink() {
    for (what, addr) in [("Flink REST", "127.0.0.1:8081"), ("Flink SQL gateway", "127.0.0.1:8084")]
    {
        let sock = addr.parse().expect("address");
        assert!(
            std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(2)).is_ok(),
            "{what} at {addr} is not reachable: start it with `compose/local/stack up flink`"
        );
    }
}

/// The Flink tests share one cluster and one of them kills its TaskManager: they take turns,
/// synchronous tests with [`take_turn`], async ones with [`wait_turn`] (a tokio mutex: no guard
/// of a std mutex held across an await, no poisoning by a failed test).
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn take_turn() -> tokio::sync::MutexGuard<'static, ()> {
    TURN.blocking_lock()
}

pub async fn wait_turn() -> tokio::sync::MutexGuard<'static, ()> {
    TURN.lock().await
}

pub async fn get(path: &str) -> Value {
    reqwest::get(format!("{REST}{path}"))
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// The job's state (RUNNING, RESTARTING, FAILED, CANCELED…).
pub async fn state(job: &str) -> String {
    get(&format!("/jobs/{job}")).await["state"].as_str().unwrap_or_default().to_string()
}

/// Completed checkpoints and restarts so far, as the JobManager counts them.
pub async fn completed_checkpoints(job: &str) -> i64 {
    get(&format!("/jobs/{job}/checkpoints")).await["counts"]["completed"].as_i64().unwrap_or(0)
}

/// Waits (up to `limit`) until `check` holds, polling every 500 ms; panics naming `what`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The job's state, or None when the JobManager does not answer (never panics: used from drops).
pub async fn try_state(job: &str) -> Option<String> {
    let answer = reqwest::get(format!("{REST}/jobs/{job}")).await.ok()?;
    let v: Value = answer.json().await.ok()?;
    v["state"].as_str().map(str::to_string)
}

/// Cancels the job and waits (up to 30 s) until Flink says it ended: only then may its sink
/// table go. The JDBC sink flushes its buffer when its task closes, and a flush that fails there
/// (the table dropped under it) is fatal to the whole TaskManager, every other job with it.
pub async fn cancel(job: &str) {
    let url = format!("{REST}/jobs/{job}?mode=cancel");
    if let Err(e) = reqwest::Client::new().patch(&url).send().await {
        eprintln!("cancel {job}: {e}");
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match try_state(job).await.as_deref() {
            Some("CANCELED" | "FINISHED" | "FAILED") | None => return,
            Some(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    eprintln!("{job} had not ended 30 s after its cancel");
}

/// Cancels the test's Flink jobs however it ends, each waited for (see [`cancel`]).
pub struct CancelOnDrop(pub Vec<String>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let ids = std::mem::take(&mut self.0);
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                for id in ids {
                    cancel(&id).await;
                }
            });
        })
        .join();
    }
}

/// A job's output table as (status, window start ms) → "count sum min max avg", windows ending
/// by `until` ms: sums and bounds with trailing zeros trimmed, the average to 6 places.
pub async fn windows(
    sink: &tokio_postgres::Client,
    table: &str,
    until: i64,
) -> BTreeMap<(String, i64), String> {
    let sql = format!(
        "SELECT status, (extract(epoch FROM window_start) * 1000)::bigint, \
         concat_ws(' ', count, trim_scale(sum_amount), trim_scale(min_amount), \
                   trim_scale(max_amount), trim_scale(round(avg_amount, 6))) \
         FROM {table} WHERE (extract(epoch FROM window_end) * 1000)::bigint <= $1"
    );
    sink.query(&sql, &[&until])
        .await
        .unwrap_or_else(|e| panic!("{table}: {e}"))
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect()
}

/// The windows where `a` and `b` differ, one line each (empty: equal).
pub fn differences(
    a_name: &str,
    a: &BTreeMap<(String, i64), String>,
    b_name: &str,
    b: &BTreeMap<(String, i64), String>,
) -> Vec<String> {
    let mut keys: Vec<&(String, i64)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            format!(
                "window {} status {}: {a_name} {:?}, {b_name} {:?}",
                super::changelog::iso(k.1),
                k.0,
                a.get(k),
                b.get(k)
            )
        })
        .collect()
}

/// 2026-11-21T10:00:00Z: the generated changelogs' first event time.
pub const START_MS: i64 = 1_795_255_200_000;
pub const WINDOW_MS: i64 = 10_000;

/// The default job's shape on `topic`, every aggregate, lateness long enough for any retraction.
pub fn job_toml(job: &str, topic: &str) -> String {
    format!(
        r#"[[jobs]]
name = "{job}"
topics = ["{topic}"]
source_tables = ["public.orders"]
event_time = "updated_at"
window = {{ kind = "tumbling", size = "10s" }}
group_by = ["status"]
aggregates = [{{ fn = "count" }}, {{ fn = "sum", column = "amount" }}, {{ fn = "avg", column = "amount" }}, {{ fn = "min", column = "amount" }}, {{ fn = "max", column = "amount" }}]
out_of_orderness = "2s"
idle_timeout = "5s"
allowed_lateness = "30d"
output = {{ table = "cdc.{job}" }}
"#
    )
}

/// The Flink job id in `process --on flink`'s output: the first 32-hex-digit word.
pub fn job_id_in(out: &str) -> Option<String> {
    out.split(|c: char| !c.is_ascii_hexdigit()).find(|w| w.len() == 32).map(str::to_string)
}

/// `process --job JOB --on flink` with `config`: the Flink job id it started.
pub fn submit(config: &str, job: &str) -> String {
    let out = super::console(&["--config", config, "process", "--job", job, "--on", "flink"], &[]);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "--on flink: {printed}{}", String::from_utf8_lossy(&out.stderr));
    job_id_in(&printed).unwrap_or_else(|| panic!("no Flink job id in: {printed}"))
}

/// The embedded job replayed from the start to the end of its topics: the watermark it fired
/// up to, and its windows by then.
pub async fn embedded(
    sink: &tokio_postgres::Client,
    config: &str,
    job: &str,
) -> (i64, BTreeMap<(String, i64), String>) {
    let out = super::console(
        &["--config", config, "process", "--job", job, "--reset", "--until-idle"],
        &[],
    );
    assert!(out.status.success(), "embedded: {}", String::from_utf8_lossy(&out.stderr));
    let until = super::processor::fired_until(sink, job).await;
    assert!(until > START_MS + 3 * WINDOW_MS, "the embedded job fired too little: {until}");
    (until, windows(sink, &format!("cdc.{job}"), until).await)
}

/// Waits (up to 3 minutes) until the Flink run's table equals `expected` for the windows ending
/// by `until`; panics naming every differing window, or when the Flink job fails.
pub async fn converge(
    sink: &tokio_postgres::Client,
    table: &str,
    flink_job: &str,
    expected: &BTreeMap<(String, i64), String>,
    until: i64,
) -> Duration {
    let started = Instant::now();
    loop {
        let on_flink = windows(sink, table, until).await;
        let diff = differences("embedded", expected, "flink", &on_flink);
        if diff.is_empty() {
            return started.elapsed();
        }
        assert_ne!(state(flink_job).await, "FAILED", "the Flink job failed");
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{} windows differ:\n{}",
            diff.len(),
            diff.join("\n")
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The windows' "count sum min max" without the average: what the truth computes.
pub fn without_avg(w: &BTreeMap<(String, i64), String>) -> BTreeMap<(String, i64), String> {
    w.iter()
        .map(|(k, v)| (k.clone(), v.rsplit_once(' ').map_or(v.as_str(), |(a, _)| a).to_string()))
        .collect()
}

/// Cancels the Flink job and forgets the embedded job (checkpoints, partials, both output
/// tables) however the test ends.
pub struct CleanUp {
    pub flink_job: Option<String>,
    pub job: cdc_console::config::job::JobConfig,
}

impl Drop for CleanUp {
    fn drop(&mut self) {
        let (id, job) = (self.flink_job.clone(), self.job.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                if let Some(id) = id {
                    cancel(&id).await;
                }
                let sink = super::sink_client().await;
                let _ = cdc_console::pipeline::processor::sink::reset(&sink, &job).await;
                let t = &job.output.table;
                let _ = sink.batch_execute(&format!("DROP TABLE IF EXISTS {t}, {t}_flink")).await;
            });
        })
        .join();
    }
}

/// The job's restarts (the `numRestarts` job metric).
pub async fn restarts(job: &str) -> i64 {
    let m = get(&format!("/jobs/{job}/metrics?get=numRestarts")).await;
    m[0]["value"].as_str().and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// `cdc-console flink job ID -o json` after a restart: RUNNING, the restart counted, and the
/// checkpoint it was restored from.
pub fn assert_console_shows_restart(shown: &Value) {
    assert_eq!(shown["state"], "RUNNING", "{shown:#}");
    let restarts = shown["restarts"].as_i64().unwrap_or(0);
    assert!(restarts >= 1, "the console shows no restart: {shown:#}");
    let checkpoints = &shown["checkpoints"];
    assert!(checkpoints["completed"].as_i64().unwrap_or(0) >= 1, "no checkpoint: {shown:#}");
    assert!(checkpoints["restored"].as_i64().unwrap_or(0) >= 1, "no restore: {shown:#}");
    assert!(
        checkpoints["latest_restored"]["id"].as_i64().is_some(),
        "the console names no restored checkpoint: {shown:#}"
    );
}

/// A job of the default shape on a scratch topic of its own (4 partitions), its config file, a
/// changelog generator for the topic, and the clean-up of both engines' runs. Made and dropped
/// outside any async runtime (the scratch topic blocks on its own).
pub struct PeerJob {
    pub job: String,
    pub topic: String,
    /// The config file's path.
    pub config: String,
    pub changelog: super::changelog::Changelog,
    pub clean_up: CleanUp,
    _dir: tempfile::TempDir,
    /// Dropped last: the topic and the Flink job's consumer group go once nothing reads them.
    _scratch: super::kafka::ScratchTopic,
}

impl PeerJob {
    pub fn new(prefix: &str, seed: u64) -> Self {
        super::require_stack();
        require_flink();
        let pid = std::process::id();
        let (job, topic) = (format!("{prefix}_{pid}"), format!("cdc-console-test-{prefix}-{pid}"));
        let mut scratch = super::kafka::ScratchTopic::create(&topic, 4);
        scratch.owns_group(&format!("cdc-console-flink-{job}"));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cdc-console.toml");
        std::fs::write(&path, job_toml(&job, &topic)).expect("config");
        let (loaded, _) = cdc_console::config::load(Some(&path)).expect("the test config");
        let brokers = super::config().kafka.brokers;
        Self {
            clean_up: CleanUp { flink_job: None, job: loaded.jobs[0].clone() },
            changelog: super::changelog::Changelog::new(&brokers, seed, START_MS, 10, 4),
            config: path.to_str().expect("utf-8").to_string(),
            job,
            topic,
            _dir: dir,
            _scratch: scratch,
        }
    }

    /// The Flink run's output table.
    pub fn flink_table(&self) -> String {
        format!("{}_flink", self.clean_up.job.output.table)
    }
}

/// Deletes the consumer group a Flink job's Kafka source committed its offsets under.
pub async fn delete_group(group: &str) {
    use rdkafka::admin::{AdminClient, AdminOptions};
    use rdkafka::client::DefaultClientContext;
    let admin: AdminClient<DefaultClientContext> =
        super::kafka::plain_config().create().expect("admin client");
    let opts = AdminOptions::new().request_timeout(Some(super::kafka::TIMEOUT));
    if let Err(e) = admin.delete_groups(&[group], &opts).await {
        eprintln!("cleanup of group {group}: {e}");
    }
}

//! The embedded processor beside Flink (parallelism 1), same machine, same run:
//! 1. events/s per core replaying the same topic (a generated changelog of `public.orders` with
//!    updates and deletes) for a tumbling and a hopping job: the embedded run is the real binary
//!    (`process --reset --until-idle`), its CPU time and peak RSS read from /proc while it runs;
//!    Flink's is the CPU its TaskManagers spend beyond their idle rate until its output table
//!    equals the embedded one, and their resident memory;
//! 2. end-to-end result latency at 2,000 changes/s through the real pipeline (generator →
//!    PostgreSQL → Debezium → Kafka → job → sink): a probe order with a status of its own is
//!    committed every second and each engine's output table watched for its row.
//!
//!   compose/local/stack up && compose/local/stack up flink
//!   cargo bench --bench flink_peer
//!   FLINK_BENCH_EVENTS=200000 FLINK_BENCH_LATENCY_SECS=30 cargo bench --bench flink_peer

#[path = "../tests/common/changelog.rs"]
mod changelog;
#[path = "support/flink_latency.rs"]
mod latency;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cdc_console::config::Config;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;

const START_MS: i64 = 1_795_255_200_000;
const REST: &str = "http://127.0.0.1:8081";

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// utime + stime of a process, seconds (USER_HZ is 100 on Linux).
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// A `/proc/PID/status` field in KiB (VmRSS, VmHWM).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The pids of the stack's running TaskManagers and JobManager.
fn flink_pids() -> (Vec<u32>, Option<u32>) {
    let run = root().join(".stack/run");
    let read = |p: &Path| std::fs::read_to_string(p).ok().and_then(|s| s.trim().parse().ok());
    let alive = |pid: &u32| Path::new(&format!("/proc/{pid}")).exists();
    let tms = (1..=2)
        .filter_map(|n| read(&run.join(format!("flink-taskmanager-{n}.pid"))))
        .filter(alive)
        .collect();
    (tms, read(&run.join("flink-jobmanager.pid")).filter(alive))
}

fn tm_cpu() -> f64 {
    flink_pids().0.into_iter().filter_map(cpu_secs).sum()
}

fn job_toml(job: &str, topic: &str, window: &str) -> String {
    format!(
        r#"[[jobs]]
name = "{job}"
topics = ["{topic}"]
source_tables = ["public.orders"]
event_time = "updated_at"
window = {window}
group_by = ["status"]
aggregates = [{{ fn = "count" }}, {{ fn = "sum", column = "amount" }}, {{ fn = "avg", column = "amount" }}, {{ fn = "min", column = "amount" }}, {{ fn = "max", column = "amount" }}]
out_of_orderness = "2s"
idle_timeout = "5s"
allowed_lateness = "30d"
output = {{ table = "cdc.{job}" }}
"#
    )
}

fn console(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cdc-console"));
    c.arg("--config").arg(config).env("CDC_CONSOLE_LOG_DIR", std::env::temp_dir());
    c
}

/// Runs the embedded replay, sampling its CPU and peak RSS: (wall s, CPU s, VmHWM KiB).
fn embedded_replay(config: &Path, job: &str) -> (f64, f64, u64) {
    let t = Instant::now();
    let mut child = console(config)
        .args(["process", "--job", job, "--reset", "--until-idle"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the embedded run");
    let (mut cpu, mut hwm) = (0.0, 0);
    loop {
        if let Some(c) = cpu_secs(child.id()) {
            cpu = c;
        }
        hwm = status_kib(child.id(), "VmHWM").unwrap_or(hwm);
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "the embedded run failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (t.elapsed().as_secs_f64(), cpu, hwm)
}

async fn windows(
    sink: &tokio_postgres::Client,
    table: &str,
    until: i64,
) -> BTreeMap<String, String> {
    let sql = format!(
        "SELECT status || ' ' || (extract(epoch FROM window_start) * 1000)::bigint, \
         concat_ws(' ', count, trim_scale(sum_amount), trim_scale(min_amount), trim_scale(max_amount)) \
         FROM {table} WHERE (extract(epoch FROM window_end) * 1000)::bigint <= $1"
    );
    match sink.query(&sql, &[&until]).await {
        Ok(rows) => rows.iter().map(|r| (r.get(0), r.get(1))).collect(),
        Err(_) => BTreeMap::new(),
    }
}

async fn fired_until(sink: &tokio_postgres::Client, job: &str) -> i64 {
    sink.query_one(
        "SELECT min((state->>'watermark')::bigint) FROM cdc.processor_checkpoints WHERE job = $1",
        &[&job],
    )
    .await
    .ok()
    .and_then(|r| r.get::<_, Option<i64>>(0))
    .unwrap_or(0)
}

fn submit(config: &Path, job: &str) -> String {
    let out =
        console(config).args(["process", "--job", job, "--on", "flink"]).output().expect("submit");
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "--on flink: {printed}{}", String::from_utf8_lossy(&out.stderr));
    printed
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|w| w.len() == 32)
        .unwrap_or_else(|| panic!("no job id in {printed}"))
        .to_string()
}

/// Cancels and waits until the job ended: its JDBC sink flushes on close, and a flush failing
/// there (the table dropped under it) is fatal to the TaskManager.
async fn cancel(id: &str) {
    let _ = reqwest::Client::new().patch(format!("{REST}/jobs/{id}?mode=cancel")).send().await;
    for _ in 0..150 {
        let state = match reqwest::get(format!("{REST}/jobs/{id}")).await {
            Ok(r) => r
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v["state"].as_str().map(str::to_string)),
            Err(_) => None,
        };
        if !matches!(
            state.as_deref(),
            Some("RUNNING" | "CANCELLING" | "RESTARTING" | "CREATED" | "INITIALIZING")
        ) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn forget(sink: &tokio_postgres::Client, job: &str) {
    let _ = sink
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS cdc.{job}, cdc.{job}_flink; \
             DELETE FROM cdc.processor_checkpoints WHERE job = '{job}'; \
             DELETE FROM cdc.window_partials WHERE job = '{job}'"
        ))
        .await;
}

/// One window kind, both engines on `topic` of `events` change events.
async fn replay(
    sink: &tokio_postgres::Client,
    dir: &Path,
    topic: &str,
    kind: &str,
    window: &str,
    events: u64,
) {
    let job = format!("fbench_{kind}_{}", std::process::id());
    let config = dir.join(format!("{kind}.toml"));
    std::fs::write(&config, job_toml(&job, topic, window)).expect("config");
    let (wall, cpu, hwm) = embedded_replay(&config, &job);
    let until = fired_until(sink, &job).await;
    let expected = windows(sink, &format!("cdc.{job}"), until).await;
    println!(
        "{kind:8} embedded: {events} events in {wall:.1} s wall, {cpu:.1} s CPU = {:.0} events/s per core \
         ({:.0} events/s wall), peak RSS {:.0} MiB",
        events as f64 / cpu,
        events as f64 / wall,
        hwm as f64 / 1024.0
    );

    // Flink: its TaskManagers' idle CPU rate first, then the run until its table equals ours.
    let (c0, t0) = (tm_cpu(), Instant::now());
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = (tm_cpu() - c0) / t0.elapsed().as_secs_f64();
    let (c1, t1) = (tm_cpu(), Instant::now());
    let id = submit(&config, &job);
    let table = format!("cdc.{job}_flink");
    while windows(sink, &table, until).await != expected {
        assert!(t1.elapsed() < Duration::from_secs(1800), "Flink did not converge");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let wall = t1.elapsed().as_secs_f64();
    let cpu = tm_cpu() - c1 - idle * wall;
    let (tms, jm) = flink_pids();
    let tm_rss: u64 = tms.iter().filter_map(|p| status_kib(*p, "VmRSS")).sum();
    let jm_rss = jm.and_then(|p| status_kib(p, "VmRSS")).unwrap_or(0);
    println!(
        "{kind:8} flink p1: {events} events in {wall:.1} s wall (submit to equal table), {cpu:.1} s \
         TaskManager CPU beyond idle ({idle:.2} cores) = {:.0} events/s per core; RSS TaskManager(s) \
         {:.0} MiB, JobManager {:.0} MiB",
        events as f64 / cpu.max(0.01),
        tm_rss as f64 / 1024.0,
        jm_rss as f64 / 1024.0
    );
    cancel(&id).await;
    forget(sink, &job).await;
}

#[tokio::main]
async fn main() {
    let events = env("FLINK_BENCH_EVENTS", 300_000);
    let config = Config::default();
    let (sink, conn) = config
        .sink
        .pg_config(Duration::from_secs(5))
        .connect(tokio_postgres::NoTls)
        .await
        .expect("sink (is the local stack up?)");
    tokio::spawn(conn);
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = format!("cdc-console-bench-flink-{}", std::process::id());
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &config.kafka.brokers)
        .create()
        .expect("admin");
    let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(30)));
    admin
        .create_topics(&[NewTopic::new(&topic, 4, TopicReplication::Fixed(3))], &opts)
        .await
        .expect("create topic");
    let t = Instant::now();
    let mut log = changelog::Changelog::new(&config.kafka.brokers, 7, START_MS, 2, 4);
    log.produce(&topic, usize::try_from(events).expect("events"));
    println!(
        "changelog: {events} events ({:?}) written in {:.1} s",
        log.counts,
        t.elapsed().as_secs_f64()
    );

    replay(&sink, dir.path(), &topic, "tumbling", r#"{ kind = "tumbling", size = "10s" }"#, events)
        .await;
    replay(
        &sink,
        dir.path(),
        &topic,
        "hopping",
        r#"{ kind = "hopping", size = "10s", slide = "2s" }"#,
        events,
    )
    .await;
    let _ = admin.delete_topics(&[&topic], &opts).await;

    let secs = env("FLINK_BENCH_LATENCY_SECS", 60);
    latency::run(&config, &sink, dir.path(), secs).await;
}

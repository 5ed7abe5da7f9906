//! A console subcommand as a separate process, the generator as load, and the replica's
//! progress and convergence: shared by the stack tests that disturb a running pipeline.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cdc_console::pipeline::generator::{self, Settings};

/// A `cdc-console` subcommand running for the whole test, killed when dropped.
pub struct Stage(pub Child);

impl Stage {
    pub fn start(config: &Path, logs: &Path, args: &[&str]) -> Stage {
        let child = Command::new(env!("CARGO_BIN_EXE_cdc-console"))
            .args(["--config", config.to_str().expect("utf-8")])
            .args(args)
            .env("CDC_CONSOLE_LOG_DIR", logs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cdc-console");
        Stage(child)
    }

    /// [`start`](Self::start), its stderr written to `stderr`.
    pub fn start_logged(config: &Path, logs: &Path, args: &[&str], stderr: &Path) -> Stage {
        let child = Command::new(env!("CARGO_BIN_EXE_cdc-console"))
            .args(["--config", config.to_str().expect("utf-8")])
            .args(args)
            .env("CDC_CONSOLE_LOG_DIR", logs)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(stderr).expect("stderr file"))
            .spawn()
            .expect("start cdc-console");
        Stage(child)
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The generator at `rate` changes/s, one second at a time, until `stop`.
pub fn generate(rate: u32, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let (mut done, mut seed) = (0, u64::from(std::process::id()) * 1000);
        while !stop.load(Ordering::Relaxed) {
            seed += 1;
            let settings = Settings {
                rate,
                duration: Some(Duration::from_secs(1)),
                seed,
                mix: Default::default(),
            };
            done += generator::run(&super::config().source, &settings, std::future::pending())
                .await
                .expect("generator")
                .changes;
        }
        done
    })
}

/// Events the replica has applied (`cdc.replica_stats`), 0 before its first batch.
pub async fn applied(sink: &tokio_postgres::Client, replica: &str) -> i64 {
    sink.query_opt("SELECT applied_events FROM cdc.replica_stats WHERE replica = $1", &[&replica])
        .await
        .ok()
        .flatten()
        .map_or(0, |r| r.get(0))
}

/// Waits until the replica has applied more than `seen` events.
pub async fn replica_moves(
    sink: &tokio_postgres::Client,
    replica: &str,
    seen: i64,
    within: Duration,
) -> i64 {
    let deadline = Instant::now() + within;
    loop {
        let now = applied(sink, replica).await;
        if now > seen {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the replicator applied nothing new in {within:?} (still {now})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until `cdc-console diff` finds the replica equal to its source (0 differences, nothing
/// in flight), for up to 2 minutes.
pub async fn replica_converges(config: &Path, replica: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = super::console(
            &[
                "--config",
                config.to_str().expect("utf-8"),
                "diff",
                replica,
                "-o",
                "json",
                "--settle",
                "30s",
            ],
            &[],
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let differences =
            report["tables"][0]["differences"].as_array().map_or(usize::MAX, Vec::len);
        let in_flight = report["tables"][0]["in_flight"].as_array().map_or(usize::MAX, Vec::len);
        if out.status.code() == Some(0) && differences == 0 && in_flight == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the replica did not converge: {report:#}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The job's watermark (the lowest of its partitions'), once it has checkpoints.
pub async fn watermark(sink: &tokio_postgres::Client, job: &str) -> Option<i64> {
    let q =
        "SELECT min((state->>'watermark')::bigint) FROM cdc.processor_checkpoints WHERE job = $1";
    sink.query_one(q, &[&job]).await.ok().and_then(|r| r.get::<_, Option<i64>>(0))
}

/// The retries a stage logged on stderr, one line each.
pub fn logged_retries(stderr: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(stderr).unwrap_or_default();
    text.lines().filter(|l| l.contains(": retry ")).map(str::to_owned).collect()
}

/// A replica of `public.orders` and a windowed job on its topic, named for this test process,
/// in a config file of their own: what the tests that disturb a running pipeline run.
pub struct Scenario {
    pub replica: String,
    pub job: String,
    /// The config file, in `dir`.
    pub config: std::path::PathBuf,
    pub dir: tempfile::TempDir,
    pub loaded: cdc_console::config::Config,
}

impl Scenario {
    /// A fresh replica table and a reset job, their names prefixed by `prefix`.
    pub async fn new(prefix: &str, sink: &tokio_postgres::Client) -> Scenario {
        let pid = std::process::id();
        let (replica, job) = (format!("{prefix}_{pid}"), format!("{prefix}_job_{pid}"));
        sink.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS cdc; DROP TABLE IF EXISTS cdc.{replica}"
        ))
        .await
        .expect("fresh replica");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("cdc-console.toml");
        let toml = format!(
            "[[replicas]]\nname = \"{replica}\"\nsource = \"public.orders\"\nsink = \"cdc.{replica}\"\ntopic = \"dbserver1.public.orders\"\n\n{}",
            super::processor::job_toml(&job, None)
        );
        std::fs::write(&config, toml).expect("config");
        let (loaded, _) = cdc_console::config::load(Some(&config)).expect("config");
        cdc_console::pipeline::processor::sink::reset(sink, &loaded.jobs[0])
            .await
            .expect("reset job");
        Scenario { replica, job, config, dir, loaded }
    }

    /// Forgets the job and the replica: tables, checkpoints, offsets and counters.
    pub async fn clean_up(&self, sink: &tokio_postgres::Client) {
        cdc_console::pipeline::processor::sink::reset(sink, &self.loaded.jobs[0])
            .await
            .expect("reset job");
        let (job, replica) = (&self.job, &self.replica);
        sink.batch_execute(&format!(
            "DROP TABLE IF EXISTS cdc.{job}; DROP TABLE IF EXISTS cdc.{replica}; \
             DELETE FROM cdc.progress WHERE consumer = '{replica}'; \
             DELETE FROM cdc.replica_stats WHERE replica = '{replica}'"
        ))
        .await
        .expect("clean up");
    }
}

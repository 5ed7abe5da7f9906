//! Two instances of one job in one consumer group split the orders topic's partitions while
//! changes flow, then one of them stops and the other takes its partitions over through their
//! checkpoints; the final windows equal the truth recomputed from the source.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cdc_console::pipeline::generator::{self, Settings};

struct Instance(Child, std::path::PathBuf);

impl Instance {
    fn start(config: &std::path::Path, logs: std::path::PathBuf) -> Instance {
        std::fs::create_dir_all(&logs).expect("log dir");
        let child = Command::new(env!("CARGO_BIN_EXE_cdc-console"))
            .args(["--config", config.to_str().expect("utf-8"), "process", "--group"])
            .env("CDC_CONSOLE_LOG_DIR", &logs)
            .env("CDC_CONSOLE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start process");
        Instance(child, logs)
    }

    /// The partition sets the group assigned to this instance, in order, from its log.
    fn assignments(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(&self.1).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            out.extend(text.lines().filter_map(|l| l.split_once("assigned ").map(|(_, a)| a.to_string())));
        }
        out
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Partitions in an assignment line like `{("dbserver1.public.orders", 0), ("…", 2)}`.
fn partitions(line: &str) -> usize {
    line.matches(common::processor::TOPIC).count()
}

/// Ignored in the suite: on the local stack it depends on tansu's group coordinator, which
/// stalls a JoinGroup while a member it still counts is gone (seen here: the first instance
/// never got an assignment, or an instance's rejoin after a rebalance waited past its session).
/// It passed once on this stack; against Apache Kafka (compose/docker-compose.yml) run it with
/// `cargo test --test processor_group -- --ignored`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "tansu's group coordinator stalls JoinGroup (STACK.md); run against Apache Kafka"]
async fn two_instances_split_the_partitions_and_hand_them_over_through_checkpoints() {
    common::require_stack();
    let job = format!("grp_{}", std::process::id());
    let sink = common::sink_client().await;
    let source = common::source_client().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cdc-console.toml");
    std::fs::write(&path, common::processor::job_toml(&job, None)).expect("config");
    let (config, _) = cdc_console::config::load(Some(&path)).expect("config");
    cdc_console::pipeline::processor::sink::reset(&sink, &config.jobs[0]).await.expect("reset");

    let generating = tokio::spawn(async {
        let settings = Settings { rate: 1000, duration: Some(Duration::from_secs(20)), seed: 23, mix: Default::default() };
        generator::run(&common::config().source, &settings, std::future::pending()).await.expect("generator")
    });
    let mut a = Instance::start(&path, dir.path().join("a"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut b = Instance::start(&path, dir.path().join("b"));

    // Both own part of the topic at the same time.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (la, lb) = (a.assignments(), b.assignments());
        let split = |l: &[String]| l.last().is_some_and(|x| (1..4).contains(&partitions(x)));
        if split(&la) && split(&lb) {
            let (pa, pb) = (partitions(la.last().expect("a")), partitions(lb.last().expect("b")));
            assert_eq!(pa + pb, 4, "the two instances own every partition once: {la:?} {lb:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the group never split the partitions: a {la:?}, b {lb:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;

    // A leaves: B takes every partition over from A's checkpoints.
    a.terminate();
    let deadline = Instant::now() + Duration::from_secs(60);
    while b.assignments().last().is_none_or(|x| partitions(x) != 4) {
        assert!(Instant::now() < deadline, "B never took A's partitions: {:?}", b.assignments());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    generating.await.expect("generator task");
    b.terminate();

    // Catch up; the fired windows equal the truth.
    common::processor::converge_to_truth(&path, &sink, &source, &job).await;
    cdc_console::pipeline::processor::sink::reset(&sink, &config.jobs[0]).await.expect("reset");
    sink.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{job}")).await.expect("drop output");
}

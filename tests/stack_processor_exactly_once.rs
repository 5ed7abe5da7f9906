//! The embedded processor's exactly-once claim, on the local stack: a tumbling-window job over
//! the orders topic (event time `updated_at`, count/sum/min/max of amount by status) runs while
//! the generator writes inserts, updates and deletes; its task is aborted and its process
//! SIGKILLed several times mid-stream and restarted each time. The final windows must equal the
//! truth recomputed by SQL from the source (each live row in the window of its `updated_at`:
//! what retracting every update's before image and every delete leaves), and the events applied
//! must equal the change events on the topic below the checkpoints' offsets.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cdc_console::config::Config;
use cdc_console::pipeline::generator::{self, Settings};
use cdc_console::pipeline::processor::{self as processor, Options};
use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};

use common::processor::TOPIC;

fn job_name() -> String {
    format!("eo_{}", std::process::id())
}

fn output_topic() -> String {
    format!("cdc-console-test-{}", job_name())
}

fn config_toml() -> String {
    common::processor::job_toml(&job_name(), Some(&output_topic()))
}

async fn checkpointed(sink: &tokio_postgres::Client, job: &str) -> i64 {
    sink.query_one("SELECT coalesce(sum(next_offset), 0)::bigint FROM cdc.processor_checkpoints WHERE job = $1", &[&job])
        .await
        .map_or(0, |r| r.get(0))
}

/// Waits (up to 60 s) until the job's checkpoints pass `seen`: the run is mid-stream.
async fn progressed(sink: &tokio_postgres::Client, job: &str, seen: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while checkpointed(sink, job).await <= seen && Instant::now() <= deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The output topic read to its end: the last record per (status, window start), as
/// "count sum min max", or None for a window emptied by retractions.
fn feed() -> BTreeMap<(String, String), Option<String>> {
    let topic = output_topic();
    let c: BaseConsumer = common::kafka::plain_config()
        .set("group.id", format!("{topic}-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let md = c.fetch_metadata(Some(&topic), common::kafka::TIMEOUT).expect("metadata");
    // The job created its output topic (the local broker creates none by itself), as wide as its input.
    let input = c.fetch_metadata(Some(TOPIC), common::kafka::TIMEOUT).expect("input metadata");
    let width = |m: &rdkafka::metadata::Metadata| {
        m.topics().iter().map(|t| t.partitions().len()).sum::<usize>()
    };
    assert_eq!(width(&md), width(&input), "output topic partitions");
    let mut out = BTreeMap::new();
    for p in md
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(rdkafka::metadata::MetadataPartition::id))
    {
        let (low, high) =
            c.fetch_watermarks(&topic, p, common::kafka::TIMEOUT).expect("watermarks");
        let mut tpl = rdkafka::TopicPartitionList::new();
        tpl.add_partition_offset(&topic, p, rdkafka::Offset::Offset(low)).expect("partition");
        c.assign(&tpl).expect("assign");
        let mut at = low;
        while at < high {
            let m = c.poll(Duration::from_secs(10)).expect("a result record").expect("record");
            let v: serde_json::Value =
                serde_json::from_slice(m.payload().unwrap_or_default()).expect("JSON result");
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let trim = |k: &str| {
                let t = s(k);
                if t.contains('.') {
                    t.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    t
                }
            };
            let value = (v["deleted"] == false).then(|| {
                format!(
                    "{} {} {} {}",
                    s("count"),
                    trim("sum_amount"),
                    trim("min_amount"),
                    trim("max_amount")
                )
            });
            out.insert((s("status"), s("window_start")), value);
            at = m.offset() + 1;
        }
    }
    out
}

/// Change events (not tombstones) below each partition's checkpointed offset.
async fn events_below_checkpoints(sink: &tokio_postgres::Client, job: &str) -> i64 {
    let stored: Vec<(i32, i64)> = sink
        .query("SELECT partition, next_offset FROM cdc.processor_checkpoints WHERE job = $1 AND topic = $2", &[&job, &TOPIC])
        .await
        .expect("checkpoints")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    tokio::task::spawn_blocking(move || {
        let c: BaseConsumer = common::kafka::plain_config()
            .set("group.id", "processor-test-counter")
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let mut n = 0;
        for (p, next) in stored {
            let (low, _) =
                c.fetch_watermarks(TOPIC, p, common::kafka::TIMEOUT).expect("watermarks");
            let mut tpl = rdkafka::TopicPartitionList::new();
            tpl.add_partition_offset(TOPIC, p, rdkafka::Offset::Offset(low)).expect("partition");
            c.assign(&tpl).expect("assign");
            let mut at = low;
            while at < next {
                let m = c
                    .poll(Duration::from_secs(10))
                    .expect("a record below the checkpoint")
                    .expect("record");
                if m.offset() < next && m.payload().is_some_and(|b| !b.is_empty()) {
                    n += 1;
                }
                at = m.offset() + 1;
            }
        }
        n
    })
    .await
    .expect("count task")
}

#[tokio::test(flavor = "multi_thread")]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
async fn killed_and_aborted_runs_neither_double_count_nor_lose() {
    common::require_stack();
    let job = job_name();
    let sink = common::sink_client().await;
    let source = common::source_client().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cdc-console.toml");
    std::fs::write(&path, config_toml()).expect("config");
    let (config, _): (Config, _) = cdc_console::config::load(Some(&path)).expect("the test config");
    let job_config = config.jobs[0].clone();
    let (c, conn) = config
        .sink
        .pg_config(Duration::from_secs(5))
        .connect(tokio_postgres::NoTls)
        .await
        .expect("sink");
    tokio::spawn(conn);
    cdc_console::pipeline::processor::sink::reset(&c, &job_config).await.expect("reset");

    let generating = tokio::spawn(async {
        let settings = Settings {
            rate: 1500,
            duration: Some(Duration::from_secs(25)),
            seed: 11,
            mix: Default::default(),
        };
        generator::run(&common::config().source, &settings, std::future::pending())
            .await
            .expect("generator")
    });

    // Three processes killed with SIGKILL mid-stream, each after it committed something.
    let mut seen = 0;
    let mut progress = Vec::new();
    for i in 0..3u64 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cdc-console"))
            .args(["--config", path.to_str().expect("utf-8"), "process"])
            .env("CDC_CONSOLE_LOG_DIR", dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start process");
        progressed(&sink, &job, seen).await;
        tokio::time::sleep(Duration::from_millis(300 + 211 * i)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        // The next run must commit past what this one left before it is interrupted in turn.
        seen = checkpointed(&sink, &job).await;
        progress.push(seen);
    }
    // Then two embedded runs whose task is aborted mid-stream.
    for i in 0..2u64 {
        let (cfg, jc) = (config.clone(), job_config.clone());
        let task = tokio::spawn(async move {
            let (_pause, paused) = tokio::sync::watch::channel(false);
            let (tx, _rx) = tokio::sync::watch::channel(Default::default());
            processor::run(&cfg, &jc, &Options::default(), paused, std::future::pending(), tx).await
        });
        progressed(&sink, &job, seen).await;
        tokio::time::sleep(Duration::from_millis(250 + 173 * i)).await;
        task.abort();
        let _ = task.await;
        seen = checkpointed(&sink, &job).await;
        progress.push(seen);
    }
    let generated = generating.await.expect("generator task");
    eprintln!(
        "generated {} changes; checkpointed offsets after each kill: {progress:?}",
        generated.changes
    );
    assert!(
        progress.windows(2).filter(|w| w[1] > w[0]).count() >= 3,
        "fewer than four interrupted runs committed work: {progress:?}"
    );

    // Catch up; the fired windows equal the truth.
    common::processor::converge_to_truth(&path, &sink, &source, &job).await;
    // The output topic, read to its end, ends with the table's values (at least once: the last
    // record per window wins).
    let table = common::processor::results(&sink, &job, i64::MAX).await;
    let records = tokio::task::spawn_blocking(feed).await.expect("feed task");
    for ((status, start), v) in &table {
        let key = (status.clone(), cdc_console::units::epoch_ms(*start));
        assert_eq!(records.get(&key), Some(&Some(v.clone())), "output topic for {key:?}");
    }
    assert_eq!(
        records.values().filter(|v| v.is_some()).count(),
        table.len(),
        "live windows in the output topic"
    );

    let late: i64 = sink
        .query_one("SELECT count(*) FROM cdc.late_events WHERE job = $1", &[&job])
        .await
        .expect("late")
        .get(0);
    assert_eq!(late, 0, "nothing is beyond 30 days of allowed lateness");
    let applied: i64 = sink
        .query_one("SELECT sum((state->>'events_applied')::bigint)::bigint FROM cdc.processor_checkpoints WHERE job = $1", &[&job])
        .await
        .expect("applied")
        .get::<_, Option<i64>>(0)
        .unwrap_or(0);
    assert_eq!(
        applied,
        events_below_checkpoints(&sink, &job).await,
        "events applied ≠ change events consumed"
    );

    cdc_console::pipeline::processor::sink::reset(&c, &job_config).await.expect("reset");
    c.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{job}")).await.expect("drop output");
    let admin: rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext> =
        common::kafka::plain_config().create().expect("admin");
    let _ = admin.delete_topics(&[&output_topic()], &rdkafka::admin::AdminOptions::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_table_without_replica_identity_full_is_refused_with_the_fix() {
    common::require_stack();
    let source = common::source_client().await;
    let table = format!("public.ri_default_{}", std::process::id());
    source
        .batch_execute(&format!("CREATE TABLE {table} (id bigint PRIMARY KEY, status text)"))
        .await
        .expect("table");
    let mut job = cdc_console::config::job::JobConfig::orders_by_status();
    job.source_tables = vec![table.clone()];
    let (_pause, paused) = tokio::sync::watch::channel(false);
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let result = processor::run(
        &common::config(),
        &job,
        &Options::default(),
        paused,
        std::future::pending(),
        tx,
    )
    .await;
    source.batch_execute(&format!("DROP TABLE {table}")).await.expect("drop");
    let e = result.expect_err("refused").to_string();
    assert!(
        e.contains("REPLICA IDENTITY DEFAULT")
            && e.contains(&format!("ALTER TABLE {table} REPLICA IDENTITY FULL")),
        "{e}"
    );
}

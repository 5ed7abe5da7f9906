//! A replica whose stored offset is beyond its recreated topic's end (issue 19): the replicator
//! stops before the first fetch with an error that names topic, partition, stored offset and
//! watermarks and is not worth a retry; with `on_offset_out_of_range = "earliest"` it warns and
//! applies the recreated topic from its start.

mod common;

use std::time::Duration;

use cdc_console::config::{Config, OnOffsetOutOfRange, ReplicaConfig};
use cdc_console::pipeline::replicator::{self, Options, ReplicatorError, ReplicatorSnapshot};
use common::kafka::{ScratchTopic, produce_orders};

fn config(name: &str, topic: &str, policy: OnOffsetOutOfRange) -> Config {
    let replica = ReplicaConfig {
        on_offset_out_of_range: policy,
        ..ReplicaConfig::full(name, "public.orders", &format!("cdc.{name}"), topic)
    };
    Config { replicas: vec![replica], ..common::config() }
}

async fn until_idle(config: &Config) -> Result<ReplicatorSnapshot, ReplicatorError> {
    let (tx, _rx) = tokio::sync::watch::channel(ReplicatorSnapshot::default());
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(120)),
        ..Default::default()
    };
    replicator::run(config, &opts, std::future::pending(), tx).await
}

#[test]
fn a_stored_offset_beyond_a_recreated_topics_end_stops_the_replicator_or_resets() {
    common::require_stack();
    common::require_databases();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let seed = std::process::id() % 100_000;
    let (name, topic) = (format!("t_oor_{seed}"), format!("replicator-oor-{seed}"));
    let sink = rt.block_on(common::sink_client());
    rt.block_on(common::replicator::reset(&sink, &[&name]));
    let scratch = ScratchTopic::create(&topic, 1);
    produce_orders(&topic, 1..5);
    let first = rt.block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Fail)));
    assert_eq!(first.expect("first run").events, 4);

    scratch.recreate(1);
    produce_orders(&topic, 5..7);
    let e = rt
        .block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Fail)))
        .expect_err("stored offset 4 is beyond the log end 2");
    assert!(!e.retryable(), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "replica {name}: stored offset 4 of {topic}[0] is beyond the log end (low watermark \
             0, high watermark 2): the topic was recreated or truncated"
        )),
        "{e}"
    );

    let reset = rt
        .block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Earliest)))
        .expect("earliest goes on from the low watermark");
    assert_eq!((reset.events, reset.error), (2, None), "the recreated topic's two events");
    let rows: i64 = rt.block_on(async {
        sink.query_one(&format!("SELECT count(*) FROM cdc.{name}"), &[])
            .await
            .expect("count")
            .get(0)
    });
    assert_eq!(rows, 6);
    let again = rt.block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Fail)));
    assert_eq!(again.expect("in range now").events, 0, "the new offset was stored");
    rt.block_on(common::replicator::reset(&sink, &[&name]));
    drop(scratch);
}

/// The topic deleted and recreated under a running replicator (issue 19): its fetch position
/// is beyond the new log end, the broker refuses it, and instead of jumping silently the
/// replicator says so, restarts (its supervisor) and stops on the stored offset's check with
/// the reason; `lag -o json` shows its group's partition ERR meanwhile.
#[test]
fn a_topic_recreated_under_a_running_replicator_stops_it_with_the_reason() {
    common::require_stack();
    common::require_databases();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let seed = std::process::id() % 100_000;
    let (name, topic) = (format!("t_oor_run_{seed}"), format!("replicator-oor-run-{seed}"));
    let sink = rt.block_on(common::sink_client());
    rt.block_on(common::replicator::reset(&sink, &[&name]));
    let scratch = ScratchTopic::create(&topic, 1);
    produce_orders(&topic, 1..6);
    let config = config(&name, &topic, OnOffsetOutOfRange::Fail);
    let (tx, mut rx) = tokio::sync::watch::channel(ReplicatorSnapshot::default());
    let retries = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = retries.clone();
    let running = rt.spawn(async move {
        let opts = Options::default();
        let how = cdc_console::pipeline::retry::Supervision::default();
        replicator_under_supervision(config, opts, how, tx, seen).await
    });
    rt.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while rx.borrow_and_update().events < 5 {
            let _ = tokio::time::timeout_at(deadline, rx.changed()).await;
            assert!(tokio::time::Instant::now() < deadline, "the replicator applied nothing");
        }
    });

    let recreated = std::time::Instant::now();
    scratch.recreate(1);
    produce_orders(&topic, 6..8);
    let ended = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), running).await.expect("stops").expect("task")
    });
    let e = match ended {
        cdc_console::pipeline::retry::Ended::Failed(e) => e,
        other => panic!("stopped for good, not {other:?}"),
    };
    eprintln!("stopped {:.1}s after the recreation: {e}", recreated.elapsed().as_secs_f64());
    assert!(!e.retryable(), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "replica {name}: stored offset 5 of {topic}[0] is beyond the log end (low watermark \
             0, high watermark 2)"
        )),
        "{e}"
    );
    // The replicator's group shows the stored offset beyond the new log end: ERR, with why.
    let mut last = serde_json::Value::Null;
    for _ in 0..2 {
        let out = common::console(&["lag", "cdc-console-replicator", "-o", "json"], &[]);
        last = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let ours = last["groups"][0]["partitions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["topic"] == topic.as_str())
            .cloned()
            .unwrap_or_default();
        if ours["verdict"] == "ERR" {
            assert!(
                ours["reason"].as_str().is_some_and(|r| r.contains("beyond the log end")),
                "{ours:#}"
            );
            break;
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    assert!(
        last["groups"][0]["partitions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["topic"] == topic.as_str() && p["verdict"] == "ERR"),
        "the replicator's partition ERR in `lag` within 2 polls: {last:#}"
    );
    let told = retries.lock().expect("retries").clone();
    assert!(
        told.iter().any(|r: &String| r.contains("refused a fetch offset")),
        "the broker's refusal said first: {told:?}"
    );
    rt.block_on(common::replicator::reset(&sink, &[&name]));
    drop(scratch);
}

async fn replicator_under_supervision(
    config: Config,
    opts: Options,
    how: cdc_console::pipeline::retry::Supervision,
    tx: tokio::sync::watch::Sender<ReplicatorSnapshot>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> cdc_console::pipeline::retry::Ended<ReplicatorSnapshot, ReplicatorError> {
    cdc_console::pipeline::retry::replicator(&config, &opts, how, std::future::pending(), tx, |r| {
        if let (Some(r), Ok(mut seen)) = (r, seen.lock()) {
            seen.push(r.reason.clone());
        }
    })
    .await
}

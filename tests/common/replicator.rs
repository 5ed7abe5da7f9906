//! The replicator tests' helpers: replicas of `public.orders`, runs until idle, the rows of a
//! table, convergence against the source, and the event counts that prove exactly-once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cdc_console::config::{Config, ReplicaConfig};
use cdc_console::pipeline::generator::{self, Settings};
use cdc_console::pipeline::replicator::{Options, ReplicatorSnapshot};
use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use tokio_postgres::Client;

pub const ORDERS_TOPIC: &str = "dbserver1.public.orders";

pub fn replica(name: &str, topic: &str, drop: &[&str]) -> ReplicaConfig {
    ReplicaConfig {
        drop: drop.iter().map(std::string::ToString::to_string).collect(),
        ..ReplicaConfig::full(name, "public.orders", &format!("cdc.{name}"), topic)
    }
}

pub fn config_with(replicas: Vec<ReplicaConfig>) -> Config {
    Config { replicas, ..super::config() }
}

/// Forgets everything a replica stored, so the test starts from the beginning of the topic.
pub async fn reset(sink: &Client, names: &[&str]) {
    sink.batch_execute("CREATE SCHEMA IF NOT EXISTS cdc").await.unwrap();
    for n in names {
        sink.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{n}")).await.unwrap();
        for t in ["cdc.progress WHERE consumer", "cdc.replica_stats WHERE replica"] {
            let exists: bool = sink
                .query_one(
                    &format!("SELECT to_regclass('{}') IS NOT NULL", t.split(' ').next().unwrap()),
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            if exists {
                sink.execute(&format!("DELETE FROM {t} = $1"), &[n]).await.unwrap();
            }
        }
    }
}

/// Runs the replicator until it has caught up, bounded so that a replicator that never gets
/// there fails the test instead of hanging it. Under its supervisor, as `replicate` and the
/// console run it: a broker's passing refusal (a leader moving after the broker tests) is
/// retried, not a failure.
pub async fn until_idle(config: &Config) -> ReplicatorSnapshot {
    use cdc_console::pipeline::retry::{self, Ended, Supervision};
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(180)),
        ..Default::default()
    };
    let how = Supervision::default();
    let snap = match retry::replicator(config, &opts, how, std::future::pending(), tx, |_| {}).await
    {
        Ended::Ran(snap) => snap,
        Ended::Failed(e) | Ended::Stopped(e) => panic!("replicator: {e}"),
    };
    assert_eq!(snap.error, None, "the replicator did not catch up");
    snap
}

/// order_id → the row as text, normalized alike in both databases.
pub async fn rows(c: &Client, table: &str, with_name: bool) -> HashMap<i64, String> {
    let name = if with_name { "customer_name," } else { "" };
    let sql = format!(
        "SELECT order_id, concat_ws('|', user_id, {name} amount, status, created_at AT TIME ZONE 'UTC', updated_at AT TIME ZONE 'UTC') FROM {table}"
    );
    c.query(&sql, &[]).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect()
}

pub fn differences(a: &HashMap<i64, String>, b: &HashMap<i64, String>) -> usize {
    a.iter().filter(|(k, v)| b.get(k) != Some(v)).count()
        + b.keys().filter(|k| !a.contains_key(k)).count()
}

/// Replicates until idle and compares, again while the pipeline still has changes in flight.
pub async fn converge(config: &Config, full: &str, transformed: Option<&str>) -> usize {
    let source = super::source_client().await;
    let sink = super::sink_client().await;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        until_idle(config).await;
        let src = rows(&source, "public.orders", true).await;
        let mut diff = differences(&src, &rows(&sink, &format!("cdc.{full}"), true).await);
        if let Some(t) = transformed {
            let src = rows(&source, "public.orders", false).await;
            diff += differences(&src, &rows(&sink, &format!("cdc.{t}"), false).await);
        }
        if diff == 0 || Instant::now() > deadline {
            return diff;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

pub async fn generate(changes: u32) {
    let settings = Settings {
        rate: changes,
        duration: Some(Duration::from_secs(1)),
        seed: rand_seed(),
        mix: Default::default(),
    };
    let r = generator::run(&super::config().source, &settings, std::future::pending())
        .await
        .expect("generator");
    assert!(r.changes > 0);
}

/// Runs `test` on a fresh one-partition topic `replicator-<what>-<n>`. The scratch topic runs
/// its own runtime: it is created and dropped outside the test's.
pub fn on_scratch_topic<F: std::future::Future<Output = ()>>(
    what: &str,
    test: impl FnOnce(String) -> F,
) {
    super::require_stack();
    let topic = super::kafka::ScratchTopic::create(
        &format!("replicator-{what}-{}", rand_seed() % 1_000_000),
        1,
    );
    tokio::runtime::Runtime::new().unwrap().block_on(test(topic.name.clone()));
}

pub fn rand_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// Change events (non-tombstones) on `topic` below the replica's stored offsets, counted by a
/// consumer of our own.
pub async fn events_below_stored(sink: &Client, replica: &str, topic: &str) -> i64 {
    let stored: Vec<(i32, i64)> = sink
        .query(
            "SELECT partition, next_offset FROM cdc.progress WHERE consumer = $1 AND topic = $2",
            &[&replica, &topic],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || {
        let c: BaseConsumer = super::kafka::plain_config()
            .set("group.id", "replicator-test-counter")
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut n = 0;
        for (p, next) in stored {
            let (low, _) = c.fetch_watermarks(&topic, p, super::kafka::TIMEOUT).unwrap();
            let mut tpl = rdkafka::TopicPartitionList::new();
            tpl.add_partition_offset(&topic, p, rdkafka::Offset::Offset(low)).unwrap();
            c.assign(&tpl).unwrap();
            let mut at = low;
            let mut heard = std::time::Instant::now();
            while at < next {
                let Some(m) = c.poll(Duration::from_millis(100)) else {
                    // The stored offset may lie past a transaction's commit marker, which has an
                    // offset but no record: the consumer's position says it got there.
                    let position = c.position().ok().and_then(|l| l.find_partition(&topic, p).map(|e| e.offset()));
                    if matches!(position, Some(rdkafka::Offset::Offset(o)) if o >= next) {
                        break;
                    }
                    assert!(
                        heard.elapsed() < Duration::from_secs(10),
                        "partition {p}: no record at {at} below the stored offset {next} (position {position:?})"
                    );
                    continue;
                };
                heard = std::time::Instant::now();
                let m = m.unwrap();
                assert_eq!(m.partition(), p);
                if m.offset() < next && m.payload().is_some_and(|b| !b.is_empty()) {
                    n += 1;
                }
                at = m.offset() + 1;
            }
        }
        n
    })
    .await
    .unwrap()
}

/// Waits (up to 20 s) until the replica's counter passes `seen`: the run is mid-stream.
pub async fn progressed(sink: &Client, replica: &str, seen: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let n: Option<i64> = sink
            .query_opt(
                "SELECT applied_events FROM cdc.replica_stats WHERE replica = $1",
                &[&replica],
            )
            .await
            .ok()
            .flatten()
            .map(|r| r.get(0));
        if n.is_some_and(|n| n > seen) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn applied_counter(sink: &Client, replica: &str) -> i64 {
    sink.query_one("SELECT applied_events FROM cdc.replica_stats WHERE replica = $1", &[&replica])
        .await
        .unwrap()
        .get(0)
}

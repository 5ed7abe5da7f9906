//! Replicator apply rate from events already in the broker (issue target: ≥ 100,000 rows/s).
//! Produces N Debezium change events for `public.orders` (70 % inserts, 20 % updates, 10 %
//! deletes, full before images) into a scratch topic of 4 partitions, then times the replicator
//! catching up from the beginning into a scratch replica. Needs the local stack.
//!
//!   cargo bench --bench replicator                    # 200,000 events
//!   REPLICATOR_BENCH_EVENTS=500000 cargo bench --bench replicator
//!   REPLICATOR_BENCH_TOPIC=t cargo bench --bench replicator   # produce into t once, keep it,
//!                                                             # and replay it on later runs

use std::time::{Duration, Instant};

use cdc_console::config::{Config, ReplicaConfig};
use cdc_console::pipeline::replicator::{self, Options};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

const PARTITIONS: i32 = 4;

fn row(id: u64, version: u64) -> String {
    format!(
        r#"{{"order_id":{id},"user_id":{},"customer_name":"customer {id}","amount":"{}.{:02}","status":"{}","created_at":"2026-11-21T09:00:00.{:06}Z","updated_at":"2026-11-21T09:{:02}:00.000000Z"}}"#,
        id % 5000,
        (id * 7 + version) % 1000,
        (id + version) % 100,
        ["pending", "paid", "shipped"][(version % 3) as usize],
        id % 1_000_000,
        version % 60
    )
}

/// Change events in commit order: (order_id, payload).
fn events(n: u64) -> Vec<(u64, String)> {
    let mut out = Vec::with_capacity(n as usize);
    let mut next_id = 1u64;
    let mut version = vec![0u64; n as usize + 2];
    let mut deleted = vec![false; n as usize + 2];
    for i in 0..n {
        let lsn = 0x1_0000_0000 + i * 64;
        let source = format!(
            r#""source":{{"version":"3.0.7.Final","connector":"postgresql","name":"bench","ts_ms":{},"snapshot":"false","db":"source","schema":"public","table":"orders","txId":{},"lsn":{lsn}}}"#,
            1_763_715_600_000 + i,
            1000 + i
        );
        let pick = (i * 2_654_435_761) % 10;
        let target = 1 + (i * 40_503) % next_id.max(1);
        let payload = if pick < 7 || next_id < 100 || deleted[target as usize] {
            let id = next_id;
            next_id += 1;
            out.push((
                id,
                format!(
                    r#"{{"before":null,"after":{},{source},"op":"c","ts_ms":{}}}"#,
                    row(id, 0),
                    1_763_715_600_100 + i
                ),
            ));
            continue;
        } else if pick < 9 {
            let v = version[target as usize];
            version[target as usize] = v + 1;
            format!(
                r#"{{"before":{},"after":{},{source},"op":"u","ts_ms":{}}}"#,
                row(target, v),
                row(target, v + 1),
                1_763_715_600_100 + i
            )
        } else {
            deleted[target as usize] = true;
            format!(
                r#"{{"before":{},"after":null,{source},"op":"d","ts_ms":{}}}"#,
                row(target, version[target as usize]),
                1_763_715_600_100 + i
            )
        };
        out.push((target, payload));
    }
    out
}

fn admin(c: &Config) -> AdminClient<DefaultClientContext> {
    ClientConfig::new().set("bootstrap.servers", &c.kafka.brokers).create().expect("admin client")
}

/// Produces `n` change events into `topic`.
fn produce(base: &Config, topic: &str, n: u64) {
    let t = Instant::now();
    let evs = events(n);
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &base.kafka.brokers)
        .set("linger.ms", "20")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    for (id, payload) in &evs {
        let key = format!(r#"{{"order_id":{id}}}"#);
        let rec = BaseRecord::to(topic)
            .partition((*id % PARTITIONS as u64) as i32)
            .key(&key)
            .payload(payload);
        producer.send(rec).map_err(|(e, _)| e).expect("enqueue");
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(300)).expect("flush");
    println!(
        "replicator bench: {n} change events produced into {topic} ({PARTITIONS} partitions) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// Records in `topic` (high watermarks summed), 0 when it does not exist.
fn stored_events(base: &Config, topic: &str) -> u64 {
    let consumer: BaseConsumer =
        match ClientConfig::new().set("bootstrap.servers", &base.kafka.brokers).create() {
            Ok(c) => c,
            Err(_) => return 0,
        };
    (0..PARTITIONS)
        .map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(5))
                .map_or(0, |(_, high)| high.max(0) as u64)
        })
        .sum()
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::var("REPLICATOR_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let base = Config::default();
    let name = format!("bench_replica_{}", std::process::id());
    let kept = std::env::var("REPLICATOR_BENCH_TOPIC").ok();
    let topic = kept.clone().unwrap_or_else(|| format!("cdc-console-bench-{}", std::process::id()));
    let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(10)));
    let admin = admin(&base);
    let produced = kept.is_some() && stored_events(&base, &topic) >= n;
    if !produced {
        admin
            .create_topics(&[NewTopic::new(&topic, PARTITIONS, TopicReplication::Fixed(3))], &opts)
            .await
            .expect("create topic (is the local stack up?)");
        produce(&base, &topic, n);
    }

    // What the broker itself delivers: a plain consumer reading the topic, doing nothing else.
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &base.kafka.brokers)
        .set("group.id", format!("{topic}-reader"))
        .set("enable.auto.commit", "false")
        .set("max.partition.fetch.bytes", "16777216")
        .set("queued.min.messages", "1000000")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(&topic, p, Offset::Beginning).expect("partition");
    }
    consumer.assign(&tpl).expect("assign");
    let t = Instant::now();
    let mut read = 0u64;
    while read < n && t.elapsed() < Duration::from_secs(300) {
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(500)) {
            read += 1;
        }
    }
    println!(
        "broker read: {read} records in {:.2} s = {:.0} records/s (plain consumer)",
        t.elapsed().as_secs_f64(),
        read as f64 / t.elapsed().as_secs_f64()
    );
    drop(consumer);

    let replica = ReplicaConfig::full(&name, "public.orders", &format!("cdc.{name}"), &topic);
    let config = Config { replicas: vec![replica], ..base.clone() };
    let (tx, _rx) = tokio::sync::watch::channel(Default::default());
    let ropts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(600)),
        ..Default::default()
    };
    let t = Instant::now();
    let snap =
        replicator::run(&config, &ropts, std::future::pending(), tx).await.expect("replicator");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "replay: {} events in {secs:.2} s = {:.0} events/s end to end; applying (decode + sink transactions) {:.2} s = {:.0} events/s; waiting for the broker {:.2} s; {} batches{}",
        snap.events,
        snap.events as f64 / secs,
        snap.apply_seconds,
        snap.events as f64 / snap.apply_seconds.max(1e-6),
        snap.consume_seconds,
        snap.batches,
        snap.error.map(|e| format!("; {e}")).unwrap_or_default()
    );

    // Clean up: the replica's table and progress, and the topic.
    if let Ok((c, conn)) =
        base.sink.pg_config(Duration::from_secs(5)).connect(tokio_postgres::NoTls).await
    {
        tokio::spawn(conn);
        let _ = c
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS cdc.{name}; DELETE FROM cdc.progress WHERE consumer = '{name}'; DELETE FROM cdc.replica_stats WHERE replica = '{name}'"
            ))
            .await;
    }
    if kept.is_none() {
        let _ = admin.delete_topics(&[&topic], &opts).await;
    }
}

//! Key search over a topic of 1,000,000 change events (real local stack): how long
//! `events --key` takes to read every partition (the key's own first) and how much memory it
//! holds (peak RSS, VmHWM, of a process that does only the search).
//!
//! `cargo bench --bench events_search`. Creates topic `t21ev_bench_1m` (4 partitions, Debezium
//! `public.orders` updates over 250,000 keys, keyed as Kafka Connect keys them), searches it in a
//! child process, and deletes it (set `T21EV_BENCH_KEEP=1` to keep it for another run).

use std::time::{Duration, Instant};

use cdc_console::config::Config;
use cdc_console::pipeline::events::{self, SearchOptions};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const TOPIC: &str = "t21ev_bench_1m";
const EVENTS: u64 = 1_000_000;
const KEYS: u64 = 250_000;
const PARTITIONS: i32 = 4;

fn main() {
    if let Ok(key) = std::env::var("T21EV_BENCH_SEARCH_KEY") {
        search(key.parse().expect("a key"));
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let plain = plain();
    let admin: AdminClient<DefaultClientContext> = plain.create().expect("admin");
    let have = records(&plain);
    if have < EVENTS {
        let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(30)));
        let _ = rt.block_on(admin.delete_topics(&[TOPIC], &opts));
        std::thread::sleep(Duration::from_secs(2));
        let topic = NewTopic::new(TOPIC, PARTITIONS, TopicReplication::Fixed(1));
        rt.block_on(admin.create_topics(&[topic], &opts)).expect("create topic");
        let t0 = Instant::now();
        fill(&plain);
        println!("filled {TOPIC} with {EVENTS} events in {:.1} s", t0.elapsed().as_secs_f64());
    }
    for key in [4242, 123_456] {
        let exe = std::env::current_exe().expect("own path");
        let out = std::process::Command::new(exe)
            .env("T21EV_BENCH_SEARCH_KEY", key.to_string())
            .output()
            .expect("run the search");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
    }
    if std::env::var("T21EV_BENCH_KEEP").is_err() {
        let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(30)));
        let _ = rt.block_on(admin.delete_topics(&[TOPIC], &opts));
    }
}

fn plain() -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", Config::default().kafka.brokers).set("log_level", "3");
    c
}

/// Records in the topic now (0 when it does not exist).
fn records(c: &ClientConfig) -> u64 {
    let consumer: BaseConsumer = c.create().expect("consumer");
    (0..PARTITIONS)
        .map(|p| match consumer.fetch_watermarks(TOPIC, p, Duration::from_secs(5)) {
            Ok((low, high)) => (high - low).max(0).unsigned_abs(),
            Err(_) => 0,
        })
        .sum()
}

/// 1,000,000 inserts and updates of `public.orders`, four per key, keyed `{"order_id":N}` and
/// partitioned by murmur2 as Kafka Connect's producer does.
fn fill(c: &ClientConfig) {
    let producer: BaseProducer = c
        .clone()
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "20")
        .set("batch.size", "1000000")
        .set("queue.buffering.max.messages", "200000")
        .create()
        .expect("producer");
    for i in 0..EVENTS {
        let id = i % KEYS;
        let (op, before) = if i < KEYS {
            ("c", "null".to_string())
        } else {
            (
                "u",
                format!(
                    r#"{{"order_id":{id},"user_id":{},"customer_name":"Ada Hamilton","amount":"{}.10","status":"pending","created_at":"2026-12-06T10:57:25.642324Z","updated_at":"2026-12-06T10:57:25.642324Z"}}"#,
                    id % 9000,
                    (i - KEYS) % 997
                ),
            )
        };
        let value = format!(
            r#"{{"before":{before},"after":{{"order_id":{id},"user_id":{},"customer_name":"Ada Hamilton","amount":"{}.10","status":"paid","created_at":"2026-12-06T10:57:25.642324Z","updated_at":"2026-12-06T14:13:10.150005Z"}},"source":{{"version":"3.6.1.Final","connector":"postgresql","name":"dbserver1","ts_ms":1765030390150,"snapshot":"false","db":"source","schema":"public","table":"orders","txId":{},"lsn":{}}},"op":"{op}","ts_ms":1765030390234}}"#,
            id % 9000,
            i % 997,
            100_000 + i,
            500_000_000 + i * 200,
        );
        let key = format!(r#"{{"order_id":{id}}}"#);
        loop {
            match producer.send(BaseRecord::to(TOPIC).key(&key).payload(&value)) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => panic!("produce: {e}"),
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(120)).expect("flush");
}

/// `VmRSS` or `VmHWM` of this process, in MiB.
fn mem(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn search(id: u64) {
    let client = cdc_console::kafka::client_config(&Config::default());
    let before = mem("VmRSS:");
    let key = serde_json::json!({ "order_id": id });
    let t0 = Instant::now();
    let found =
        events::search_key_blocking(&client, TOPIC, &key, &SearchOptions::default(), &|_| {})
            .expect("search");
    let secs = t0.elapsed().as_secs_f64();
    let ops: Vec<&str> = found.events.iter().map(events::ChangeEvent::op_label).collect();
    println!(
        "key search {key} over {} events: {secs:.2} s ({:.0} events/s), {} matches {ops:?} in partition {:?}; peak RSS (VmHWM) {:.1} MiB, RSS before the search {before:.1} MiB",
        found.scanned,
        found.scanned as f64 / secs,
        found.matched,
        found.key_partition,
        mem("VmHWM:"),
    );
    assert_eq!(found.matched, EVENTS / KEYS, "every event of the key, nothing else");
}

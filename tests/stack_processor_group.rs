//! Two instances of one job in one consumer group split the orders topic's partitions while
//! changes flow, then one of them stops and the other takes its partitions over through their
//! checkpoints; the final windows equal the truth recomputed from the changes.
//!
//! The group runs on the local stack's three Apache Kafka brokers: its coordinator, JoinGroup,
//! SyncGroup, heartbeats and OffsetCommit are Kafka's own, and the instances are separate
//! processes. The changes are Debezium events for `public.orders` produced by the test into a
//! scratch topic of its own (updates with full before images and deletes retract), so that the
//! truth is known exactly; the sink is the local stack's PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::kafka::ScratchTopic;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

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
            out.extend(
                text.lines().filter_map(|l| l.split_once("assigned ").map(|(_, a)| a.to_string())),
            );
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

/// Partitions in an assignment line like `{("topic", 0), ("topic", 2)} job=…`.
fn partitions(line: &str) -> usize {
    line.split(" job=").next().unwrap_or_default().matches("\", ").count()
}

const PARTITIONS: i32 = 4;
/// Event time of the first change: 2026-11-21T00:00:00Z.
const BASE_MS: i64 = 1_795_219_200_000;
const STATUSES: [&str; 4] = ["pending", "paid", "shipped", "delivered"];

#[derive(Clone, Copy)]
struct Order {
    id: u64,
    status: &'static str,
    cents: i64,
    updated_ms: i64,
}

fn iso(ms: i64) -> String {
    let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 2026-11-21 within the month is enough here: the test spans minutes.
    let day = 21 + (days - BASE_MS / 86_400_000);
    format!(
        "2026-11-{day:02}T{:02}:{:02}:{:02}.{milli:03}000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn image(o: &Order) -> String {
    format!(
        r#"{{"order_id":{},"user_id":1,"customer_name":"c","amount":"{}.{:02}","status":"{}","created_at":"{}","updated_at":"{}"}}"#,
        o.id,
        o.cents / 100,
        o.cents % 100,
        o.status,
        iso(o.updated_ms),
        iso(o.updated_ms)
    )
}

fn envelope(op: &str, before: Option<&Order>, after: Option<&Order>, ts_ms: i64) -> String {
    let img = |o: Option<&Order>| o.map_or("null".to_string(), image);
    format!(
        r#"{{"before":{},"after":{},"source":{{"version":"3.0.7.Final","connector":"postgresql","name":"dbserver1","ts_ms":{ts_ms},"db":"source","schema":"public","table":"orders"}},"op":"{op}","ts_ms":{ts_ms}}}"#,
        img(before),
        img(after)
    )
}

/// `n` changes (60 % inserts, 30 % updates, 10 % deletes) with event times 10 ms apart and up to
/// 1 s out of order; returns (key, payload) in commit order and the live rows at the end.
fn changes(n: u64) -> (Vec<(u64, String)>, BTreeMap<u64, Order>) {
    let mut live: BTreeMap<u64, Order> = BTreeMap::new();
    let mut out = Vec::new();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = |m: u64| {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % m
    };
    for i in 0..n {
        let t = BASE_MS + i as i64 * 10 - rnd(1000) as i64;
        let ts = BASE_MS + i as i64 * 10;
        let pick = rnd(10);
        let target = (live.len() > 50)
            .then(|| *live.keys().nth(rnd(live.len() as u64) as usize).unwrap_or(&0));
        match (pick, target) {
            (6..=8, Some(id)) => {
                let before = live[&id];
                let after = Order {
                    status: STATUSES[rnd(4) as usize],
                    cents: rnd(100_000) as i64,
                    updated_ms: t,
                    ..before
                };
                live.insert(id, after);
                out.push((id, envelope("u", Some(&before), Some(&after), ts)));
            }
            (9, Some(id)) => {
                let before = live.remove(&id).unwrap_or(Order {
                    id,
                    status: "paid",
                    cents: 0,
                    updated_ms: t,
                });
                out.push((id, envelope("d", Some(&before), None, ts)));
            }
            _ => {
                let o = Order {
                    id: i + 1,
                    status: STATUSES[rnd(4) as usize],
                    cents: rnd(100_000) as i64,
                    updated_ms: t,
                };
                live.insert(o.id, o);
                out.push((o.id, envelope("c", None, Some(&o), ts)));
            }
        }
    }
    (out, live)
}

/// (status, window start ms) → "count sum min max" of the live rows' 10 s windows ending by
/// `until`.
fn truth(live: &BTreeMap<u64, Order>, until: i64) -> BTreeMap<(String, i64), String> {
    let mut w: BTreeMap<(String, i64), (i64, i64, i64, i64)> = BTreeMap::new();
    for o in live.values() {
        let start = o.updated_ms.div_euclid(10_000) * 10_000;
        if start + 10_000 > until {
            continue;
        }
        let e = w.entry((o.status.to_string(), start)).or_insert((0, 0, i64::MAX, i64::MIN));
        *e = (e.0 + 1, e.1 + o.cents, e.2.min(o.cents), e.3.max(o.cents));
    }
    let dec = |c: i64| {
        let s = format!("{}.{:02}", c / 100, c % 100);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    w.into_iter()
        .map(|(k, (n, sum, min, max))| (k, format!("{n} {} {} {}", dec(sum), dec(min), dec(max))))
        .collect()
}

/// The scratch topic runs its own runtime: it is created and dropped outside the test's.
#[test]
fn two_instances_split_the_partitions_and_hand_them_over_through_checkpoints() {
    common::require_stack();
    let job = format!("grp_{}", std::process::id());
    let mut scratch =
        ScratchTopic::create(&format!("cdc-console-test-group-{}", std::process::id()), PARTITIONS);
    scratch.owns_group(&format!("cdc-console-processor-{job}"));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(split_and_hand_over(&job, &scratch.name));
}

#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
async fn split_and_hand_over(job: &str, topic: &str) {
    let (job, topic) = (job.to_string(), topic.to_string());
    let sink = common::sink_client().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cdc-console.toml");
    let toml = common::processor::job_toml_on(&job, &topic, None);
    std::fs::write(&path, toml).expect("config");
    let (config, _) = cdc_console::config::load(Some(&path)).expect("config");
    cdc_console::pipeline::processor::sink::reset(&sink, &config.jobs[0]).await.expect("reset");

    // 12,000 changes at about 1,000/s: the first half while the instances split the topic, the
    // rest from the moment one of them leaves, so changes flow through the hand-over.
    let (events, live) = changes(12_000);
    let (go, second_half) = std::sync::mpsc::channel::<()>();
    let producer_thread = {
        let topic = topic.clone();
        std::thread::spawn(move || {
            let producer: BaseProducer = common::kafka::plain_config().create().expect("producer");
            let (first, rest) = events.split_at(events.len() / 2);
            for (i, half) in [first, rest].into_iter().enumerate() {
                if i == 1 {
                    second_half.recv().expect("the test's signal");
                }
                for chunk in half.chunks(100) {
                    for (id, payload) in chunk {
                        let key = format!(r#"{{"order_id":{id}}}"#);
                        let rec = BaseRecord::to(&topic)
                            .partition((id % PARTITIONS as u64) as i32)
                            .key(&key)
                            .payload(payload);
                        producer.send(rec).map_err(|(e, _)| e).expect("send");
                    }
                    producer.poll(Duration::ZERO);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            producer.flush(Duration::from_secs(30)).expect("flush");
        })
    };
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
        assert!(
            Instant::now() < deadline,
            "the group never split the partitions: a {la:?}, b {lb:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    // A leaves while the second half flows: B takes every partition over from A's checkpoints.
    go.send(()).expect("producer waiting");
    tokio::time::sleep(Duration::from_secs(1)).await;
    a.terminate();
    let deadline = Instant::now() + Duration::from_secs(60);
    while b.assignments().last().is_none_or(|x| partitions(x) != 4) {
        assert!(Instant::now() < deadline, "B never took A's partitions: {:?}", b.assignments());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    producer_thread.join().expect("producer");

    // B catches up alone; the fired windows equal the truth.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let until = common::processor::fired_until(&sink, &job).await;
        let (want, got) =
            (truth(&live, until), common::processor::results(&sink, &job, until).await);
        if want == got && want.len() > 10 {
            break;
        }
        let differing: Vec<_> =
            want.iter().filter(|(k, v)| got.get(k) != Some(v)).take(5).collect();
        let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(k)).take(5).collect();
        assert!(
            Instant::now() < deadline,
            "windows differ from the truth: {differing:?}, extra {extra:?} (of {} windows until {until})",
            want.len()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    b.terminate();
    cdc_console::pipeline::processor::sink::reset(&sink, &config.jobs[0]).await.expect("reset");
    sink.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{job}")).await.expect("drop output");
}

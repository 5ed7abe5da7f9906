//! One collection cycle of consumer groups and offsets for 10,000 partitions (100 topics × 100
//! partitions) on librdkafka's mock cluster, with three groups committed over 10,000, 5,000 and
//! 100 partitions. Prints the cycle time (first, then min/median/max over the following cycles)
//! and the process's resident memory. Target: a cycle under 1 s.
//!
//! The mock cluster runs inside this process, so the resident memory includes the mock brokers
//! and their logs; the baseline printed before the probe exists shows their share.
//!
//! Run: `cargo bench --bench groups_cycle`.

use std::time::{Duration, Instant};

use cdc_console::collectors::groups::Probe;
use cdc_console::config::Config;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

const TOPICS: usize = 100;
const PARTITIONS: usize = 100;
const CYCLES: usize = 10;
/// Groups and how many topics each committed to.
const GROUPS: [(&str, usize); 3] = [("bench-all", 100), ("bench-half", 50), ("bench-one", 1)];

fn main() -> anyhow::Result<()> {
    let mock = MockCluster::new(3)?;
    let brokers = mock.bootstrap_servers();
    for t in 0..TOPICS {
        mock.create_topic(&format!("topic-{t:03}"), PARTITIONS as i32, 1)?;
    }
    let records = produce(&brokers)?;
    for (group, topics) in GROUPS {
        commit(&brokers, group, topics)?;
    }
    let baseline = rss_kib();
    println!(
        "setup: {} partitions, {records} records, {} groups; RSS before the probe: {} MiB",
        TOPICS * PARTITIONS,
        GROUPS.len(),
        baseline / 1024
    );

    let mut config = Config::default();
    config.kafka.brokers = brokers;
    let rt = tokio::runtime::Runtime::new()?;
    let mut probe = Probe::new(&config).watch(GROUPS.iter().map(|(g, _)| g.to_string()));
    let mut times = Vec::with_capacity(CYCLES);
    let mut first = Duration::ZERO;
    let mut rows = 0;
    for i in 0..=CYCLES {
        let started = Instant::now();
        let snapshot = rt.block_on(probe.collect())?;
        let took = started.elapsed();
        rows = snapshot.groups.iter().map(|g| g.partitions.len()).sum::<usize>();
        let all = snapshot.group("bench-all").and_then(|g| g.total_lag);
        anyhow::ensure!(all == Some(records), "bench-all total lag {all:?}, expected {records}");
        if i == 0 { first = took } else { times.push(took) }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("rows per cycle: {rows} (group × partition)");
    println!("first cycle (connects, learns leaders): {:.1} ms", ms(first));
    println!(
        "cycle over {CYCLES}: min {:.1} ms, median {:.1} ms, max {:.1} ms (target < 1000 ms)",
        ms(times[0]),
        ms(times[CYCLES / 2]),
        ms(times[CYCLES - 1])
    );
    let rss = rss_kib();
    println!(
        "RSS after the cycles: {} MiB (+{} MiB over the baseline)",
        rss / 1024,
        rss.saturating_sub(baseline) / 1024
    );
    Ok(())
}

/// One record on every partition, two on every third: log ends 1 or 2. Returns the total.
fn produce(brokers: &str) -> anyhow::Result<u64> {
    let producer: BaseProducer =
        ClientConfig::new().set("bootstrap.servers", brokers).set("linger.ms", "5").create()?;
    let mut n = 0;
    for t in 0..TOPICS {
        let topic = format!("topic-{t:03}");
        for p in 0..PARTITIONS {
            for _ in 0..=usize::from(p % 3 == 0) {
                while let Err((e, _)) =
                    producer.send(BaseRecord::to(&topic).partition(p as i32).key("k").payload("v"))
                {
                    if !matches!(
                        e.rdkafka_error_code(),
                        Some(rdkafka::types::RDKafkaErrorCode::QueueFull)
                    ) {
                        anyhow::bail!("produce: {e}");
                    }
                    producer.poll(Duration::from_millis(10));
                }
                n += 1;
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30))?;
    Ok(n)
}

/// Commits offset 0 on every partition of the first `topics` topics as `group`.
fn commit(brokers: &str, group: &str, topics: usize) -> anyhow::Result<()> {
    let c: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", brokers).set("group.id", group).create()?;
    let mut tpl = TopicPartitionList::new();
    for t in 0..topics {
        for p in 0..PARTITIONS {
            tpl.add_partition_offset(&format!("topic-{t:03}"), p as i32, Offset::Offset(0))?;
        }
    }
    c.commit(&tpl, CommitMode::Sync)?;
    Ok(())
}

/// Resident set size in KiB, from /proc/self/status.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmRSS:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .flatten()
        .unwrap_or(0)
}

//! Lag in seconds from the first poll where interpolation cannot reach, against librdkafka's
//! mock cluster: a group committed far behind (the console just started, or the group stopped
//! long ago) gets now minus the timestamp of the record at its committed offset, read once and
//! kept, a bounded number of reads per poll.
//!
//! The records carry CreateTime timestamps set by the producer, two minutes in the past for the
//! old ones, which the mock cluster stores and serves as they are.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cdc_console::collectors::groups::exact::{READS_PER_POLL, ReadStats};
use cdc_console::collectors::groups::{GroupsSnapshot, PartitionLag, Probe};
use cdc_console::collectors::lag::seconds::Estimate;
use cdc_console::config::Config;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

fn config(brokers: &str) -> Config {
    let mut c = Config::default();
    c.kafka.brokers = brokers.to_string();
    c.timeouts.request_ms = cdc_console::config::Millis(3000);
    c
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis() as i64
}

/// Appends `n` records stamped `ts` (Unix millis) to each of `partitions` of `topic`.
fn produce(brokers: &str, topic: &str, partitions: std::ops::Range<i32>, n: usize, ts: i64) {
    let producer: BaseProducer =
        ClientConfig::new().set("bootstrap.servers", brokers).create().expect("producer");
    for p in partitions {
        for _ in 0..n {
            let record = BaseRecord::to(topic).partition(p).payload("x").key("k").timestamp(ts);
            producer.send(record).map_err(|(e, _)| e).expect("send");
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(Duration::from_secs(10)).expect("flush");
}

/// Commits `offsets` (partition, offset) of `topic` as `group`, without joining it.
fn commit(brokers: &str, group: &str, topic: &str, offsets: &[(i32, i64)]) {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for (p, o) in offsets {
        tpl.add_partition_offset(topic, *p, Offset::Offset(*o)).expect("tpl");
    }
    c.commit(&tpl, CommitMode::Sync).expect("commit");
}

async fn collect(probe: &mut Probe) -> GroupsSnapshot {
    probe.collect().await.expect("groups snapshot")
}

fn row<'a>(s: &'a GroupsSnapshot, group: &str, partition: i32) -> &'a PartitionLag {
    s.group(group)
        .and_then(|g| g.partitions.iter().find(|p| p.partition == partition))
        .unwrap_or_else(|| panic!("{group}/{partition} in {s:#?}"))
}

/// (lag, lag in seconds, how it was obtained) of a row.
fn lag(s: &GroupsSnapshot, group: &str, partition: i32) -> (Option<u64>, f64, Estimate) {
    let p = row(s, group, partition);
    let l = p.lag_seconds.unwrap_or_else(|| panic!("{group}/{partition}: no lag in seconds"));
    (p.lag, l.seconds, l.estimate)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_far_behind_has_its_lag_in_seconds_from_its_record_on_the_first_poll() {
    let mock = MockCluster::new(3).expect("mock cluster");
    let brokers = mock.bootstrap_servers();
    mock.create_topic("events", 2, 1).expect("topic");
    let old = now_ms() - 120_000;
    produce(&brokers, "events", 0..2, 50, old);
    produce(&brokers, "events", 0..2, 50, now_ms());
    // Partition 0 two minutes behind, partition 1 within the recent records.
    commit(&brokers, "stopped", "events", &[(0, 10), (1, 60)]);
    commit(&brokers, "current", "events", &[(0, 100), (1, 100)]);
    let mut probe = Probe::new(&config(&brokers)).watch(["stopped".into(), "current".into()]);

    let first = collect(&mut probe).await;
    let (records, seconds, estimate) = lag(&first, "stopped", 0);
    assert_eq!((records, estimate), (Some(90), Estimate::RecordTimestamp));
    assert!((119.0..125.0).contains(&seconds), "{seconds} s, the record is 120 s old");
    let (records, recent, estimate) = lag(&first, "stopped", 1);
    assert_eq!((records, estimate), (Some(40), Estimate::RecordTimestamp));
    assert!(recent < 5.0, "{recent} s");
    assert_eq!(first.group("stopped").and_then(|g| g.max_lag_seconds), Some(seconds));
    assert_eq!(lag(&first, "current", 0), (Some(0), 0.0, Estimate::CaughtUp));
    assert_eq!(probe.read_stats(), Some(ReadStats { asked: 2, cached: 2 }));

    // The log end has not moved: interpolation still cannot place the commits, the times kept
    // answer without a read, and the lag grows with the clock.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = collect(&mut probe).await;
    let (_, later, estimate) = lag(&second, "stopped", 0);
    assert_eq!(estimate, Estimate::RecordTimestamp);
    assert!(later > seconds + 1.0 && later < seconds + 5.0, "{seconds} s, then {later} s");
    assert_eq!(probe.read_stats(), Some(ReadStats { asked: 2, cached: 2 }), "no read again");

    // The group moves on within the old records: one new read, the old time dropped.
    commit(&brokers, "stopped", "events", &[(0, 20), (1, 60)]);
    let third = collect(&mut probe).await;
    assert_eq!(lag(&third, "stopped", 0).0, Some(80));
    assert_eq!(lag(&third, "stopped", 0).2, Estimate::RecordTimestamp);
    assert_eq!(probe.read_stats(), Some(ReadStats { asked: 3, cached: 2 }));
}

#[tokio::test(flavor = "multi_thread")]
async fn many_partitions_far_behind_are_read_a_bounded_number_per_poll() {
    const PARTITIONS: i32 = 600;
    let mock = MockCluster::new(3).expect("mock cluster");
    let brokers = mock.bootstrap_servers();
    mock.create_topic("wide", PARTITIONS, 1).expect("topic");
    produce(&brokers, "wide", 0..PARTITIONS, 2, now_ms() - 120_000);
    let offsets: Vec<(i32, i64)> = (0..PARTITIONS).map(|p| (p, 0)).collect();
    commit(&brokers, "stopped", "wide", &offsets);
    let mut probe = Probe::new(&config(&brokers)).watch(["stopped".into()]);

    let exact = |s: &GroupsSnapshot| {
        let g = s.group("stopped").expect("group");
        g.partitions
            .iter()
            .filter(|p| p.lag_seconds.is_some_and(|l| l.estimate == Estimate::RecordTimestamp))
            .count()
    };
    let mut read = 0;
    while read < PARTITIONS as usize {
        let started = Instant::now();
        let s = collect(&mut probe).await;
        let took = started.elapsed();
        let asked = probe.read_stats().map_or(0, |r| r.asked) as usize;
        let new = asked - read;
        assert_eq!(new, READS_PER_POLL.min(PARTITIONS as usize - read), "one poll's reads");
        read = asked;
        assert_eq!(exact(&s), read, "every partition read so far, none twice");
        eprintln!("a poll reading {new} records took {took:?}");
        assert!(took < Duration::from_secs(8), "a poll is not stalled: {took:?}");
    }
    let started = Instant::now();
    let s = collect(&mut probe).await;
    eprintln!("a poll reading nothing took {:?}", started.elapsed());
    assert_eq!(probe.read_stats().map(|r| r.asked), Some(PARTITIONS as u64), "all kept");
    let g = s.group("stopped").expect("group");
    assert!(g.max_lag_seconds.is_some_and(|m| (119.0..125.0).contains(&m)), "{g:#?}");
}

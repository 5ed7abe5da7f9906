//! The groups collector against librdkafka's mock cluster (3 brokers, in-process).
//!
//! The mock cluster implements JoinGroup/SyncGroup, OffsetCommit/OffsetFetch and ListOffsets,
//! but not ListGroups or DescribeGroups (librdkafka 2.12.1's rdkafka_mock_handlers.c has no
//! handler for either; `fetch_group_list` fails with "Required feature not supported by
//! broker"). So members and assignments are proven here through the console's own consumers:
//! two real consumers join a group on the mock cluster, librdkafka's rebalance assigns them
//! partitions, and the collector must report each member's client id, host and assignment.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cdc_console::collectors::groups::own::{OwnConsumers, TrackedContext};
use cdc_console::collectors::groups::{GroupsSnapshot, MemberSource, Probe, TopicAssignment};
use cdc_console::config::Config;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

fn config(brokers: &str, timeout_ms: u64) -> Config {
    let mut c = Config::default();
    c.kafka.brokers = brokers.to_string();
    c.timeouts.request_ms = cdc_console::config::Millis(timeout_ms);
    c
}

/// Appends `counts[p]` records to each partition p of `topic`.
fn produce(brokers: &str, topic: &str, counts: &[usize]) {
    let producer: BaseProducer =
        ClientConfig::new().set("bootstrap.servers", brokers).create().expect("producer");
    for (p, n) in counts.iter().enumerate() {
        for _ in 0..*n {
            producer
                .send(BaseRecord::to(topic).partition(p as i32).payload("x").key("k"))
                .map_err(|(e, _)| e)
                .expect("send");
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(Duration::from_secs(10)).expect("flush");
}

/// Commits `offsets` (topic, partition, offset) as `group`, without joining it.
fn commit(brokers: &str, group: &str, offsets: &[(&str, i32, i64)]) {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for (t, p, o) in offsets {
        tpl.add_partition_offset(t, *p, Offset::Offset(*o)).expect("tpl");
    }
    c.commit(&tpl, CommitMode::Sync).expect("commit");
}

async fn collect(probe: &mut Probe) -> GroupsSnapshot {
    probe.collect().await.expect("groups snapshot")
}

/// Where the member threads are: told to commit, how many did, told to stop.
#[derive(Default)]
struct Phase {
    commit: AtomicBool,
    committed: AtomicUsize,
    stop: AtomicBool,
}

/// The offset each member commits for partition p of "orders".
fn committed_offset(p: i32) -> i64 {
    i64::from((p + 1) % 6)
}

/// A consumer of `group` tracked by `own`, polled on its own thread; on `commit` it commits its
/// partitions (a group's offsets can only be committed by its members), on `stop` it returns
/// the assignment it holds.
fn member(
    brokers: &str,
    group: &str,
    client_id: &str,
    own: &OwnConsumers,
    phase: Arc<Phase>,
) -> std::thread::JoinHandle<Vec<TopicAssignment>> {
    let consumer: BaseConsumer<TrackedContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("client.id", client_id)
        .set("session.timeout.ms", "6000")
        .set("enable.auto.commit", "false")
        .create_with_context(own.context(group, client_id))
        .expect("consumer");
    consumer.subscribe(&["orders"]).expect("subscribe");
    std::thread::spawn(move || {
        let mut committed = false;
        while !phase.stop.load(Ordering::Relaxed) {
            let _ = consumer.poll(Duration::from_millis(50));
            if phase.commit.load(Ordering::Relaxed) && !committed {
                let mut tpl = TopicPartitionList::new();
                for e in consumer.assignment().expect("assignment").elements() {
                    tpl.add_partition_offset(
                        e.topic(),
                        e.partition(),
                        Offset::Offset(committed_offset(e.partition())),
                    )
                    .expect("tpl");
                }
                consumer.commit(&tpl, CommitMode::Sync).expect("member commit");
                committed = true;
                phase.committed.fetch_add(1, Ordering::Relaxed);
            }
        }
        let mut mine: Vec<TopicAssignment> = Vec::new();
        for e in consumer.assignment().expect("assignment").elements() {
            match mine.iter_mut().find(|t| t.topic == e.topic()) {
                Some(t) => t.partitions.push(e.partition()),
                None => mine.push(TopicAssignment {
                    topic: e.topic().into(),
                    partitions: vec![e.partition()],
                }),
            }
        }
        for t in &mut mine {
            t.partitions.sort_unstable();
        }
        mine
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn members_and_assignments_of_two_consumers_come_from_the_consoles_own_consumers() {
    let mock = MockCluster::new(3).expect("mock cluster");
    let brokers = mock.bootstrap_servers();
    mock.create_topic("orders", 6, 1).expect("topic");
    produce(&brokers, "orders", &[5, 5, 5, 5, 5, 5]);
    let own = OwnConsumers::default();
    let phase = Arc::new(Phase::default());
    let a = member(&brokers, "shop", "client-a", &own, phase.clone());
    let b = member(&brokers, "shop", "client-b", &own, phase.clone());
    let mut probe = Probe::new(&config(&brokers, 3000)).with_own(own.clone());

    // Wait for the rebalance to settle: two members sharing all six partitions.
    let deadline = Instant::now() + Duration::from_secs(60);
    let snapshot = loop {
        let s = collect(&mut probe).await;
        let assigned: usize = s
            .group("shop")
            .into_iter()
            .flat_map(|g| &g.members)
            .flat_map(|m| m.assignment.iter().flatten())
            .map(|t| t.partitions.len())
            .sum();
        let members = s.group("shop").map_or(0, |g| g.members.len());
        if members == 2 && assigned == 6 {
            break s;
        }
        assert!(Instant::now() < deadline, "no settled assignment: {s:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        snapshot.listing_error.as_deref().is_some_and(|e| e.contains("not supported")),
        "{:?}",
        snapshot.listing_error
    );

    let group = snapshot.group("shop").expect("group shop");
    let mut clients: Vec<&str> = group.members.iter().map(|m| m.client_id.as_str()).collect();
    clients.sort_unstable();
    assert_eq!(clients, ["client-a", "client-b"]);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    for m in &group.members {
        assert!(!m.member_id.is_empty());
        assert_eq!((m.host.as_str(), m.source), (host.as_str(), MemberSource::Console));
        assert_eq!(
            m.assignment.as_ref().map(|a| a.iter().map(|t| t.topic.as_str()).collect::<Vec<_>>()),
            Some(vec!["orders"])
        );
    }

    // The members commit, then what is reported is compared with what they hold.
    phase.commit.store(true, Ordering::Relaxed);
    while phase.committed.load(Ordering::Relaxed) < 2 {
        assert!(Instant::now() < deadline, "members did not commit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let snapshot = collect(&mut probe).await;
    phase.stop.store(true, Ordering::Relaxed);
    let held =
        [("client-a", a.join().expect("consumer a")), ("client-b", b.join().expect("consumer b"))];
    let group = snapshot.group("shop").expect("group shop");
    for (client, assignment) in &held {
        let m = group.members.iter().find(|m| m.client_id == *client).expect("member");
        assert_eq!(m.assignment.as_ref(), Some(assignment), "{client}: reported vs held");
        assert!(!assignment.is_empty(), "{client} got partitions");
        for p in group.partitions.iter().filter(|p| assignment[0].partitions.contains(&p.partition))
        {
            assert_eq!(
                (p.consumer_id.as_deref(), p.client_id.as_deref()),
                (Some(m.member_id.as_str()), Some(*client))
            );
        }
    }
    let lags: Vec<_> = group
        .partitions
        .iter()
        .map(|p| (p.partition, p.current_offset, p.log_end_offset, p.lag))
        .collect();
    let expected: Vec<_> = (0..6)
        .map(|p| (p, Some(committed_offset(p)), Some(5), Some(5 - committed_offset(p) as u64)))
        .collect();
    assert_eq!(lags, expected);
    assert_eq!(group.total_lag, Some(5 + 4 + 3 + 2 + 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn committed_and_log_end_offsets_of_several_groups_over_many_partitions() {
    let mock = MockCluster::new(3).expect("mock cluster");
    let brokers = mock.bootstrap_servers();
    // More partitions than one request chunk (250), so chunking is exercised both ways.
    mock.create_topic("wide", 600, 1).expect("topic");
    mock.create_topic("other", 2, 1).expect("topic");
    let mut counts = vec![0; 600];
    counts[0] = 3;
    counts[599] = 7;
    counts[300] = 2;
    produce(&brokers, "wide", &counts);
    commit(&brokers, "g1", &[("wide", 0, 1), ("wide", 599, 7), ("wide", 300, 0)]);
    commit(&brokers, "g2", &[("wide", 599, 2)]);
    let mut probe =
        Probe::new(&config(&brokers, 3000)).watch(["g1".into(), "g2".into(), "idle".into()]);
    let s = collect(&mut probe).await;

    let g1 = s.group("g1").expect("g1");
    assert_eq!(g1.partitions.len(), 600, "every partition of a topic the group committed to");
    let row = |g: &cdc_console::collectors::groups::Group, p: i32| {
        g.partitions
            .iter()
            .find(|r| r.topic == "wide" && r.partition == p)
            .map(|r| (r.current_offset, r.log_end_offset, r.lag))
    };
    assert_eq!(row(g1, 0), Some((Some(1), Some(3), Some(2))));
    assert_eq!(row(g1, 300), Some((Some(0), Some(2), Some(2))));
    assert_eq!(row(g1, 599), Some((Some(7), Some(7), Some(0))));
    assert_eq!(row(g1, 1), Some((None, Some(0), None)), "no commit: a dash");
    assert_eq!((g1.total_lag, g1.max_lag), (Some(4), Some(2)));
    assert_eq!(row(s.group("g2").expect("g2"), 599), Some((Some(2), Some(7), Some(5))));
    let idle = s.group("idle").expect("watched group");
    assert!(idle.partitions.is_empty() && idle.total_lag.is_none());
    assert!(
        s.groups.iter().all(|g| !g.partitions.iter().any(|p| p.topic == "other")),
        "topics nobody reads are not asked"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_leader_costs_only_its_own_partitions_and_no_more_than_the_timeout() {
    let mock = MockCluster::new(3).expect("mock cluster");
    let brokers = mock.bootstrap_servers();
    mock.create_topic("t", 3, 1).expect("topic");
    for p in 0..3 {
        mock.partition_leader("t", p, Some(p + 1)).expect("leader");
    }
    mock.coordinator(rdkafka::mocking::MockCoordinator::Group("g".into()), 1).expect("coordinator");
    produce(&brokers, "t", &[4, 4, 4]);
    commit(&brokers, "g", &[("t", 0, 1), ("t", 1, 1), ("t", 2, 1)]);
    let mut probe = Probe::new(&config(&brokers, 1000)).watch(["g".into()]);
    assert_eq!(collect(&mut probe).await.group("g").and_then(|g| g.total_lag), Some(9));

    mock.broker_down(3).expect("broker 3 down");
    let started = Instant::now();
    let s = collect(&mut probe).await;
    // Three sequential stages (metadata with the group listing, committed offsets, log ends),
    // each bounded by the 1 s timeout plus 0.5 s for the blocking pool.
    assert!(
        started.elapsed() < Duration::from_millis(4500),
        "bounded by the timeout: {:?}",
        started.elapsed()
    );
    let g = s.group("g").expect("g");
    let lags: Vec<_> =
        g.partitions.iter().map(|p| (p.partition, p.lag, p.error.is_some())).collect();
    assert_eq!(lags, [(0, Some(3), false), (1, Some(3), false), (2, None, true)]);
}

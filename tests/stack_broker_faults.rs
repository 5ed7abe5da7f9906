//! Broker faults on the local stack's three Kafka brokers while the whole pipeline runs: the
//! generator writes about 1,000 changes/s into the source, Debezium streams them, and
//! `cdc-console replicate` and `cdc-console process` (separate processes) apply them to the sink.
//!
//! 1. One broker of three stops (controlled shutdown): the console's Kafka probe shows it down
//!    within two polls, the partitions it led get other leaders, under-replicated partitions
//!    appear, and the pipeline goes on; once it is back, under-replicated partitions return to 0.
//! 2. Two of three stop, one after the other: every partition keeps one in-sync replica, below
//!    min.insync.replicas=2, and the console marks those partitions as refusing writes; Debezium's
//!    producer and so the pipeline stall (the change topic's log end stays put while the source
//!    keeps changing); after the restart everything resumes.
//!
//! At the end the replica equals the source (`cdc-console diff`: 0 differences) and the
//! processor's windows equal the truth computed from the source table, after the processor was
//! killed and resumed from its checkpoints: nothing lost, nothing applied twice.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cdc_console::collectors::kafka::{KafkaSnapshot, Partition, Probe};
use common::stages::{Stage, applied, generate, replica_moves};

const TOPIC: &str = "dbserver1.public.orders";

fn orders_partitions(s: &KafkaSnapshot) -> Vec<Partition> {
    s.topics
        .iter()
        .find(|t| t.name == TOPIC)
        .map(|t| t.partition_details.clone())
        .unwrap_or_default()
}

/// The change topic's log end (summed over partitions); None while a partition's is unknown
/// (below min.insync.replicas the leader's high watermark may not be established).
fn log_end(s: &KafkaSnapshot) -> Option<i64> {
    let parts = orders_partitions(s);
    if parts.is_empty() {
        return None;
    }
    parts.iter().map(|p| p.log_end_offset).sum()
}

fn under_replicated(s: &KafkaSnapshot) -> usize {
    s.topics.iter().map(cdc_console::collectors::kafka::Topic::under_replicated).sum()
}

/// Polls `probe` every refresh interval until `done` holds, at most `polls` times; the last
/// snapshot and how many polls it took.
async fn poll_until(
    probe: &mut Probe,
    polls: usize,
    done: impl Fn(&KafkaSnapshot) -> bool,
) -> (KafkaSnapshot, usize) {
    let every = common::config().timeouts.refresh();
    let mut last = None;
    for n in 1..=polls {
        if let Ok(s) = probe.collect().await {
            if done(&s) {
                return (s, n);
            }
            last = Some(s);
        }
        tokio::time::sleep(every).await;
    }
    panic!("not reached within {polls} polls; last snapshot: {last:#?}");
}

async fn wal_lsn(source: &tokio_postgres::Client) -> String {
    source
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .await
        .expect("current WAL LSN")
        .get(0)
}

/// Waits until the replica's applied count holds still for three seconds; returns it.
async fn applied_settles(sink: &tokio_postgres::Client, replica: &str, within: Duration) -> i64 {
    let deadline = Instant::now() + within;
    let (mut last, mut since) = (applied(sink, replica).await, Instant::now());
    while since.elapsed() < Duration::from_secs(3) {
        assert!(
            Instant::now() < deadline,
            "the replicator kept applying for {within:?} with the topic refusing writes (at {last})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = applied(sink, replica).await;
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

#[tokio::test(flavor = "multi_thread")]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
async fn the_pipeline_rides_out_one_and_then_two_stopped_brokers() {
    common::require_stack();
    let _back = common::StartAgain(&["broker"]);
    let sink = common::sink_client().await;
    let source = common::source_client().await;
    let scenario = common::stages::Scenario::new("faults", &sink).await;
    let (replica, job, config, dir) =
        (&scenario.replica, &scenario.job, &scenario.config, scenario.dir.path());

    let _replicator = Stage::start(config, dir, &["replicate"]);
    let processor = Stage::start(config, dir, &["process", "--job", job]);
    let stop = Arc::new(AtomicBool::new(false));
    let load = generate(1_000, stop.clone());
    let mut probe = Probe::new(&common::config());
    let seen = replica_moves(&sink, replica, 0, Duration::from_secs(120)).await;

    // 1. One broker of three: the one leading most of the change topic's partitions.
    let (before, _) =
        poll_until(&mut probe, 5, |s| s.brokers.iter().filter(|b| !b.is_down()).count() == 3).await;
    let leads =
        |id: i32| orders_partitions(&before).iter().filter(|p| p.leader == Some(id)).count();
    let victim = (1..=3).max_by_key(|&id| (leads(id), id)).expect("three brokers");
    let (survivor, other) = match victim {
        1 => (2, 3),
        2 => (1, 3),
        _ => (1, 2),
    };
    eprintln!(
        "stopping broker {victim}, leader of {} of the orders topic's partitions",
        leads(victim)
    );
    common::stack(&["stop", "broker", &victim.to_string()]);
    let (down, polls) =
        poll_until(&mut probe, 2, |s| s.brokers.iter().any(|b| b.id == victim && b.is_down()))
            .await;
    let reason = down.brokers.iter().find(|b| b.id == victim).and_then(|b| b.reason.clone());
    eprintln!("broker {victim} down after {polls} poll(s): {reason:?}");
    let (moved, _) = poll_until(&mut probe, 15, |s| {
        let parts = orders_partitions(s);
        !parts.is_empty()
            && parts.iter().all(|p| p.leader.is_some_and(|l| l != victim))
            && under_replicated(s) > 0
    })
    .await;
    assert!(
        orders_partitions(&moved)
            .iter()
            .all(|p| !p.isr.contains(&victim) && p.under_replicated && !p.below_min_isr),
        "{moved:#?}"
    );
    let seen = replica_moves(&sink, replica, seen, Duration::from_secs(60)).await;
    eprintln!("the pipeline goes on with two brokers ({seen} events applied)");
    common::stack(&["start", "broker", &victim.to_string()]);
    let (healed, polls) = poll_until(&mut probe, 60, |s| {
        under_replicated(s) == 0 && s.brokers.iter().all(|b| !b.is_down())
    })
    .await;
    eprintln!(
        "under-replicated partitions back to 0 after {polls} poll(s), {} topics",
        healed.topics.len()
    );

    // 2. Two of three, one after the other (each a controlled shutdown while a quorum remains).
    common::stack(&["stop", "broker", &victim.to_string()]);
    common::stack(&["stop", "broker", &other.to_string()]);
    let (refusing, _) = poll_until(&mut probe, 15, |s| {
        let parts = orders_partitions(s);
        !parts.is_empty() && parts.iter().all(|p| p.below_min_isr)
    })
    .await;
    let topic = refusing.topics.iter().find(|t| t.name == TOPIC).expect("orders topic");
    assert_eq!(topic.min_insync_replicas, Some(2), "{topic:#?}");
    assert!(topic.is_unhealthy() && topic.below_min_isr() == topic.partitions, "{topic:#?}");
    for p in orders_partitions(&refusing) {
        assert_eq!((p.leader, p.isr.as_slice()), (Some(survivor), &[survivor][..]), "{p:#?}");
        let reason = p.problem(topic.min_insync_replicas).unwrap_or_default();
        assert!(
            reason.contains("1 in-sync replica of 3, below min.insync.replicas=2: writes with acks=all are refused"),
            "partition {} says why it refuses writes: {reason:?}",
            p.id
        );
    }
    // The stall: the source keeps changing, the topic and the replica do not.
    let end_healthy = log_end(&healed).expect("log end offsets with three brokers");
    // The replicator first applies what reached the topic before the stall, then nothing more.
    let end_before = log_end(&refusing);
    let applied_before = applied_settles(&sink, replica, Duration::from_secs(60)).await;
    let wal_before = wal_lsn(&source).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (stalled, _) = poll_until(&mut probe, 3, |_| true).await;
    assert_ne!(wal_lsn(&source).await, wal_before, "the generator kept writing to the source");
    if let (Some(a), Some(b)) = (end_before, log_end(&stalled)) {
        assert_eq!(a, b, "no record was appended below min.insync.replicas");
    }
    assert_eq!(
        applied(&sink, replica).await,
        applied_before,
        "the replicator stalled with the topic"
    );
    eprintln!(
        "stalled: log end {end_before:?} (before the stop: {end_healthy}), {applied_before} events applied"
    );
    common::stack(&["start", "broker"]);
    let (_, polls) = poll_until(&mut probe, 60, |s| {
        under_replicated(s) == 0
            && log_end(s).is_some_and(|e| e > end_healthy.max(end_before.unwrap_or(0)))
    })
    .await;
    eprintln!("resumed, every partition fully replicated again after {polls} poll(s)");
    replica_moves(&sink, replica, applied_before, Duration::from_secs(60)).await;

    // The end: nothing lost, nothing applied twice.
    stop.store(true, Ordering::Relaxed);
    let generated = load.await.expect("generator");
    eprintln!("{generated} changes generated during the test");
    drop(processor); // killed mid-stream: the final pass resumes from its checkpoints
    common::stages::replica_converges(config, replica).await;
    common::processor::converge_to_truth(config, &sink, &source, job).await;

    scenario.clean_up(&sink).await;
}

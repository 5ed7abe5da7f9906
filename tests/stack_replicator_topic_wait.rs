//! A replicator started before its topic exists (a fresh pipeline: Debezium creates a table's
//! topic with the first change) waits for the topic, says so in its snapshot, and applies the
//! topic's events once it appears. With `--until-idle` a missing topic is nothing to apply.

mod common;

use std::time::{Duration, Instant};

use cdc_console::config::{Config, ReplicaConfig};
use cdc_console::pipeline::replicator::{self, Options, ReplicatorSnapshot};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use tokio::sync::watch;

fn config(name: &str, topic: &str) -> Config {
    Config {
        replicas: vec![ReplicaConfig::full(name, "public.orders", &format!("cdc.{name}"), topic)],
        ..common::config()
    }
}

async fn forget(name: &str) {
    let sink = common::sink_client().await;
    sink.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS cdc; DROP TABLE IF EXISTS cdc.{name};
         DO $$ BEGIN
           IF to_regclass('cdc.progress') IS NOT NULL THEN DELETE FROM cdc.progress WHERE consumer = '{name}'; END IF;
           IF to_regclass('cdc.replica_stats') IS NOT NULL THEN DELETE FROM cdc.replica_stats WHERE replica = '{name}'; END IF;
         END $$;"
    ))
    .await
    .expect("forget the replica");
}

fn wait_for(
    rx: &mut watch::Receiver<ReplicatorSnapshot>,
    rt: &tokio::runtime::Runtime,
    what: &str,
    ok: impl Fn(&ReplicatorSnapshot) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ok(&rx.borrow()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {:?}", *rx.borrow());
        let _ = rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(200), rx.changed()).await
        });
    }
}

#[test]
fn a_replicator_waits_for_its_topic_then_applies_it() {
    common::require_stack();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let seed = std::process::id() % 100_000;
    let (name, topic) = (format!("t_wait_{seed}"), format!("replicator-wait-{seed}"));
    rt.block_on(forget(&name));

    // Until idle: the missing topic has nothing to apply.
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let (tx, _rx) = watch::channel(ReplicatorSnapshot::default());
    let snap = rt
        .block_on(replicator::run(&config(&name, &topic), &opts, std::future::pending(), tx))
        .expect("until idle");
    assert_eq!((snap.error.as_deref(), snap.events), (None, 0), "{snap:?}");

    // Running: waits, and says which topic it waits for.
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (tx, mut rx) = watch::channel(ReplicatorSnapshot::default());
    let cfg = config(&name, &topic);
    let run = rt.spawn(async move {
        let stop = async move {
            let _ = stop_rx.await;
        };
        replicator::run(&cfg, &Options::default(), stop, tx).await
    });
    wait_for(&mut rx, &rt, "the waiting state", |s| s.waiting_for == [topic.clone()]);
    assert!(rx.borrow().running);

    // The topic appears with two change events: both are applied.
    let scratch = common::kafka::ScratchTopic::create(&topic, 1);
    let event = |id: i64, lsn: u64| {
        format!(
            r#"{{"before":null,"after":{{"order_id":{id},"user_id":1,"customer_name":"c","amount":"1.50","status":"paid","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"}},"source":{{"ts_ms":1,"lsn":{lsn},"txId":1,"schema":"public","table":"orders","snapshot":"false"}},"op":"c","ts_ms":2}}"#
        )
    };
    let producer: BaseProducer = common::kafka::plain_config()
        .set("batch.num.messages", "1")
        .set("linger.ms", "0")
        .create()
        .expect("producer");
    for (id, lsn) in [(1, 100), (2, 200)] {
        producer
            .send(BaseRecord::to(&scratch.name).partition(0).key("k").payload(&event(id, lsn)))
            .map_err(|(e, _)| e)
            .expect("send");
        producer.flush(common::kafka::TIMEOUT).expect("flush");
    }
    wait_for(&mut rx, &rt, "both events applied", |s| s.events == 2);
    assert!(rx.borrow().waiting_for.is_empty());
    let _ = stop_tx.send(());
    let last = rt.block_on(run).expect("replicator task").expect("replicator");
    assert_eq!((last.events, last.error), (2, None));
    let rows: i64 = rt.block_on(async {
        common::sink_client()
            .await
            .query_one(&format!("SELECT count(*) FROM cdc.{name}"), &[])
            .await
            .expect("count")
            .get(0)
    });
    assert_eq!(rows, 2);
    rt.block_on(forget(&name));
    drop(scratch);
}

//! A job started before its topic exists (a fresh pipeline: Debezium creates a table's topic with
//! the first change) waits for the topic, says so in its snapshot, and processes the topic's
//! events once it appears. With `--until-idle` a missing topic is refused with its name.

mod common;

use std::time::{Duration, Instant};

use cdc_console::config::Config;
use cdc_console::pipeline::processor::{self as processor, Options, ProcessorSnapshot};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use tokio::sync::watch;

fn wait_for(
    rx: &mut watch::Receiver<ProcessorSnapshot>,
    rt: &tokio::runtime::Runtime,
    what: &str,
    ok: impl Fn(&ProcessorSnapshot) -> bool,
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
fn a_job_waits_for_its_topic_then_processes_it() {
    common::require_stack();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let seed = std::process::id() % 100_000;
    let (job, topic) = (format!("wait_{seed}"), format!("processor-wait-{seed}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cdc-console.toml");
    let text = common::processor::job_toml(&job, None).replace(common::processor::TOPIC, &topic);
    std::fs::write(&path, text).expect("config");
    let (config, _): (Config, _) = cdc_console::config::load(Some(&path)).expect("the test config");
    let jc = config.jobs[0].clone();
    let sink = rt.block_on(common::sink_client());
    rt.block_on(cdc_console::pipeline::processor::sink::reset(&sink, &jc)).expect("reset");

    // Until idle: refused, naming the missing topic.
    let (_pause, paused) = watch::channel(false);
    let (tx, _rx) = watch::channel(ProcessorSnapshot::default());
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let err = rt
        .block_on(processor::run(&config, &jc, &opts, paused.clone(), std::future::pending(), tx))
        .expect_err("a missing topic until idle");
    assert!(err.to_string().contains(&topic), "{err}");

    // Running: waits, and says which topic it waits for.
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (tx, mut rx) = watch::channel(ProcessorSnapshot::default());
    let (cfg, job_config) = (config.clone(), jc.clone());
    let running = rt.spawn(async move {
        let stop = async move {
            let _ = stop_rx.await;
        };
        processor::run(&cfg, &job_config, &Options::default(), paused, stop, tx).await
    });
    wait_for(&mut rx, &rt, "the waiting state", |s| s.waiting_for == [topic.clone()]);

    // The topic appears with a change event: it is processed.
    let scratch = common::kafka::ScratchTopic::create(&topic, 1);
    let event = r#"{"before":null,"after":{"order_id":1,"user_id":1,"customer_name":"c","amount":"1.50","status":"paid","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"},"source":{"ts_ms":1,"lsn":100,"txId":1,"schema":"public","table":"orders","snapshot":"false"},"op":"c","ts_ms":2}"#;
    let producer: BaseProducer = common::kafka::plain_config()
        .set("batch.num.messages", "1")
        .set("linger.ms", "0")
        .create()
        .expect("producer");
    producer
        .send(BaseRecord::to(&scratch.name).partition(0).key("k").payload(event))
        .map_err(|(e, _)| e)
        .expect("send");
    producer.flush(common::kafka::TIMEOUT).expect("flush");
    wait_for(&mut rx, &rt, "the event processed", |s| s.events == 1);
    assert!(rx.borrow().waiting_for.is_empty());
    let _ = stop_tx.send(());
    let last = rt.block_on(running).expect("processor task").expect("processor");
    assert_eq!((last.events, last.error), (1, None));

    rt.block_on(cdc_console::pipeline::processor::sink::reset(&sink, &jc)).expect("reset");
    rt.block_on(sink.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{job}")))
        .expect("drop output");
    drop(scratch);
}

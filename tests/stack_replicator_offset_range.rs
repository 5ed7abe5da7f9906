//! A replica whose stored offset is beyond its recreated topic's end (issue 19): the replicator
//! stops before the first fetch with an error that names topic, partition, stored offset and
//! watermarks and is not worth a retry; with `on_offset_out_of_range = "earliest"` it warns and
//! applies the recreated topic from its start.

mod common;

use std::time::Duration;

use cdc_console::config::{Config, OnOffsetOutOfRange, ReplicaConfig};
use cdc_console::pipeline::replicator::{self, Options, ReplicatorError, ReplicatorSnapshot};
use common::kafka::{ScratchTopic, TIMEOUT, plain_config};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

fn config(name: &str, topic: &str, policy: OnOffsetOutOfRange) -> Config {
    let replica = ReplicaConfig {
        on_offset_out_of_range: policy,
        ..ReplicaConfig::full(name, "public.orders", &format!("cdc.{name}"), topic)
    };
    Config { replicas: vec![replica], ..common::config() }
}

fn produce(topic: &str, ids: std::ops::Range<i64>) {
    let producer: BaseProducer = plain_config().create().expect("producer");
    for id in ids {
        let event = format!(
            r#"{{"before":null,"after":{{"order_id":{id},"user_id":1,"customer_name":"c","amount":"1.50","status":"paid","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"}},"source":{{"ts_ms":1,"lsn":{},"txId":1,"schema":"public","table":"orders","snapshot":"false"}},"op":"c","ts_ms":2}}"#,
            100 * id
        );
        producer
            .send(BaseRecord::to(topic).partition(0).key("k").payload(&event))
            .map_err(|(e, _)| e)
            .expect("send");
        producer.flush(TIMEOUT).expect("flush");
    }
}

async fn until_idle(config: &Config) -> Result<ReplicatorSnapshot, ReplicatorError> {
    let (tx, _rx) = tokio::sync::watch::channel(ReplicatorSnapshot::default());
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(120)),
        ..Default::default()
    };
    replicator::run(config, &opts, std::future::pending(), tx).await
}

#[test]
fn a_stored_offset_beyond_a_recreated_topics_end_stops_the_replicator_or_resets() {
    common::require_stack();
    common::require_databases();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let seed = std::process::id() % 100_000;
    let (name, topic) = (format!("t_oor_{seed}"), format!("replicator-oor-{seed}"));
    let sink = rt.block_on(common::sink_client());
    rt.block_on(common::replicator::reset(&sink, &[&name]));
    let scratch = ScratchTopic::create(&topic, 1);
    produce(&topic, 1..5);
    let first = rt.block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Fail)));
    assert_eq!(first.expect("first run").events, 4);

    scratch.recreate(1);
    produce(&topic, 5..7);
    let e = rt
        .block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Fail)))
        .expect_err("stored offset 4 is beyond the log end 2");
    assert!(!e.retryable(), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "replica {name}: stored offset 4 of {topic}[0] is beyond the log end (low watermark \
             0, high watermark 2): the topic was recreated or truncated"
        )),
        "{e}"
    );

    let reset = rt
        .block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Earliest)))
        .expect("earliest goes on from the low watermark");
    assert_eq!((reset.events, reset.error), (2, None), "the recreated topic's two events");
    let rows: i64 = rt.block_on(async {
        sink.query_one(&format!("SELECT count(*) FROM cdc.{name}"), &[])
            .await
            .expect("count")
            .get(0)
    });
    assert_eq!(rows, 6);
    let again = rt.block_on(until_idle(&config(&name, &topic, OnOffsetOutOfRange::Fail)));
    assert_eq!(again.expect("in range now").events, 0, "the new offset was stored");
    rt.block_on(common::replicator::reset(&sink, &[&name]));
    drop(scratch);
}

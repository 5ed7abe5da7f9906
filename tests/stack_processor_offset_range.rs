//! A job whose checkpointed offset is beyond its recreated input topic's end (issue 19): the
//! processor stops before the first fetch with an error naming topic, partition, offset and
//! watermarks, not worth a retry; with `on_offset_out_of_range = "earliest"` it warns, moves the
//! checkpoint (column and state) to the low watermark and processes the new topic from there.

mod common;

use std::time::Duration;

use cdc_console::config::{Config, OnOffsetOutOfRange};
use cdc_console::pipeline::processor::ProcessorSnapshot;
use cdc_console::pipeline::processor::{self as processor, Options, ProcessorError};
use common::kafka::{ScratchTopic, produce_orders};
use tokio::sync::watch;

fn until_idle(
    rt: &tokio::runtime::Runtime,
    config: &Config,
    policy: OnOffsetOutOfRange,
) -> Result<ProcessorSnapshot, ProcessorError> {
    let mut job = config.jobs[0].clone();
    job.on_offset_out_of_range = policy;
    let (_pause, paused) = watch::channel(false);
    let (tx, _rx) = watch::channel(ProcessorSnapshot::default());
    let opts = Options {
        until_idle: true,
        time_limit: Some(Duration::from_secs(90)),
        ..Default::default()
    };
    rt.block_on(processor::run(config, &job, &opts, paused, std::future::pending(), tx))
}

#[test]
fn a_checkpoint_beyond_a_recreated_topics_end_stops_the_job_or_resets() {
    common::require_stack();
    common::require_databases();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let seed = std::process::id() % 100_000;
    let (job, topic) = (format!("oor_{seed}"), format!("processor-oor-{seed}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cdc-console.toml");
    let text = common::processor::job_toml_on(&job, &topic, None);
    std::fs::write(&path, format!("{text}on_offset_out_of_range = \"oldest\"\n")).expect("config");
    let bad = cdc_console::config::load(Some(&path)).expect_err("a bad value").to_string();
    assert!(bad.contains(":13:26: key `jobs[0].on_offset_out_of_range`"), "{bad}");
    std::fs::write(&path, text).expect("config");
    let (config, _): (Config, _) = cdc_console::config::load(Some(&path)).expect("the test config");
    let sink = rt.block_on(common::sink_client());
    rt.block_on(processor::sink::reset(&sink, &config.jobs[0])).expect("reset");

    let scratch = ScratchTopic::create(&topic, 1);
    produce_orders(&topic, 1..5);
    let first = until_idle(&rt, &config, OnOffsetOutOfRange::Fail).expect("first run");
    assert_eq!(first.events, 4);

    scratch.recreate(1);
    produce_orders(&topic, 5..7);
    let e = until_idle(&rt, &config, OnOffsetOutOfRange::Fail).expect_err("beyond the end");
    assert!(!e.retryable(), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "job {job}: stored offset 4 of {topic}[0] is beyond the log end (low watermark 0, \
             high watermark 2)"
        )),
        "{e}"
    );

    let reset = until_idle(&rt, &config, OnOffsetOutOfRange::Earliest).expect("earliest");
    assert_eq!((reset.events, reset.error), (2, None));
    let stored: (i64, i64) = rt.block_on(async {
        let r = sink
            .query_one(
                "SELECT next_offset, (state->>'next_offset')::bigint FROM \
                 cdc.processor_checkpoints WHERE job = $1",
                &[&job],
            )
            .await
            .expect("checkpoint");
        (r.get(0), r.get(1))
    });
    assert_eq!(stored, (2, 2), "the checkpoint moved and went on");
    let again = until_idle(&rt, &config, OnOffsetOutOfRange::Fail).expect("in range now");
    assert_eq!(again.events, 0);

    rt.block_on(processor::sink::reset(&sink, &config.jobs[0])).expect("reset");
    rt.block_on(sink.batch_execute(&format!("DROP TABLE IF EXISTS cdc.{job}"))).expect("drop");
    drop(scratch);
}

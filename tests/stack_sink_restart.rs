//! The sink restarts while the whole pipeline runs: the generator writes about 700 changes/s
//! into the source, Debezium streams them, and `cdc-console replicate` and `cdc-console process`
//! (separate processes) apply them to the sink. The sink stops for 15 s and starts again; both
//! processes log a retry and resume by themselves (the test never restarts them).
//!
//! At the end the replica equals the source (`cdc-console diff`) and the processor's windows
//! equal the truth recomputed from the source table: the retries resumed from the stored
//! offsets and checkpoints, nothing lost, nothing applied twice. The time from the sink's return
//! to the first batch applied again is printed.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::stages::{Stage, applied, generate, logged_retries, replica_moves, watermark};

/// A new sink connection, once the sink accepts one again.
async fn sink_again(within: Duration) -> tokio_postgres::Client {
    let deadline = Instant::now() + within;
    let c = common::config();
    loop {
        if let Ok((client, conn)) =
            c.sink.pg_config(Duration::from_secs(2)).connect(tokio_postgres::NoTls).await
        {
            tokio::spawn(conn);
            if client.simple_query("SELECT 1").await.is_ok() {
                return client;
            }
        }
        assert!(Instant::now() < deadline, "the sink did not come back within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replicate_and_process_ride_out_a_sink_restart() {
    common::require_stack();
    let sink = common::sink_client().await;
    let source = common::source_client().await;
    let scenario = common::stages::Scenario::new("sinkrestart", &sink).await;
    let (replica, job, config, dir) =
        (&scenario.replica, &scenario.job, &scenario.config, scenario.dir.path());

    let (rep_err, proc_err) = (dir.join("replicate.err"), dir.join("process.err"));
    let mut replicator = Stage::start_logged(config, dir, &["replicate"], &rep_err);
    let mut processor = Stage::start_logged(config, dir, &["process", "--job", job], &proc_err);
    let stop = Arc::new(AtomicBool::new(false));
    let load = generate(700, stop.clone());
    replica_moves(&sink, replica, 0, Duration::from_secs(120)).await;
    // Until the processor has fired windows too.
    let deadline = Instant::now() + Duration::from_secs(120);
    while watermark(&sink, job).await.is_none() {
        assert!(Instant::now() < deadline, "the processor fired no window");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The sink away for 15 s.
    let back = common::StartAgain(&["sink"]);
    drop(sink);
    common::stack(&["stop", "sink"]);
    eprintln!("sink stopped");
    tokio::time::sleep(Duration::from_secs(15)).await;
    common::stack(&["start", "sink"]);
    let returned = Instant::now();
    let sink = sink_again(Duration::from_secs(60)).await;
    eprintln!(
        "sink accepting connections {:.1}s after its start",
        returned.elapsed().as_secs_f64()
    );
    drop(back);
    let (before, fired_before) = (applied(&sink, replica).await, watermark(&sink, job).await);

    // Both resume by themselves: the replica moves on, the processor fires later windows.
    replica_moves(&sink, replica, before, Duration::from_secs(90)).await;
    let recovered = returned.elapsed();
    eprintln!(
        "first batch applied {:.1}s after the sink's return (target: the backoff + 2 s)",
        recovered.as_secs_f64()
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while watermark(&sink, job).await <= fired_before {
        assert!(Instant::now() < deadline, "the processor did not resume");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!(
        "processor fired windows again {:.1}s after the sink's return",
        returned.elapsed().as_secs_f64()
    );
    for (who, stage, err) in
        [("replicate", &mut replicator, &rep_err), ("process", &mut processor, &proc_err)]
    {
        assert!(stage.0.try_wait().expect("poll").is_none(), "{who} exited");
        let lines = logged_retries(err);
        assert!(
            !lines.is_empty(),
            "{who} logged no retry: {}",
            std::fs::read_to_string(err).unwrap_or_default()
        );
        for line in lines {
            eprintln!("{who}: {line}");
        }
    }

    // The end: nothing lost, nothing applied twice.
    stop.store(true, Ordering::Relaxed);
    let generated = load.await.expect("generator");
    eprintln!("{generated} changes generated during the test");
    drop(processor); // the final pass (`--until-idle`) resumes from its checkpoints
    common::stages::replica_converges(config, replica).await;
    common::processor::converge_to_truth(config, &sink, &source, job).await;
    drop(replicator);

    scenario.clean_up(&sink).await;
}

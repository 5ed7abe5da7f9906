//! The source restarts while the whole pipeline runs: `cdc-console generate` writes about 700
//! changes/s into the source, Debezium streams them, and `cdc-console replicate` and
//! `cdc-console process` (separate processes) apply them to the sink. The source stops for 15 s
//! and starts again without the stack's own healing (`CDC_STACK_HEAL=0`: no connector is
//! re-registered or restarted): the generator logs a retry and writes again by itself, and
//! Debezium's task reconnects to its slot by itself (its retriable-error restart).
//!
//! At the end the replica equals the source (`cdc-console diff`) and the processor's windows
//! equal the truth recomputed from the source table: nothing lost, nothing applied twice. The
//! times from the source's return to the generator writing again and to the replica applying
//! again are printed.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::stages::{Stage, applied, logged_retries, replica_moves, watermark};

/// The newest change the generator wrote (`updated_at` of the orders it touched), once the
/// source answers.
async fn newest_change() -> Option<std::time::SystemTime> {
    let c = common::config();
    let (client, conn) =
        c.source.pg_config(Duration::from_secs(2)).connect(tokio_postgres::NoTls).await.ok()?;
    tokio::spawn(conn);
    let row = client.query_one("SELECT max(updated_at) FROM public.orders", &[]).await.ok()?;
    row.get::<_, Option<std::time::SystemTime>>(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_generator_and_the_connector_ride_out_a_source_restart() {
    common::require_stack();
    let pid = std::process::id();
    let sink = common::sink_client().await;
    let scenario = common::stages::Scenario::new("srcrestart", &sink).await;
    let (replica, job, config, dir) =
        (&scenario.replica, &scenario.job, &scenario.config, scenario.dir.path());

    let err = |name: &str| dir.join(format!("{name}.err"));
    let replicator = Stage::start_logged(config, dir, &["replicate"], &err("replicate"));
    let processor = Stage::start_logged(config, dir, &["process", "--job", job], &err("process"));
    let seed = pid.to_string();
    let mut generator = Stage::start_logged(
        config,
        dir,
        &["generate", "--rate", "700", "--seed", &seed],
        &err("generate"),
    );
    replica_moves(&sink, replica, 0, Duration::from_secs(120)).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while watermark(&sink, job).await.is_none() {
        assert!(Instant::now() < deadline, "the processor fired no window");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The source away for 15 s; back without the stack re-registering the connector.
    let back = common::StartAgain(&["source"]);
    common::stack(&["stop", "source"]);
    eprintln!("source stopped");
    tokio::time::sleep(Duration::from_secs(15)).await;
    let out = Command::new(common::repo_root().join("compose/local/stack"))
        .args(["start", "source"])
        .env("CDC_STACK_HEAL", "0")
        .output()
        .expect("stack start source");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let returned = Instant::now();
    let returned_at = std::time::SystemTime::now();
    std::mem::forget(back); // up again, and not healed by the stack

    // The generator writes again by itself.
    let deadline = Instant::now() + Duration::from_secs(90);
    while newest_change().await.is_none_or(|t| t <= returned_at) {
        assert!(
            Instant::now() < deadline,
            "the generator did not write again: {}",
            std::fs::read_to_string(err("generate")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!(
        "generator writing again {:.1}s after the source's return",
        returned.elapsed().as_secs_f64()
    );

    // Debezium streams again: the replica applies changes written after the return.
    let before = applied(&sink, replica).await;
    replica_moves(&sink, replica, before, Duration::from_secs(120)).await;
    eprintln!(
        "replica applying again {:.1}s after the source's return",
        returned.elapsed().as_secs_f64()
    );
    let fired_before = watermark(&sink, job).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while watermark(&sink, job).await <= fired_before {
        assert!(Instant::now() < deadline, "the processor did not fire later windows");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let retries = logged_retries(&err("generate"));
    assert!(
        !retries.is_empty(),
        "the generator logged no retry: {}",
        std::fs::read_to_string(err("generate")).unwrap_or_default()
    );
    for line in retries {
        eprintln!("generate: {line}");
    }
    assert!(generator.0.try_wait().expect("poll").is_none(), "the generator exited");

    // The end: nothing lost, nothing applied twice.
    drop(generator);
    drop(processor); // the final pass (`--until-idle`) resumes from its checkpoints
    common::stages::replica_converges(config, replica).await;
    let source = common::source_client().await;
    common::processor::converge_to_truth(config, &sink, &source, job).await;
    drop(replicator);

    scenario.clean_up(&sink).await;
}

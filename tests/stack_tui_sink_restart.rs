//! The sink restarts under the console itself (the real binary in tmux): its embedded
//! replicator and processor job run in the one console process while changes arrive at about
//! 1,000/s. The sink stops for 15 s: both views show the stage *retrying* (attempt, next try,
//! reason), and once the sink is back both run again by themselves. `q` then stops them between
//! batches. At the end the replica equals the source and the job's windows equal the truth
//! recomputed from the source table: nothing lost, nothing counted twice.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::stages::{applied, generate, watermark};
use common::tmux::Session;

/// Goes to view `name` and waits until `check` holds on it.
fn on_view(s: &Session, name: &str, what: &str, secs: u64, check: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        s.keys(&[":"]);
        s.type_text(name);
        s.keys(&["Enter"]);
        std::thread::sleep(Duration::from_millis(400));
        if check(&s.screen()) {
            return;
        }
        assert!(Instant::now() < deadline, "{what} never showed; screen:\n{}", s.screen());
    }
}

/// Waits until the replica has applied more than `seen` events; the screen and the console's
/// log say why when it does not.
async fn replica_moves(s: &Session, sink: &tokio_postgres::Client, replica: &str, seen: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while applied(sink, replica).await <= seen {
        assert!(
            Instant::now() < deadline,
            "the replica applied nothing new; screen:\n{}\nlog:\n{}",
            s.screen(),
            s.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_embedded_replicator_and_job_ride_out_a_sink_restart() {
    common::require_stack();
    let pid = std::process::id();
    let sink = common::sink_client().await;
    let scenario = common::stages::Scenario::new("tuisink", &sink).await;
    let (replica, job, config, dir) =
        (&scenario.replica, &scenario.job, &scenario.config, scenario.dir.path());

    let env = format!("CDC_CONSOLE_CONFIG={}", config.display());
    let s = Session::console(&format!("cdc-console-tuisink-{pid}"), dir, &env, 160, 45);
    s.wait("the console", 30, |x| x.contains("cdc-console") && x.contains("source"));
    let stop = Arc::new(AtomicBool::new(false));
    let load = generate(1000, stop.clone());
    on_view(&s, "replication", "the replication view", 10, |x| x.contains("┌ Replicator"));
    s.keys(&["s"]);
    on_view(&s, "processor", "the processor view", 10, |x| x.contains("┌ Processor"));
    s.keys(&["s"]);
    replica_moves(&s, &sink, replica, 0).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while watermark(&sink, job).await.is_none() {
        assert!(Instant::now() < deadline, "the job fired no window: {}", s.screen());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The sink away for 15 s: both stages retrying on screen.
    let back = common::StartAgain(&["sink"]);
    drop(sink);
    common::stack(&["stop", "sink"]);
    let stopped = Instant::now();
    let retrying = |x: &str| x.contains("retrying (attempt");
    on_view(&s, "replication", "the replicator retrying", 20, retrying);
    on_view(&s, "processor", "the job retrying", 20, retrying);
    tokio::time::sleep(Duration::from_secs(15).saturating_sub(stopped.elapsed())).await;
    common::stack(&["start", "sink"]);
    let returned = Instant::now();
    drop(back);
    let sink = common::sink_client().await;

    // Both resume by themselves.
    let (before, fired_before) = (applied(&sink, replica).await, watermark(&sink, job).await);
    replica_moves(&s, &sink, replica, before).await;
    eprintln!(
        "replica applying again {:.1}s after the sink's return",
        returned.elapsed().as_secs_f64()
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while watermark(&sink, job).await <= fired_before {
        assert!(Instant::now() < deadline, "the job did not resume: {}", s.screen());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!("job firing again {:.1}s after the sink's return", returned.elapsed().as_secs_f64());
    let running = |x: &str| x.contains("● running") && !x.contains("retrying (attempt");
    on_view(&s, "replication", "the replicator running again", 30, running);
    on_view(&s, "processor", "the job running again", 30, running);

    // `q` stops both between batches; then the end check.
    stop.store(true, Ordering::Relaxed);
    let generated = load.await.expect("generator");
    eprintln!("{generated} changes generated during the test");
    s.keys(&["q"]);
    s.wait("the console's end", 60, |x| x.contains("exit=0"));
    let log = s.log();
    assert!(log.contains("replicator stopped") && log.contains("processor stopped"), "{log}");
    // What the console had not applied yet when it quit, applied from its stored offsets.
    let cfg = config.to_str().expect("utf-8");
    let out = common::console(&["--config", cfg, "replicate", "--until-idle"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    common::stages::replica_converges(config, replica).await;
    let source = common::source_client().await;
    common::processor::converge_to_truth(config, &sink, &source, job).await;

    scenario.clean_up(&sink).await;
}

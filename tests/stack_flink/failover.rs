//! A TaskManager killed mid-run: Flink restarts the job from its last checkpoint once a
//! TaskManager is back, the console shows the restart and the checkpoint, and the results still
//! equal the embedded job's on the same changelog (half written before the kill, half while the
//! TaskManager is gone).
//!
//! Needs `compose/local/stack up` and `compose/local/stack up flink`.

use crate::common;

use std::time::Duration;

use common::changelog::Changelog;
use common::flink::{self, START_MS, WINDOW_MS};

#[test]
fn a_killed_taskmanager_restarts_the_job_from_its_checkpoint_and_the_results_hold() {
    let _turn = common::flink::take_turn();
    common::require_stack();
    flink::require_flink();
    let pid = std::process::id();
    let (job, topic) = (format!("failover_{pid}"), format!("cdc-console-test-failover-{pid}"));
    let mut scratch = common::kafka::ScratchTopic::create(&topic, 4);
    scratch.owns_group(&format!("cdc-console-flink-{job}"));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cdc-console.toml");
        std::fs::write(&path, flink::job_toml(&job, &topic)).expect("config");
        let (loaded, _) = cdc_console::config::load(Some(&path)).expect("the test config");
        let mut clean_up = flink::CleanUp { flink_job: None, job: loaded.jobs[0].clone() };
        let config = path.to_str().expect("utf-8");
        let sink = common::sink_client().await;

        let mut changelog = Changelog::new(&common::config().kafka.brokers, 41, START_MS, 10, 4);
        changelog.produce(&topic, 3_000);
        let flink_job = flink::submit(config, &job);
        clean_up.flink_job = Some(flink_job.clone());
        flink::wait_until("a completed checkpoint", Duration::from_secs(90), || {
            let id = flink_job.clone();
            async move { flink::completed_checkpoints(&id).await >= 1 }
        })
        .await;

        {
            let _start_again = common::StartAgain(&["taskmanager"]);
            common::stack(&["stop", "taskmanager", "--kill"]);
            changelog.produce(&topic, 3_000);
            flink::wait_until("the job to notice the lost TaskManager", Duration::from_secs(90), || {
                let id = flink_job.clone();
                async move { flink::state(&id).await != "RUNNING" || flink::restarts(&id).await >= 1 }
            })
            .await;
            common::stack(&["start", "taskmanager"]);
        }
        flink::wait_until("the job RUNNING again after a restart", Duration::from_secs(120), || {
            let id = flink_job.clone();
            async move { flink::state(&id).await == "RUNNING" && flink::restarts(&id).await >= 1 }
        })
        .await;

        // The console's own view of it: the restart and the restored checkpoint.
        let out = common::console(&["--config", config, "flink", "job", &flink_job, "-o", "json"], &[]);
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("flink job -o json: {e}: {}", String::from_utf8_lossy(&out.stdout))
        });
        flink::assert_console_shows_restart(&shown);

        let (until, embedded) = flink::embedded(&sink, config, &job).await;
        assert_eq!(
            flink::without_avg(&embedded),
            changelog.truth(WINDOW_MS, until),
            "embedded vs truth"
        );
        let took =
            flink::converge(&sink, &format!("cdc.{job}_flink"), &flink_job, &embedded, until).await;
        eprintln!(
            "after the TaskManager's kill and return: {} windows equal; Flink settled {:.1} s after \
             the embedded replay",
            embedded.len(),
            took.as_secs_f64()
        );
    });
}

//! A TaskManager killed mid-run: Flink restarts the job from its last checkpoint once a
//! TaskManager is back, the console shows the restart and the checkpoint, and the results still
//! equal the embedded job's on the same changelog (half written before the kill, half while the
//! TaskManager is gone).

use crate::common;

use std::time::Duration;

use common::flink::{self, WINDOW_MS};

#[test]
fn a_killed_taskmanager_restarts_the_job_from_its_checkpoint_and_the_results_hold() {
    let _turn = flink::take_turn();
    let mut peer = flink::PeerJob::new("failover", 41);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sink = common::sink_client().await;
        peer.changelog.produce(&peer.topic, 3_000);
        let flink_job = flink::submit(&peer.config, &peer.job);
        peer.clean_up.flink_job = Some(flink_job.clone());
        let id = flink_job.as_str();
        flink::wait_until("a completed checkpoint", Duration::from_secs(90), || async move {
            flink::completed_checkpoints(id).await >= 1
        })
        .await;

        {
            let _start_again = common::StartAgain(&["taskmanager"]);
            common::stack(&["stop", "taskmanager", "--kill"]);
            peer.changelog.produce(&peer.topic, 3_000);
            let lost = "the job to notice the lost TaskManager";
            flink::wait_until(lost, Duration::from_secs(90), || async move {
                flink::state(id).await != "RUNNING" || flink::restarts(id).await >= 1
            })
            .await;
            common::stack(&["start", "taskmanager"]);
        }
        let back = "the job RUNNING again after a restart";
        flink::wait_until(back, Duration::from_secs(120), || async move {
            flink::state(id).await == "RUNNING" && flink::restarts(id).await >= 1
        })
        .await;

        // The console's own view of it: the restart and the restored checkpoint.
        let out =
            common::console(&["--config", &peer.config, "flink", "job", id, "-o", "json"], &[]);
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("flink job -o json: {e}: {}", String::from_utf8_lossy(&out.stdout))
        });
        flink::assert_console_shows_restart(&shown);

        let (until, embedded) = flink::embedded(&sink, &peer.config, &peer.job).await;
        assert_eq!(
            flink::without_avg(&embedded),
            peer.changelog.truth(WINDOW_MS, until),
            "embedded vs truth"
        );
        let took = flink::converge(&sink, &peer.flink_table(), id, &embedded, until).await;
        eprintln!(
            "after the TaskManager's kill and return: {} windows equal; Flink settled {:.1} s after \
             the embedded replay",
            embedded.len(),
            took.as_secs_f64()
        );
    });
}

//! The peer check: the same job on the same changelog must give the same answer embedded and on
//! Flink. A generated changelog of `public.orders` (inserts, updates moving rows between windows
//! and statuses, deletes and their tombstones; event time only forward, so nothing is late) goes
//! to a scratch topic; the embedded processor replays it to the end, the job's Flink SQL runs on
//! the local session cluster (`process --on flink`), and the two output tables must hold the
//! same rows window by window, both equal to the truth computed from the rows left alive.
//!
//! Needs `compose/local/stack up` and `compose/local/stack up flink`.

use crate::common;

use common::changelog::Changelog;
use common::flink::{self, START_MS, WINDOW_MS};

#[test]
fn the_embedded_job_and_its_flink_sql_agree_window_by_window() {
    let _turn = common::flink::take_turn();
    common::require_stack();
    flink::require_flink();
    let pid = std::process::id();
    let (job, topic) = (format!("peer_{pid}"), format!("cdc-console-test-peer-{pid}"));
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

        // 6,000 changes over 60 s of event time on 4 partitions.
        let mut changelog = Changelog::new(&common::config().kafka.brokers, 23, START_MS, 10, 4);
        changelog.produce(&topic, 6_000);
        eprintln!("changelog: {:?}, {} rows alive", changelog.counts, changelog.rows.len());

        let (until, embedded) = flink::embedded(&sink, config, &job).await;
        assert_eq!(
            flink::without_avg(&embedded),
            changelog.truth(WINDOW_MS, until),
            "the embedded job against the truth"
        );

        let flink_job = flink::submit(config, &job);
        clean_up.flink_job = Some(flink_job.clone());
        let took =
            flink::converge(&sink, &format!("cdc.{job}_flink"), &flink_job, &embedded, until).await;
        eprintln!(
            "{} windows equal embedded, on Flink and in truth; Flink caught up in {:.1} s",
            embedded.len(),
            took.as_secs_f64()
        );
    });
}

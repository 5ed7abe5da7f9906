//! The peer check: the same job on the same changelog must give the same answer embedded and on
//! Flink. A generated changelog of `public.orders` (inserts, updates moving rows between windows
//! and statuses, deletes and their tombstones; event time only forward, so nothing is late) goes
//! to a scratch topic; the embedded processor replays it to the end, the job's Flink SQL runs on
//! the local session cluster (`process --on flink`), and the two output tables must hold the
//! same rows window by window, both equal to the truth computed from the rows left alive.

use crate::common;

use common::flink::{self, WINDOW_MS};

#[test]
fn the_embedded_job_and_its_flink_sql_agree_window_by_window() {
    let _turn = flink::take_turn();
    let mut peer = flink::PeerJob::new("peer", 23);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sink = common::sink_client().await;
        // 6,000 changes over 60 s of event time on 4 partitions.
        peer.changelog.produce(&peer.topic, 6_000);
        let (counts, alive) = (&peer.changelog.counts, peer.changelog.rows.len());
        eprintln!("changelog: {counts:?}, {alive} rows alive");

        let (until, embedded) = flink::embedded(&sink, &peer.config, &peer.job).await;
        assert_eq!(
            flink::without_avg(&embedded),
            peer.changelog.truth(WINDOW_MS, until),
            "the embedded job against the truth"
        );

        let flink_job = flink::submit(&peer.config, &peer.job);
        peer.clean_up.flink_job = Some(flink_job.clone());
        let took = flink::converge(&sink, &peer.flink_table(), &flink_job, &embedded, until).await;
        eprintln!(
            "{} windows equal embedded, on Flink and in truth; Flink caught up in {:.1} s",
            embedded.len(),
            took.as_secs_f64()
        );
    });
}

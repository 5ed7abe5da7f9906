//! A slow or dead backend never blocks the others: with Connect and the sink accepting
//! connections and never answering, the source and broker collectors keep their cadence, and
//! the hung ones report a timeout after the request timeout, every time.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use cdc_console::collectors::{self, CollectError, UpdateKind};
use cdc_console::config::{HttpUrl, Millis};

/// A port that accepts TCP connections and never says a word.
fn black_hole() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn hung_backends_time_out_while_the_others_keep_their_cadence() {
    common::require_stack();
    let mut config = common::config();
    config.connect[0].url = HttpUrl::parse(&format!("http://127.0.0.1:{}", black_hole())).unwrap();
    config.sink.port = black_hole();
    config.timeouts.request_ms = Millis(1_000);
    config.timeouts.refresh_ms = Millis(250);

    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let tasks = collectors::spawn_all(&config, &[], tx);
    let mut counts = [0usize; 4]; // source ok, kafka ok, connect timeouts, sink timeouts
    let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
    while let Ok(Some(u)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        match u.kind {
            UpdateKind::Source(Ok(_)) => counts[0] += 1,
            UpdateKind::Kafka(Ok(_)) => counts[1] += 1,
            UpdateKind::Connect(0, Err(CollectError::Timeout { after, .. })) => {
                assert_eq!(after, Duration::from_secs(1));
                counts[2] += 1;
            }
            UpdateKind::Sink(Err(CollectError::Timeout { .. })) => counts[3] += 1,
            // Groups poll on their own schedule, the snapshots collector reads through the
            // hung Connect worker, and Flink's collector its own cluster (or finds none); here
            // they only must not get in the way.
            UpdateKind::Groups(_) | UpdateKind::Snapshots(_) | UpdateKind::Flink(_) => {}
            other => panic!("unexpected update: {other:?}"),
        }
    }
    for t in tasks {
        t.abort();
    }
    // 4 s at a 250 ms cadence is 16 polls: the source keeps its cadence beside two hung
    // backends. The broker's own poll is slower (it reads every partition's offsets), but it
    // keeps delivering too.
    assert!(counts[0] >= 10, "the source kept its cadence: {counts:?}");
    assert!(counts[1] >= 1, "the broker kept delivering: {counts:?}");
    // Each hung poll takes the 1 s timeout: 3 or 4 of them in 4 s, never a hang.
    assert!(
        (3..=4).contains(&counts[2]) && (3..=4).contains(&counts[3]),
        "hung backends timed out on schedule: {counts:?}"
    );
}

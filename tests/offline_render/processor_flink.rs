//! The processor view's Flink block, from a store filled by hand: Flink not running (a quiet
//! hint), two jobs (one running with checkpoints, watermarks, backpressure and lag, one
//! cancelled), and Flink lost after it was seen (down with its reason, the last jobs kept).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cdc_console::collectors::CollectError;
use cdc_console::collectors::flink::{FlinkPoll, FlinkSnapshot};
use cdc_console::flink::rest::{
    Backpressure, Checkpoint, Checkpoints, ClusterOverview, JobSummary, JobWatch, Vertex,
    VertexWatch,
};
use cdc_console::ui::ViewId;

use crate::fixtures::*;

fn ms(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn vertex(name: &str, wm: Option<u64>, bp: Backpressure, rates: (f64, f64)) -> VertexWatch {
    VertexWatch {
        vertex: Vertex {
            id: format!("v-{name}"),
            name: name.into(),
            parallelism: 2,
            status: "RUNNING".into(),
        },
        watermark_ms: wm.map(|s| ms(t(s))),
        backpressure: Some(bp),
        backpressure_ratio: Some(0.2),
        records_in_per_sec: Some(rates.0),
        records_out_per_sec: Some(rates.1),
        sink_records_per_sec: name.starts_with("Sink").then_some(rates.0),
        source_lag: name.starts_with("Source").then_some(1_250.0),
    }
}

/// The frame's clock is t(75): the running job started at t(15), checkpointed at t(70).
pub fn flink_jobs() -> FlinkSnapshot {
    let running = JobWatch {
        summary: JobSummary {
            id: "a1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
            name: "orders_by_status".into(),
            state: "RUNNING".into(),
            start_time_ms: Some(ms(t(15))),
            end_time_ms: None,
            duration_ms: Some(60_000),
        },
        console_job: Some("orders_by_status".into()),
        restarts: Some(1),
        checkpoints: Some(Checkpoints {
            completed: 12,
            failed: 1,
            latest_completed: Some(Checkpoint {
                id: 13,
                trigger_ms: Some(ms(t(70))),
                duration_ms: Some(85),
                state_size: Some(24_576),
                external_path: Some("file:/state/flink/checkpoints/a1b2/chk-13".into()),
                ..Checkpoint::default()
            }),
            ..Checkpoints::default()
        }),
        vertices: vec![
            vertex("Source: orders[1]", None, Backpressure::Low, (2000.0, 2000.0)),
            vertex("GroupWindowAggregate", Some(62), Backpressure::Ok, (2000.0, 40.0)),
            vertex("Sink: orders_by_status_flink", Some(65), Backpressure::Ok, (40.0, 0.0)),
        ],
        ..JobWatch::default()
    };
    let cancelled = JobWatch {
        summary: JobSummary {
            id: "0f0e0d0c0b0a09080706050403020100".into(),
            name: "fwatch-datagen".into(),
            state: "CANCELED".into(),
            start_time_ms: Some(ms(t(1))),
            end_time_ms: Some(ms(t(11))),
            duration_ms: Some(10_000),
        },
        ..JobWatch::default()
    };
    FlinkSnapshot {
        overview: ClusterOverview {
            flink_version: "2.2.0".into(),
            taskmanagers: 1,
            slots_total: 4,
            slots_available: 2,
            jobs_running: 1,
        },
        jobs: vec![running, cancelled],
        submissions_note: None,
        taken_at_ms: ms(t(75)),
    }
}

fn refused() -> FlinkPoll {
    FlinkPoll {
        result: Err(CollectError::Unreachable {
            endpoint: "http://127.0.0.1:8081".into(),
            reason: "error sending request: Connection refused".into(),
        }),
        refused: true,
    }
}

#[test]
fn flink_not_running_is_a_quiet_hint() {
    let mut s = healthy_full();
    s.flink.apply(refused(), t(70));
    let small = render(&s, ViewId::Processor, None, 80, 24);
    assert!(small.contains("not running"), "{small}");
    assert!(small.contains("compose/local/stack up flink"), "{small}");
    assert!(!small.contains("down"), "{small}");
    insta::assert_snapshot!("flink_not_running_80x24", small);
}

#[test]
fn flink_jobs_beside_the_embedded_job() {
    let mut s = healthy_full();
    s.flink.apply(FlinkPoll { result: Ok(flink_jobs()), refused: false }, t(75));
    let big = render(&s, ViewId::Processor, None, 160, 40);
    for want in [
        "Flink 2.2.0: 1 taskmanagers, 2/4 slots free",
        "orders_by_status",
        "RUNNING",
        "1m00s",
        "5s ago 85 ms 24.0K 1 failed",
        "13.0 s",
        "low",
        "2000",
        "1250",
        "fwatch-datagen",
        "CANCELED",
    ] {
        assert!(big.contains(want), "{want} missing:\n{big}");
    }
    insta::assert_snapshot!("flink_jobs_160x40", big);
    let small = render(&s, ViewId::Processor, None, 80, 24);
    assert!(small.contains("orders_by_status") && small.contains("RUNNING"), "{small}");
    insta::assert_snapshot!("flink_jobs_80x24", small);
}

#[test]
fn flink_lost_after_it_was_seen_is_down_with_its_reason_and_since_when() {
    let mut s = healthy_full();
    s.flink.apply(FlinkPoll { result: Ok(flink_jobs()), refused: false }, t(30));
    s.flink.apply(refused(), t(60));
    let big = render(&s, ViewId::Processor, None, 160, 40);
    assert!(big.contains("down 15s ago"), "{big}");
    assert!(big.contains("Connection refused"), "{big}");
    assert!(big.contains("stale"), "{big}");
    assert!(big.contains("orders_by_status"), "the last jobs stay:\n{big}");
    insta::assert_snapshot!("flink_down_160x40", big);
    let _ = Duration::ZERO;
}

//! The processor view: stopped (with the key that starts it), and a running job with a paused
//! state, watermarks per partition (one idle), late events and the firing delay.

use cdc_console::pipeline::processor::{FiredWindow, ProcessorSnapshot};
use cdc_console::pipeline::processor::{OperatorStats, PartitionStats};
use cdc_console::stats::Percentiles;
use cdc_console::store::Embedded;
use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn stopped_says_how_to_start() {
    let s = healthy_full();
    let small = render(&s, ViewId::Processor, None, 80, 24);
    assert!(
        small.contains("○ stopped") && small.contains("s starts the first configured job"),
        "{small}"
    );
    insta::assert_snapshot!("stopped_80x24", small);
}

/// An output row of `orders_by_status`: status, the 10 s window from `start`, count and sum.
fn window(status: &str, start: u64, count: &str, sum: &str) -> FiredWindow {
    let at = |secs: u64| t(secs).duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    FiredWindow {
        group: vec![("status".into(), Some(status.into()))],
        window_start: at(start),
        window_end: at(start + 10),
        aggregates: vec![
            ("count".into(), Some(count.into())),
            ("sum_amount".into(), Some(sum.into())),
        ],
        deleted: false,
    }
}

fn running(paused: bool) -> Embedded {
    // The frame's clock is t(75); watermarks a few seconds behind it.
    let at = |secs: u64| t(secs).duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let part = |partition: i32, wm: u64, idle: bool, late: u64| PartitionStats {
        partition,
        watermark: Some(at(wm)),
        max_event_time: Some(at(wm + 2)),
        idle,
        next_offset: 10_000 + i64::from(partition),
        open_windows: 6,
        fired_windows: 12,
        late_events: late,
        events_applied: 25_000,
    };
    let stats = OperatorStats {
        job_watermark: Some(at(70)),
        idle: false,
        idle_partitions: vec![3],
        partitions: vec![
            part(0, 71, false, 0),
            part(1, 70, false, 4),
            part(2, 72, false, 0),
            part(3, 40, true, 0),
        ],
        open_windows: 24,
        fired_windows: 48,
        late_events: 4,
        events_applied: 100_000,
    };
    Embedded {
        processor: ProcessorSnapshot {
            job: "orders_by_status".into(),
            topics: vec!["dbserver1.public.orders".into()],
            running: true,
            paused,
            events: 100_000,
            events_per_sec: 2012.4,
            stats: Some(stats),
            late_events: 4,
            checkpoints: 311,
            last_checkpoint: Some(t(74)),
            latest_windows: vec![
                window("paid", 60, "42", "1234.50"),
                window("new", 60, "7", "88.10"),
            ],
            firing_delay_ms: Percentiles {
                count: 120,
                p50: 18,
                p90: 31,
                p99: 47,
                p999: 47,
                max: 52,
            },
            ..ProcessorSnapshot::default()
        },
        ..Embedded::default()
    }
}

#[test]
fn running_job_with_watermarks_an_idle_partition_and_late_events() {
    let s = healthy_full();
    let big = render_embedded(&s, ViewId::Processor, None, &running(false), 160, 40);
    for want in [
        "Processor: job orders_by_status",
        "● running",
        "2012 events/s",
        "last checkpoint 1s ago (311 this run)",
        "5.0 s behind wall clock",
        "24 open, 48 fired",
        "p50 18 ms  p99 47 ms  max 52 ms",
        "08:00:40.000",
        "idle",
        "35.0 s",
        "Latest windows",
        "STATUS",
        "SUM_AMOUNT",
        "08:01:00–08:01:10",
        "1234.50",
    ] {
        assert!(big.contains(want), "{want} missing:\n{big}");
    }
    insta::assert_snapshot!("running_160x40", big);
    let small = render_embedded(&s, ViewId::Processor, None, &running(true), 80, 24);
    assert!(small.contains("‖ paused"), "{small}");
    insta::assert_snapshot!("paused_80x24", small);
}

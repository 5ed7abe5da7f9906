//! The replication view: the embedded replicator, the last diff, and what the sink reports.

use cdc_console::collectors::postgres::{AppliedLsn, ConsoleTable};
use cdc_console::collectors::{CollectError, Update, UpdateKind};
use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn healthy_sink_with_console_tables() {
    let mut s = healthy();
    let mut sink = pg(false);
    sink.console_tables = vec![ConsoleTable { name: "cdc.orders".into(), live_rows: 1_180 }];
    sink.applied = vec![AppliedLsn { consumer: "replicator".into(), lsn: "0/1A2B3C4".into() }];
    s.apply(Update { at: t(0), kind: UpdateKind::Sink(Ok(sink)) });
    let small = render(&s, ViewId::Replication, None, 80, 24);
    for want in [
        "○ stopped",
        "no diff run yet: press d",
        "reachable, up 1m15s",
        "cdc.orders",
        "1180 rows",
        "applied LSN",
        "0/1A2B3C4",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render(&s, ViewId::Replication, None, 160, 40));
}

#[test]
fn sink_down() {
    let mut s = healthy();
    let refused = CollectError::Unreachable {
        endpoint: "postgres@127.0.0.1:55433/sink".into(),
        reason: "Connection refused (os error 111)".into(),
    };
    s.apply(Update { at: t(30), kind: UpdateKind::Sink(Err(refused)) });
    let small = render(&s, ViewId::Replication, None, 80, 24);
    for want in ["down 45s", "Connection refused", "stale 1m15s", "no console tables"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("sink_down_80x24", small);
    insta::assert_snapshot!("sink_down_160x40", render(&s, ViewId::Replication, None, 160, 40));
}

#[test]
fn nothing_polled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Replication, None, 80, 24);
    assert!(
        small.contains("not polled yet") && small.contains("nothing from the sink yet"),
        "{small}"
    );
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Replication, None, 160, 40));
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
fn replicator_running_and_a_diff_with_divergence_and_rows_in_flight() {
    use cdc_console::pipeline::diff::{RowDiff, Stats, TableReport};
    use cdc_console::pipeline::replicator::{ReplicaStatus, ReplicatorSnapshot};
    use cdc_console::store::Embedded;
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Sink(Ok(pg(false))) });
    let embedded = Embedded {
        replicator: ReplicatorSnapshot {
            running: true,
            rows_per_sec: 1834.2,
            events: 50_210,
            batches: 311,
            applied_lsn: Some("0/5F3A2B8".into()),
            dead_letters: 2,
            commit_latency_ms: cdc_console::stats::Percentiles {
                count: 11_920,
                p50: 212,
                p90: 380,
                p99: 461,
                p999: 610,
                max: 702,
            },
            replicas: vec![
                ReplicaStatus {
                    name: "orders_replica".into(),
                    sink: "cdc.orders_replica".into(),
                    applied_events: 50_210,
                    error: None,
                },
                ReplicaStatus {
                    name: "orders_transformed".into(),
                    sink: "cdc.orders_transformed".into(),
                    applied_events: 812,
                    error: Some(
                        "column amount is numeric(12,2) in the sink but text in the source".into(),
                    ),
                },
            ],
            ..ReplicatorSnapshot::default()
        },
        diff: cdc_console::pipeline::diff::targets::DiffSnapshot {
            running: false,
            started: Some(t(60)),
            finished: Some(t(63)),
            reports: vec![TableReport {
                source_table: "public.orders".into(),
                sink_table: "cdc.orders_replica".into(),
                key_columns: vec!["order_id".into()],
                differences: vec![
                    RowDiff::Missing { key: vec!["101".into()] },
                    RowDiff::Changed { key: vec!["102".into()], columns: vec!["status".into()] },
                ],
                in_flight: vec![RowDiff::Extra { key: vec!["90001".into()] }],
                stats: Stats {
                    segments_checked: 97,
                    rows_fetched: 12_800,
                    elapsed_ms: 2_940,
                    ..Stats::default()
                },
            }],
            errors: vec![],
        },
        ..Embedded::default()
    };
    let big = render_embedded(&s, ViewId::Replication, None, &embedded, 160, 40);
    for want in [
        "● running",
        "1834 rows/s",
        "applied LSN 0/5F3A2B8",
        "2 dead letters",
        "p50 212 ms  p99 461 ms  max 702 ms",
        "STOPPED: column amount",
        "Diff: 12s ago, took 3.0 s",
        "2 diverged",
        "1 in flight",
        "order_id=101",
        "missing in sink",
        "changed",
        "status",
        "extra in sink",
    ] {
        assert!(big.contains(want), "{want} missing:\n{big}");
    }
    insta::assert_snapshot!("replicating_160x40", big);
    insta::assert_snapshot!(
        "replicating_80x24",
        render_embedded(&s, ViewId::Replication, None, &embedded, 80, 24)
    );
}

#[test]
fn replicator_waiting_for_its_topic() {
    use cdc_console::pipeline::replicator::{ReplicaStatus, ReplicatorSnapshot};
    use cdc_console::store::Embedded;
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Sink(Ok(pg(false))) });
    let embedded = Embedded {
        replicator: ReplicatorSnapshot {
            running: true,
            waiting_for: vec!["dbserver1.public.orders".into()],
            replicas: vec![ReplicaStatus {
                name: "orders_replica".into(),
                sink: "cdc.orders_replica".into(),
                applied_events: 0,
                error: None,
            }],
            ..ReplicatorSnapshot::default()
        },
        ..Embedded::default()
    };
    let big = render_embedded(&s, ViewId::Replication, None, &embedded, 160, 40);
    for want in [
        "● running",
        "waiting for dbserver1.public.orders to exist",
        "orders_replica → cdc.orders_replica",
    ] {
        assert!(big.contains(want), "{want} missing:\n{big}");
    }
    insta::assert_snapshot!("waiting_160x40", big);
}

#[test]
fn many_keys_in_flight_never_hide_another_tables_verdict() {
    use cdc_console::pipeline::diff::{RowDiff, Stats, TableReport};
    use cdc_console::store::Embedded;
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Sink(Ok(pg(false))) });
    let report = |sink: &str, in_flight: usize| TableReport {
        source_table: "public.orders".into(),
        sink_table: sink.into(),
        key_columns: vec!["order_id".into()],
        differences: vec![],
        in_flight: (0..in_flight)
            .map(|i| RowDiff::Missing { key: vec![(74_000 + i).to_string()] })
            .collect(),
        stats: Stats::default(),
    };
    let mut embedded = Embedded::default();
    embedded.diff.started = Some(t(60));
    embedded.diff.finished = Some(t(63));
    embedded.diff.reports =
        vec![report("cdc.orders_replica", 500), report("cdc.orders_transformed", 0)];
    let big = render_embedded(&s, ViewId::Replication, None, &embedded, 160, 40);
    for want in [
        "public.orders = cdc.orders_replica",
        "500 in flight",
        "public.orders = cdc.orders_transformed",
        "order_id=74000",
        "more keys",
    ] {
        assert!(big.contains(want), "{want} missing:\n{big}");
    }
    assert!(!big.contains("order_id=74020"), "more than 20 keys listed:\n{big}");
}

#[test]
fn replicator_retrying_after_the_sink_went_away() {
    use cdc_console::store::Embedded;
    use cdc_console::store::snapshots::{ReplicatorSnapshot, Retrying};
    let s = healthy();
    let now_ms = 1_800_000_075_000;
    let embedded = Embedded {
        replicator: ReplicatorSnapshot {
            running: true,
            events: 12_000,
            batches: 40,
            retrying: Some(Retrying {
                attempt: 4,
                reason: "sink: connecting: connection refused".into(),
                next_attempt_at_ms: now_ms + 8_000,
                since_ms: now_ms - 20_000,
            }),
            ..ReplicatorSnapshot::default()
        },
        ..Embedded::default()
    };
    let small = render_embedded(&s, ViewId::Replication, None, &embedded, 80, 24);
    let want = "◐ retrying (attempt 4, next in 8s): sink: connecting: connection refused";
    assert!(small.contains("◐ retrying (attempt 4, next in 8s)"), "{want} missing:\n{small}");
    insta::assert_snapshot!("retrying_80x24", small);
    let overview = render_embedded(&s, ViewId::Overview, None, &embedded, 160, 40);
    assert!(overview.contains("◐ replicator retrying"), "{overview}");
    insta::assert_snapshot!("retrying_overview_160x40", overview);
}

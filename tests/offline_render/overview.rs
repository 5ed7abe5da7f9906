//! The overview in three states at two sizes.

use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn healthy_pipeline() {
    let s = healthy_full();
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(
        small.contains("orders-cdc") && small.contains("RUNNING") && small.contains("cdc_console"),
        "{small}"
    );
    for want in [
        "source",
        "connector",
        "topics",
        "processor",
        "sink",
        "12.5 chg/s",
        "12.5 msg/s",
        "slot lag 0B",
        "RUNNING 1/1",
        "○ stopped",
        "lag 3000 ERR",
        "p99 230ms",
        "0 cdc tables",
        "→",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render(&s, ViewId::Overview, None, 160, 40));
}

#[test]
fn connect_down_keeps_stale_data_and_says_since_when() {
    let s = connect_down();
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(
        small.contains("down 45s") && small.contains("stale 1m15s") && small.contains("Connection"),
        "{small}"
    );
    insta::assert_snapshot!("connect_down_80x24", small);
    insta::assert_snapshot!("connect_down_160x40", render(&s, ViewId::Overview, None, 160, 40));
}

#[test]
fn nothing_polled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(small.contains("no connectors") && small.contains("not polled yet"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Overview, None, 160, 40));
}

#[test]
fn kafka_down_marks_topics_and_lag_stale() {
    let s = kafka_down();
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(small.contains("down 45s") && small.contains("stale 1m15s"), "{small}");
    insta::assert_snapshot!("kafka_down_80x24", small);
    insta::assert_snapshot!("kafka_down_160x40", render(&s, ViewId::Overview, None, 160, 40));
}

#[test]
fn narrow_terminals_get_one_line_per_stage() {
    let small = render(&healthy_full(), ViewId::Overview, None, 60, 24);
    assert!(
        small.contains("source    ● up 1m15s") && small.contains("processor ○ stopped"),
        "{small}"
    );
}

#[test]
fn partitions_below_min_isr_take_the_topics_stage_down() {
    let s = below_min_isr();
    let wide = render(&s, ViewId::Overview, None, 160, 40);
    // The topics box wraps the stage's first line: "dbserver1.public.orders: 1 partition(s)
    // refuse writes: fewer in-sync replicas than min.insync.replicas=2".
    for want in [
        "● down 1m15s",
        "dbserver1.public.orders: 1",
        "partition(s) refuse writes:",
        "min.insync.replicas=2",
        "1 refusing writes (below min ISR)",
        "4 under-replicated",
    ] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
    insta::assert_snapshot!("below_min_isr_160x40", wide);
}

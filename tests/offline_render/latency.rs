//! The latency view in three states at two sizes.

use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn healthy_percentiles_and_chart() {
    let s = healthy_full();
    let small = render(&s, ViewId::Latency, None, 80, 24);
    for want in [
        "last 60s",
        "source commit → console",
        "P99.9",
        "512",
        "1840 events",
        "2 undecodable",
        "p99",
        "230ms",
        "█",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render(&s, ViewId::Latency, None, 160, 40));
}

#[test]
fn sampler_down_keeps_stale_figures() {
    let s = kafka_down();
    let small = render(&s, ViewId::Latency, None, 80, 24);
    assert!(small.contains("stale 1m15s") && small.contains("230"), "{small}");
    insta::assert_snapshot!("kafka_down_80x24", small);
    insta::assert_snapshot!("kafka_down_160x40", render(&s, ViewId::Latency, None, 160, 40));
}

#[test]
fn nothing_sampled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Latency, None, 80, 24);
    assert!(small.contains("latency not sampled yet"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Latency, None, 160, 40));
}

#[test]
fn a_window_without_events_says_so() {
    use cdc_console::collectors::{Update, UpdateKind};
    let mut s = healthy();
    let mut quiet = latency();
    for st in &mut quiet.stages {
        st.ms = Default::default();
    }
    quiet.events = 0;
    s.apply(Update { at: t(0), kind: UpdateKind::Latency(Ok(quiet)) });
    let small = render(&s, ViewId::Latency, None, 80, 24);
    assert!(small.contains("no change events in the last 60s"), "{small}");
}

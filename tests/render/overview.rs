//! The overview in three states at two sizes.

use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn healthy_pipeline() {
    let s = healthy();
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(small.contains("orders-cdc") && small.contains("RUNNING") && small.contains("cdc_console"), "{small}");
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render(&s, ViewId::Overview, None, 160, 40));
}

#[test]
fn connect_down_keeps_stale_data_and_says_since_when() {
    let s = connect_down();
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(small.contains("down") && small.contains("45s") && small.contains("stale 1m15s"), "{small}");
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

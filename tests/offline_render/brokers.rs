//! The brokers view: three states at two sizes, a down broker with URP and offline partitions,
//! a filter and a selection.

use cdc_console::store::Store;
use cdc_console::ui::{UiState, ViewId};

use crate::fixtures::*;

fn ui() -> UiState {
    UiState { view: ViewId::Brokers, ..UiState::default() }
}

/// The identities the app acts on, as it asks the store for them.
fn rows(store: &Store, ui: &UiState) -> Vec<String> {
    store.rows(ui.view.table(), &ui.filter, ui.detail.as_deref())
}

#[test]
fn healthy_brokers() {
    let s = healthy();
    let small = render(&s, ViewId::Brokers, None, 80, 24);
    assert!(
        small.contains("111*")
            && small.contains("127.0.0.1:9092")
            && small.contains("UP")
            && small.contains("0.4ms"),
        "{small}"
    );
    assert!(small.contains("URP 0") && small.contains("offline 0"), "{small}");
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render(&s, ViewId::Brokers, None, 160, 40));
    assert_eq!(rows(&s, &ui()), ["111"]);
}

#[test]
fn kafka_down_keeps_the_last_brokers_marked_stale() {
    let s = kafka_down();
    let small = render(&s, ViewId::Brokers, None, 80, 24);
    assert!(
        small.contains("stale 1m15s") && small.contains("Kafka down 45s") && small.contains("111*"),
        "{small}"
    );
    insta::assert_snapshot!("kafka_down_80x24", small);
    insta::assert_snapshot!("kafka_down_160x40", render(&s, ViewId::Brokers, None, 160, 40));
}

#[test]
fn nothing_polled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Brokers, None, 80, 24);
    assert!(small.contains("(not polled yet)") && small.contains("Brokers (0)"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Brokers, None, 160, 40));
    assert!(rows(&s, &ui()).is_empty());
}

#[test]
fn a_down_broker_and_partition_trouble_with_a_selection() {
    let s = troubled();
    let u = UiState { selected: 2, ..ui() };
    let small = render(&s, ViewId::Brokers, Some(u.clone()), 80, 24);
    for want in
        ["controller 111", "2 up · 1 down", "URP 2", "offline 1", "DOWN", "10.0.0.13:9092", "8.7ms"]
    {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("troubled_selected_80x24", small);
    let wide = render(&s, ViewId::Brokers, Some(u.clone()), 160, 40);
    assert!(
        wide.contains("rack-c") && wide.contains("connection refused") && wide.contains("CONNECT"),
        "{wide}"
    );
    insta::assert_snapshot!("troubled_selected_160x40", wide);
    assert_eq!(rows(&s, &u), ["111", "112", "113"]);
}

#[test]
fn the_filter_narrows_the_table() {
    let s = troubled();
    let u = UiState { filter: "rack-b".into(), ..ui() };
    let small = render(&s, ViewId::Brokers, Some(u.clone()), 80, 24);
    assert!(
        small.contains("Brokers (1/3) /rack-b")
            && small.contains("10.0.0.12")
            && !small.contains("10.0.0.13"),
        "{small}"
    );
    insta::assert_snapshot!("filtered_80x24", small);
    assert_eq!(rows(&s, &u), ["112"]);
}

#[test]
fn the_cluster_summary_counts_partitions_below_min_isr() {
    let wide = render(&below_min_isr(), ViewId::Brokers, None, 160, 40);
    assert!(
        wide.contains("URP 8  offline 0  below min ISR 1  cluster vvaVbflMSCyGxK-SuTLyuA"),
        "{wide}"
    );
    let troubled = render(&troubled(), ViewId::Brokers, None, 160, 40);
    assert!(!troubled.contains("below min ISR"), "shown only when there are any:\n{troubled}");
}

//! The topics view: three states at two sizes, URP and offline partitions, internal topics shown
//! only by a filter, a selection, and the partitions of one topic.

use cdc_console::action::Keymap;
use cdc_console::config::theme::Theme;
use cdc_console::store::Embedded;
use cdc_console::store::Store;
use cdc_console::ui::{UiState, View, ViewId};

use crate::fixtures::*;

fn ui() -> UiState {
    UiState { view: ViewId::Topics, ..UiState::default() }
}

/// The identities the app acts on, as it asks the store for them.
fn rows(store: &Store, ui: &UiState) -> Vec<String> {
    store.rows(ui.view.table(), &ui.filter, ui.detail.as_deref())
}

#[test]
fn healthy_topics_hide_the_internal_ones() {
    let s = healthy();
    let small = render(&s, ViewId::Topics, None, 80, 24);
    assert!(
        small.contains("Topics (2, 1 internal hidden)")
            && small.contains("dbserver1.public.order_items")
            && small.contains("12.5"),
        "{small}"
    );
    assert!(!small.contains("_connect-offsets"), "{small}");
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render(&s, ViewId::Topics, None, 160, 40));
    assert_eq!(rows(&s, &ui()), ["dbserver1.public.order_items", "dbserver1.public.orders"]);
}

#[test]
fn kafka_down_keeps_the_last_topics_marked_stale() {
    let s = kafka_down();
    let small = render(&s, ViewId::Topics, None, 80, 24);
    assert!(
        small.contains("stale 1m15s")
            && small.contains("Kafka down 45s")
            && small.contains("dbserver1.public.orders"),
        "{small}"
    );
    insta::assert_snapshot!("kafka_down_80x24", small);
    insta::assert_snapshot!("kafka_down_160x40", render(&s, ViewId::Topics, None, 160, 40));
}

#[test]
fn nothing_polled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Topics, None, 80, 24);
    assert!(small.contains("(not polled yet)"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Topics, None, 160, 40));
    assert!(rows(&s, &ui()).is_empty());
}

#[test]
fn urp_and_offline_counts_with_a_selection() {
    let s = troubled();
    let u = UiState { selected: 1, ..ui() };
    let small = render(&s, ViewId::Topics, Some(u.clone()), 80, 24);
    for want in ["URP", "OFFLINE", "4790", "2006"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("troubled_selected_80x24", small);
    insta::assert_snapshot!(
        "troubled_selected_160x40",
        render(&s, ViewId::Topics, Some(u), 160, 40)
    );
}

#[test]
fn a_filter_that_matches_internal_topics_shows_them() {
    let s = healthy();
    let u = UiState { filter: "connect".into(), ..ui() };
    let small = render(&s, ViewId::Topics, Some(u.clone()), 80, 24);
    assert!(
        small.contains("_connect-offsets")
            && small.contains("Topics (1/3) /connect")
            && !small.contains("order_items"),
        "{small}"
    );
    insta::assert_snapshot!("filtered_internal_80x24", small);
    assert_eq!(rows(&s, &u), ["_connect-offsets"]);
}

#[test]
fn detail_lists_partitions_with_their_flags() {
    let s = troubled();
    let u = UiState { detail: Some("dbserver1.public.orders".into()), selected: 2, ..ui() };
    let small = render(&s, ViewId::Topics, Some(u.clone()), 80, 24);
    for want in [
        "Topic dbserver1.public.orders",
        "URP 2",
        "offline 1",
        "OFFLINE",
        "none",
        "111,112,113",
        "1430",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("detail_80x24", small);
    let wide = render(&s, ViewId::Topics, Some(u.clone()), 160, 40);
    assert!(wide.contains("LeaderNotAvailable") && wide.contains("LOG START"), "{wide}");
    insta::assert_snapshot!("detail_160x40", wide);
    assert_eq!(rows(&s, &u), ["0", "1", "2", "3"]);
}

/// The foreground of the first cell of each place `text` is drawn at, in the frame of `ui`'s
/// view at `w`x`h`.
fn colors_of(
    store: &Store,
    ui: &UiState,
    w: u16,
    h: u16,
    text: &str,
) -> Vec<ratatui::style::Color> {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let view = View {
        store,
        theme: &theme,
        keymap: &keymap,
        ui,
        embedded: &Embedded::default(),
        read_only: false,
        now: t(75),
    };
    term.draw(|f| cdc_console::ui::draw(f, &view)).unwrap();
    let cells = term.backend().buffer().content().to_vec();
    let (width, len) = (usize::from(w), text.chars().count());
    (0..cells.len())
        .filter(|&i| {
            i % width + len <= width
                && cells[i..i + len].iter().map(ratatui::buffer::Cell::symbol).collect::<String>()
                    == text
        })
        .map(|i| cells[i].fg)
        .collect()
}

#[test]
fn a_partition_below_min_isr_is_an_error_with_its_reason() {
    let s = below_min_isr();
    let (error, warn) = (Theme::default().error.0, Theme::default().warn.0);
    let wide = render(&s, ViewId::Topics, None, 160, 40);
    assert!(wide.contains("1 partition(s) below min.insync.replicas=2: writes refused"), "{wide}");
    // Each checked while the other row is the selected one, which has the selection's colours.
    let selecting = |row| UiState { selected: row, ..ui() };
    assert_eq!(
        colors_of(&s, &selecting(0), 160, 40, "dbserver1.public.orders "),
        [error],
        "the topic is an error, not a warning"
    );
    assert_eq!(
        colors_of(&s, &selecting(1), 160, 40, "dbserver1.public.order_items"),
        [warn],
        "only under-replicated: a warning"
    );
    assert_eq!(colors_of(&s, &ui(), 160, 40, "1 partition(s) below"), [error]);
    insta::assert_snapshot!("below_min_isr_160x40", wide);
    insta::assert_snapshot!("below_min_isr_80x24", render(&s, ViewId::Topics, None, 80, 24));

    let u = UiState { detail: Some("dbserver1.public.orders".into()), ..ui() };
    let small = render(&s, ViewId::Topics, Some(u.clone()), 80, 24);
    for want in ["URP 4", "min ISR 2 (1 below)", "<MIN ISR", "log end 4790"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("detail_below_min_isr_80x24", small);
    let wide = render(&s, ViewId::Topics, Some(u.clone()), 160, 40);
    assert!(
        wide.contains(
            "1 in-sync replica of 3, below min.insync.replicas=2: writes with acks=all are refused"
        ),
        "{wide}"
    );
    assert_eq!(colors_of(&s, &u, 160, 40, "<MIN ISR"), [error]);
    assert_eq!(colors_of(&s, &u, 160, 40, "1 in-sync replica of 3"), [error]);
    // The summary's label, then the flags of partitions 0, 2 (the selected row) and 3.
    let urp = colors_of(&s, &UiState { selected: 2, ..u.clone() }, 160, 40, "URP ");
    assert_eq!(
        (urp.len(), urp[0], urp[1], urp[3]),
        (4, Theme::default().dim.0, warn, warn),
        "only under-replicated: a warning"
    );
    insta::assert_snapshot!("detail_below_min_isr_160x40", wide);
}

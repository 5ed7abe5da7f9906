//! The connectors view: three states at two sizes, a filter, a selection, and the detail of a
//! connector with a failed task and its trace.

use cdc_console::action::Keymap;
use cdc_console::config::theme::Theme;
use cdc_console::store::Embedded;
use cdc_console::store::Store;
use cdc_console::ui::{UiState, View, ViewId};

use crate::fixtures::*;

fn ui() -> UiState {
    UiState { view: ViewId::Connectors, ..UiState::default() }
}

/// The identities the app acts on, as it asks the store for them.
fn rows(store: &Store, ui: &UiState) -> Vec<String> {
    store.rows(ui.view.table(), &ui.filter, ui.detail.as_deref())
}

#[test]
fn healthy_connectors() {
    let s = healthy();
    let small = render(&s, ViewId::Connectors, None, 80, 24);
    assert!(
        small.contains("Connectors (1)")
            && small.contains("orders-cdc")
            && small.contains("1/1 RUNNING"),
        "{small}"
    );
    insta::assert_snapshot!("healthy_80x24", small);
    let wide = render(&s, ViewId::Connectors, None, 160, 40);
    assert!(wide.contains("PostgresConnector") && wide.contains("127.0.0.1:8083"), "{wide}");
    insta::assert_snapshot!("healthy_160x40", wide);
    assert_eq!(rows(&s, &ui()), ["orders-cdc"]);
}

#[test]
fn connect_down_keeps_the_last_connectors_marked_stale() {
    let s = connect_down();
    let small = render(&s, ViewId::Connectors, None, 80, 24);
    assert!(
        small.contains("stale 1m15s")
            && small.contains("connect:local down 45s: http://127.0.0.1:8083")
            && small.contains("orders-cdc")
            && small.contains("RUNNING"),
        "{small}"
    );
    insta::assert_snapshot!("connect_down_80x24", small);
    insta::assert_snapshot!("connect_down_160x40", render(&s, ViewId::Connectors, None, 160, 40));
}

#[test]
fn nothing_polled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Connectors, None, 80, 24);
    assert!(small.contains("(not polled yet)") && small.contains("Connectors (0)"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Connectors, None, 160, 40));
    assert!(rows(&s, &ui()).is_empty());
}

#[test]
fn failed_tasks_are_counted_and_the_selection_is_highlighted() {
    let s = troubled();
    let u = UiState { selected: 2, ..ui() };
    let small = render(&s, ViewId::Connectors, Some(u.clone()), 80, 24);
    assert!(
        small.contains("1/2 RUNNING · 1 FAILED") && small.contains("0/1 RUNNING · 1 PAUSED"),
        "{small}"
    );
    insta::assert_snapshot!("troubled_selected_80x24", small);
    insta::assert_snapshot!(
        "troubled_selected_160x40",
        render(&s, ViewId::Connectors, Some(u.clone()), 160, 40)
    );
    // Sorted by name; the selection is row 2, orders-sink.
    assert_eq!(rows(&s, &u), ["audit-export", "orders-cdc", "orders-sink"]);
    // A selection past the end is clamped, not lost.
    let past = render(&s, ViewId::Connectors, Some(UiState { selected: 99, ..ui() }), 80, 24);
    assert_eq!(past, small);
}

#[test]
fn the_filter_narrows_the_table() {
    let s = troubled();
    let u = UiState { filter: "SINK".into(), ..ui() };
    let small = render(&s, ViewId::Connectors, Some(u.clone()), 80, 24);
    assert!(
        small.contains("Connectors (2/3) /SINK")
            && small.contains("orders-sink")
            && !small.contains("orders-cdc"),
        "{small}"
    );
    insta::assert_snapshot!("filtered_80x24", small);
    assert_eq!(rows(&s, &u), ["audit-export", "orders-sink"]);
    let none =
        render(&s, ViewId::Connectors, Some(UiState { filter: "zzz".into(), ..ui() }), 80, 24);
    assert!(none.contains("nothing matches the filter"), "{none}");
}

#[test]
fn detail_shows_the_failed_task_trace_and_the_masked_config() {
    let s = troubled();
    let u = UiState { detail: Some("orders-sink".into()), ..ui() };
    let small = render(&s, ViewId::Connectors, Some(u.clone()), 80, 24);
    for want in [
        "Connector orders-sink",
        "task 1",
        "FAILED",
        "task 1 trace",
        "ConnectException",
        "Caused by: java.sql.SQLException",
        "Config (masked)",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("detail_failed_80x24", small);
    let wide = render(&s, ViewId::Connectors, Some(u.clone()), 160, 40);
    for want in [
        "SQLException: connection to sink-db:5432 refused",
        "connection.password = ********",
        "topics              = dbserver1.public.orders",
    ] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
    assert!(!wide.contains("secret"), "{wide}");
    insta::assert_snapshot!("detail_failed_160x40", wide);
    assert_eq!(rows(&s, &u), ["orders-sink"], "actions in the detail apply to the connector shown");

    // Tab: the config pane takes the focus and the larger share.
    let config = render(&s, ViewId::Connectors, Some(UiState { pane: 1, ..u }), 80, 24);
    assert!(config.contains("connection.url") && config.contains("tab ⇄"), "{config}");
    insta::assert_snapshot!("detail_config_pane_80x24", config);
}

#[test]
fn detail_of_a_source_connector_while_connect_is_down() {
    let s = connect_down();
    let u = UiState { detail: Some("orders-cdc".into()), ..ui() };
    let small = render(&s, ViewId::Connectors, Some(u), 80, 24);
    assert!(
        small.contains("stale 1m15s")
            && small.contains("Connect down 45s")
            && small.contains("(no config)"),
        "{small}"
    );
    insta::assert_snapshot!("detail_connect_down_80x24", small);
    let gone = render(
        &s,
        ViewId::Connectors,
        Some(UiState { detail: Some("nope".into()), ..ui() }),
        80,
        24,
    );
    assert!(gone.contains("not in the last snapshot"), "{gone}");
}

/// The row at `selected` (clamped) is drawn reversed, the others are not.
#[test]
fn the_selected_row_is_highlighted_and_clamped() {
    use cdc_console::ui::draw;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Modifier;
    let s = troubled();
    let reversed_rows = |selected: usize| {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let (theme, keymap) = (Theme::default(), Keymap::default());
        let ui = UiState { selected, ..ui() };
        term.draw(|f| {
            draw(
                f,
                &View {
                    store: &s,
                    theme: &theme,
                    keymap: &keymap,
                    ui: &ui,
                    embedded: &Embedded::default(),
                    read_only: false,
                    now: t(75),
                },
            );
        })
        .unwrap();
        let buf = term.backend().buffer().clone();
        (0..24u16)
            .filter(|&y| buf[(2, y)].modifier.contains(Modifier::REVERSED))
            .collect::<Vec<_>>()
    };
    // y 1 is the block border, y 2 the header, y 3 the first connector.
    assert_eq!(reversed_rows(0), [3]);
    assert_eq!(reversed_rows(2), [5]);
    assert_eq!(reversed_rows(99), [5], "clamped to the last row");
}

#[test]
fn narrow_screens_keep_name_state_and_tasks() {
    let s = troubled();
    let narrow = render(&s, ViewId::Connectors, None, 50, 12);
    assert!(
        narrow.contains("orders-sink")
            && narrow.contains("1/2 RUNNING · 1 FAILED")
            && !narrow.contains("WORKER"),
        "{narrow}"
    );
    insta::assert_snapshot!("troubled_50x12", narrow);
}

//! The events view: the topic picker, the list with the selected event's column diff (changed
//! columns in the theme's warning colour), a raw record with its reason, and a key search's
//! progress line.

use std::sync::Arc;

use cdc_console::action::Keymap;
use cdc_console::config::theme::Theme;
use cdc_console::pipeline::events::decode;
use cdc_console::store::Embedded;
use cdc_console::store::snapshots::{EventsSnapshot, ScanProgress};
use cdc_console::ui::{UiState, View, ViewId, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::fixtures::*;

const TOPIC: &str = "dbserver1.public.orders";

fn change(
    p: i32,
    offset: i64,
    key: i64,
    value: &str,
) -> Arc<cdc_console::store::snapshots::ChangeEvent> {
    let key = format!(r#"{{"order_id":{key}}}"#);
    Arc::new(decode(
        p,
        offset,
        Some(1_765_030_390_234 + offset),
        Some(key.as_bytes()),
        Some(value.as_bytes()),
    ))
}

fn snapshot() -> EventsSnapshot {
    let update = r#"{"before":{"order_id":42,"status":"pending","amount":"906.62"},"after":{"order_id":42,"status":"paid","amount":"768.76"},"source":{"ts_ms":1,"lsn":492591176,"txId":143940,"schema":"public","table":"orders"},"op":"u"}"#;
    let insert = r#"{"before":null,"after":{"order_id":42,"status":"pending","amount":"906.62"},"source":{"ts_ms":1,"lsn":490785304,"txId":141949,"schema":"public","table":"orders"},"op":"c"}"#;
    let delete = r#"{"before":{"order_id":7,"status":"paid","amount":"1.00"},"after":null,"source":{"ts_ms":1,"lsn":493000000,"txId":144000,"schema":"public","table":"orders"},"op":"d"}"#;
    EventsSnapshot {
        topic: TOPIC.into(),
        key: None,
        follow: true,
        events: vec![
            change(3, 12, 42, update),
            change(0, 11, 7, "not json {"),
            change(1, 10, 7, delete),
            change(3, 9, 42, insert),
        ],
        scanned: 200,
        live: 3,
        running: true,
        ..Default::default()
    }
}

fn ui(selected: usize) -> UiState {
    UiState { view: ViewId::Events, detail: Some(TOPIC.into()), selected, ..UiState::default() }
}

fn embedded(e: EventsSnapshot) -> Embedded {
    Embedded { events: e, ..Embedded::default() }
}

#[test]
fn the_list_and_the_selected_events_column_diff() {
    let e = embedded(snapshot());
    let small = render_embedded(&healthy(), ViewId::Events, Some(ui(0)), &e, 80, 24);
    for want in
        ["following", "492591176", "143940", r#"{"order_id":42}"#, "* status", "\"paid\"", "raw"]
    {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("list_and_diff_80x24", small);
    let wide = render_embedded(&healthy(), ViewId::Events, Some(ui(0)), &e, 160, 40);
    insta::assert_snapshot!("list_and_diff_160x40", wide);
}

#[test]
fn changed_columns_are_in_the_warning_colour() {
    let e = embedded(snapshot());
    let (theme, keymap, ui) = (Theme::default(), Keymap::default(), ui(0));
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    term.draw(|f| {
        let view = View {
            store: &healthy(),
            theme: &theme,
            keymap: &keymap,
            ui: &ui,
            embedded: &e,
            read_only: false,
            now: t(75),
        };
        draw(f, &view);
    })
    .unwrap();
    let buf = term.backend().buffer();
    let line_of = |text: &str| {
        (0..buf.area.height)
            .find(|&y| {
                let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                line.contains(text)
            })
            .unwrap_or_else(|| panic!("{text} not on screen"))
    };
    let fg = |y| buf[(3, y)].fg;
    assert_eq!(fg(line_of("* status")), theme.warn.0, "a changed column");
    assert_eq!(fg(line_of("* amount")), theme.warn.0, "a changed column");
    assert_ne!(fg(line_of("  order_id")), theme.warn.0, "an unchanged column");
}

#[test]
fn a_raw_record_shows_its_reason_and_a_delete_its_removed_columns() {
    let e = embedded(snapshot());
    let raw = render_embedded(&healthy(), ViewId::Events, Some(ui(1)), &e, 80, 24);
    assert!(raw.contains("not a change event: not JSON"), "{raw}");
    assert!(raw.contains("not json {"), "{raw}");
    insta::assert_snapshot!("raw_80x24", raw);
    let delete = render_embedded(&healthy(), ViewId::Events, Some(ui(2)), &e, 80, 24);
    assert!(delete.contains("- status"), "{delete}");
}

#[test]
fn a_key_search_shows_its_progress() {
    let mut s = snapshot();
    s.key = Some(r#"{"order_id":42}"#.into());
    s.follow = false;
    s.events.clear();
    s.scan = Some(ScanProgress {
        topic: TOPIC.into(),
        partitions: vec![(3, 367_356, 367_356), (0, 120_000, 360_000), (1, 0, 358_000)],
        matched: 3,
        done: false,
    });
    let small = render_embedded(&healthy(), ViewId::Events, Some(ui(0)), &embedded(s), 80, 24);
    assert!(small.contains("scanning 487356/1085356 records (44%) · 3 matched"), "{small}");
    insta::assert_snapshot!("scanning_80x24", small);
}

#[test]
fn without_a_topic_the_view_picks_one() {
    let ui = UiState { view: ViewId::Events, ..UiState::default() };
    let small = render_embedded(&healthy(), ViewId::Events, Some(ui), &Embedded::default(), 80, 24);
    assert!(small.contains("pick a topic"), "{small}");
    assert!(small.contains(TOPIC), "{small}");
    insta::assert_snapshot!("picker_80x24", small);
}

//! Contexts on screen: the header naming the context in use with the read-only badge (a context
//! marked `read_only`), the `:ctx` picker, and the confirmation a switch asks for while an
//! embedded stage runs (Cancel focused, a Switch button).

use cdc_console::action::Keymap;
use cdc_console::config::theme::Theme;
use cdc_console::store::{Embedded, Store};
use cdc_console::ui::{
    Choice, Confirm, ConfirmFocus, Confirmed, Mode, Picker, UiState, View, ViewId, draw,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::fixtures::*;

/// One frame in context `prod`, read-only or not, at `w`x`h`.
fn in_prod(store: &Store, mode: Mode, read_only: bool, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let ui = UiState {
        view: ViewId::Overview,
        context: Some("prod".into()),
        mode,
        ..UiState::default()
    };
    term.draw(|f| {
        let embedded = Embedded::default();
        let view = View {
            store,
            theme: &theme,
            keymap: &keymap,
            ui: &ui,
            embedded: &embedded,
            read_only,
            now: t(75),
        };
        draw(f, &view);
    })
    .unwrap();
    term.backend().to_string()
}

fn header(frame: &str) -> &str {
    frame.lines().next().unwrap_or_default()
}

#[test]
fn the_header_names_the_context_and_its_read_only_mark() {
    let s = healthy_full();
    let wide = in_prod(&s, Mode::Normal, true, 160, 40);
    assert!(
        header(&wide).contains(" cdc-console ctx:prod [read-only] overview connectors"),
        "{wide}"
    );
    insta::assert_snapshot!("header_prod_read_only_160x40", wide);
    let small = in_prod(&s, Mode::Normal, true, 80, 24);
    assert!(header(&small).contains(" cdc-console ctx:prod [read-only] overview"), "{small}");
    assert!(!header(&small).contains("connectors"), "only the current view when narrow: {small}");
    insta::assert_snapshot!("header_prod_read_only_80x24", small);
    let writable = in_prod(&s, Mode::Normal, false, 160, 40);
    assert!(header(&writable).contains(" cdc-console ctx:prod overview"), "{writable}");
    // A file without contexts shows none: the header is as it always was.
    let plain = render(&s, ViewId::Overview, None, 160, 40);
    assert!(header(&plain).starts_with("\" cdc-console overview"), "{plain}");
}

#[test]
fn the_picker_lists_the_contexts_with_the_current_marked_and_one_highlighted() {
    let choice = |name: &str, read_only, current, brokers: &str| Choice {
        name: name.into(),
        read_only,
        current,
        brokers: brokers.into(),
        error: None,
    };
    let mut broken = choice("qa", false, false, "");
    broken.error = Some("cdc.toml:30:1: key `contexts.qa.sink.password_env`: unset".into());
    let picker = Picker {
        choices: vec![
            choice("dev", false, false, "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"),
            choice("prod", true, true, "b-1.prod.kafka:9096,b-2.prod.kafka:9096"),
            broken,
            choice("staging", false, false, "kafka.staging:9092"),
        ],
        selected: 3,
    };
    let frame = in_prod(&healthy_full(), Mode::Contexts(picker), true, 80, 24);
    for want in [
        "contexts · enter switches · esc closes",
        "  dev               127.0.0.1:9092,127.0.0.1:9093",
        "* prod    read-only b-1.prod.kafka:9096",
        "  qa                ✗ cdc.toml:30:1: key `contexts.qa",
        "  staging           kafka.staging:9092",
    ] {
        assert!(frame.contains(want), "{want} missing:\n{frame}");
    }
    insta::assert_snapshot!("picker_80x24", frame);
}

#[test]
fn a_switch_while_stages_run_asks_with_cancel_focused() {
    let confirm = Confirm {
        title: "switch to dev: stops the replicator".into(),
        expect: "dev".into(),
        typed: "de".into(),
        focus: ConfirmFocus::Cancel,
        then: Confirmed::SwitchContext,
    };
    let frame = in_prod(&healthy_full(), Mode::Confirm(confirm), false, 80, 24);
    for want in
        ["switch to dev: stops the replicator", "Type dev to confirm.", " Cancel ", " Switch "]
    {
        assert!(frame.contains(want), "{want} missing:\n{frame}");
    }
    insta::assert_snapshot!("switch_confirm_80x24", frame);
}

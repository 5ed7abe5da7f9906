//! The offsets pane's key paths: `o` reads, `O` judges a typed LSN before anything is asked,
//! Cancel has the focus, a confirmed set runs the guided change; read-only refuses.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::spawn::Done;
use super::tests::{app, key};
use super::*;
use crate::collectors::connect::lsn_check::{self, Level, Settings, SlotReading, SlotState};
use crate::collectors::connect::offsets::debezium_body;
use crate::collectors::connect::{OffsetChange, OffsetsReport, Target};
use crate::pipeline::diff::inflight::Lsn;
use crate::ui::{ConfirmFocus, Confirmed};

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn target() -> Target {
    let source = SlotReading {
        current_wal_lsn: Some("0/5000".into()),
        slot: Some(SlotState {
            database: Some("source".into()),
            active: false,
            restart_lsn: Some("0/1000".into()),
            confirmed_flush_lsn: Some("0/2000".into()),
            wal_status: Some("reserved".into()),
        }),
    };
    let settings = Settings::default();
    let check =
        lsn_check::check("cdc_console".into(), Lsn::parse("0/2000"), source.clone(), &settings);
    let report = OffsetsReport {
        connector: "orders-cdc".into(),
        state: "RUNNING".into(),
        class: crate::collectors::connect::DEBEZIUM_POSTGRES.into(),
        offsets: Vec::new(),
        lsn_check: Some(check),
        no_check: None,
    };
    Target { report, server: Some("dbserver1".into()), source: Some(source), settings }
}

fn typed(a: &mut App, s: &str) {
    for c in s.chars() {
        a.on_key(&key(c));
    }
}

fn opened(read_only: bool) -> App {
    let mut a = app(read_only);
    a.ui.view = ViewId::Connectors;
    let cmds = a.on_key(&key('o'));
    assert_eq!(cmds, [Command::Offsets { cluster: 0, name: "orders-cdc".into() }]);
    assert_eq!(a.ui.detail.as_deref(), Some("orders-cdc"));
    assert!(a.embedded.offsets.loading);
    a.on_done(Done::Offsets("orders-cdc".into(), Box::new(Ok(target()))));
    assert!(a.embedded.offsets.target.is_some() && !a.embedded.offsets.loading);
    a
}

#[test]
fn a_typed_lsn_is_judged_and_one_that_loses_changes_is_refused() {
    let mut a = opened(false);
    a.on_key(&key('O'));
    assert_eq!(a.ui.mode, Mode::Lsn(String::new()));
    typed(&mut a, "0/9000");
    a.on_key(&code(KeyCode::Enter));
    assert_eq!(a.ui.mode, Mode::Normal, "refused, not asked");
    assert_eq!(a.embedded.offsets.proposed.as_ref().map(|c| c.level), Some(Level::Error));
    assert!(a.ui.feedback.as_ref().unwrap().text.contains("would be lost"));

    a.on_key(&key('O'));
    typed(&mut a, "nonsense");
    a.on_key(&code(KeyCode::Enter));
    assert_eq!(a.ui.mode, Mode::Lsn("nonsense".into()), "a bad LSN keeps the prompt");
    assert!(a.ui.feedback.as_ref().unwrap().text.contains("is not an LSN"));
}

#[test]
fn a_set_asks_with_cancel_focused_then_runs_the_guided_change() {
    let mut a = opened(false);
    a.on_key(&key('O'));
    typed(&mut a, "0/3000");
    a.on_key(&code(KeyCode::Enter));
    let Mode::Confirm(c) = &a.ui.mode else { panic!("{:?}", a.ui.mode) };
    assert_eq!((c.focus, &c.then), (ConfirmFocus::Cancel, &Confirmed::SetOffsets("0/3000".into())));
    assert_eq!(a.embedded.offsets.proposed.as_ref().map(|c| c.level), Some(Level::Ok));
    assert!(a.on_key(&code(KeyCode::Enter)).is_empty(), "Enter on Cancel cancels");

    a.on_key(&key('O'));
    typed(&mut a, "0/3000");
    a.on_key(&code(KeyCode::Enter));
    typed(&mut a, "orders-cdc");
    a.on_key(&code(KeyCode::Tab));
    let cmds = a.on_key(&code(KeyCode::Enter));
    let change = OffsetChange::Alter(debezium_body("dbserver1", Lsn(0x3000)));
    assert_eq!(cmds, [Command::ChangeOffsets { cluster: 0, name: "orders-cdc".into(), change }]);
    assert!(a.embedded.offsets.changing);
    a.on_key(&key('O'));
    assert_eq!(a.ui.mode, Mode::Normal, "one change at a time");

    let step = |s: &str| crate::collectors::connect::Step {
        step: s.into(),
        ok: true,
        detail: "202 Accepted".into(),
    };
    a.on_done(Done::OffsetsStep(step("stop")));
    assert!(a.ui.feedback.as_ref().unwrap().text.starts_with("✓ stop"));
    let ended = a.on_done(Done::OffsetsChanged("orders-cdc".into(), Ok(()), 0));
    assert_eq!(ended, reports::Ended::OffsetsChanged(0, "orders-cdc".into()));
    assert!(!a.embedded.offsets.changing && a.embedded.offsets.steps.len() == 1);

    a.on_key(&code(KeyCode::Esc));
    assert_eq!(
        (a.embedded.offsets.open.as_deref(), a.ui.detail.as_deref()),
        (None, Some("orders-cdc"))
    );
}

#[test]
fn reset_asks_first_and_read_only_refuses_set_and_reset() {
    let mut a = opened(false);
    a.on_key(&KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL));
    let Mode::Confirm(c) = &a.ui.mode else { panic!("{:?}", a.ui.mode) };
    assert_eq!((c.focus, &c.then), (ConfirmFocus::Cancel, &Confirmed::ResetOffsets));

    let mut ro = opened(true);
    for k in [key('O'), KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)] {
        assert!(ro.on_key(&k).is_empty());
        assert_eq!(ro.ui.mode, Mode::Normal);
        assert!(ro.ui.feedback.as_ref().unwrap().text.contains("read-only"));
    }
}

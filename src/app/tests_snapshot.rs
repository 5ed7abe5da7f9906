//! The incremental-snapshot keys of the connectors view: each asks first (the name typed,
//! Cancel focused) and then sends its signal; read-only refuses them before asking.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{app, key};
use super::*;
use crate::ui::{ConfirmFocus, Confirmed};

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

#[test]
fn snapshot_keys_ask_with_cancel_focused_then_signal_the_connector() {
    for (k, signal) in [
        ('i', Action::SnapshotTables),
        ('X', Action::StopSnapshot),
        ('z', Action::PauseSnapshot),
        ('Z', Action::ResumeSnapshot),
    ] {
        let mut a = app(false);
        a.ui.view = ViewId::Connectors;
        a.ui.detail = Some("orders-cdc".into());
        assert!(a.on_key(&key(k)).is_empty(), "{k} asks first");
        let Mode::Confirm(c) = &a.ui.mode else { panic!("{k}: {:?}", a.ui.mode) };
        assert_eq!((c.focus, &c.then), (ConfirmFocus::Cancel, &Confirmed::Snapshot(signal)));
        for ch in "orders-cdc".chars() {
            a.on_key(&key(ch));
        }
        // Enter on Cancel sends nothing; on Send, the signal.
        assert!(a.on_key(&code(KeyCode::Enter)).is_empty());
        assert_eq!(a.ui.mode, Mode::Normal);
        a.on_key(&key(k));
        for ch in "orders-cdc".chars() {
            a.on_key(&key(ch));
        }
        a.on_key(&code(KeyCode::Tab));
        let cmds = a.on_key(&code(KeyCode::Enter));
        assert_eq!(
            cmds,
            [Command::Snapshot { cluster: 0, connector: "orders-cdc".into(), signal }]
        );
    }
}

#[test]
fn read_only_refuses_snapshot_signals_before_asking() {
    let mut a = app(true);
    a.ui.view = ViewId::Connectors;
    a.ui.detail = Some("orders-cdc".into());
    for k in ['i', 'X', 'z', 'Z'] {
        assert!(a.on_key(&key(k)).is_empty());
        assert_eq!(a.ui.mode, Mode::Normal);
        assert!(a.ui.feedback.clone().is_some_and(|f| f.text.contains("read-only")), "{k}");
    }
}

//! The `:alerts` view's keys: open it, move, open an alert's detail, come back to it, filter by
//! state; the selection stays on an alert when an evaluation reorders the list.

use std::time::SystemTime;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{app, key};
use super::*;
use crate::alerts::{Alert, AlertState, AlertsSnapshot, Severity};
use crate::store::StateFilter;

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn typed(a: &mut App, s: &str) {
    for c in s.chars() {
        a.on_key(&key(c));
    }
}

fn alert(group: &str, state: AlertState) -> Alert {
    Alert {
        rule: "group_lag".into(),
        severity: Severity::Warning,
        state,
        labels: [("group".to_string(), group.to_string())].into(),
        value: "42s".into(),
        summary: format!("{group} lags"),
        active_since: SystemTime::UNIX_EPOCH,
        fired_at: None,
        resolved_at: None,
    }
}

fn with_alerts() -> App {
    let mut a = app(false);
    a.store.alerts = AlertsSnapshot {
        alerts: vec![
            alert("a", AlertState::Firing),
            alert("b", AlertState::Firing),
            alert("c", AlertState::Pending),
            alert("d", AlertState::Resolved),
        ],
        errors: vec![],
    };
    a
}

#[test]
fn alerts_opens_moves_opens_a_detail_and_esc_comes_back_to_it() {
    let mut a = with_alerts();
    typed(&mut a, ":alerts");
    assert!(a.on_key(&code(KeyCode::Enter)).is_empty());
    assert_eq!((a.ui.view, a.ui.detail.as_deref()), (ViewId::Alerts, None));
    typed(&mut a, "jj");
    assert_eq!(a.ui.selected, 2);
    typed(&mut a, "k");
    assert_eq!(a.ui.selected, 1);
    let b = alert("b", AlertState::Firing).fingerprint();
    assert!(a.on_key(&code(KeyCode::Enter)).is_empty());
    assert_eq!(a.ui.detail.as_deref(), Some(b.as_str()));
    a.on_key(&code(KeyCode::Esc));
    assert_eq!((a.ui.view, a.ui.detail.as_deref()), (ViewId::Alerts, None));
    assert_eq!((a.ui.selected, a.ui.selected_row.as_deref()), (1, Some(b.as_str())));
    a.on_key(&code(KeyCode::Esc));
    assert_eq!(a.ui.view, ViewId::Overview, "Esc again leaves the view");
}

#[test]
fn f_steps_through_the_states_and_the_selection_follows_its_alert() {
    let mut a = with_alerts();
    typed(&mut a, ":alerts");
    a.on_key(&code(KeyCode::Enter));
    typed(&mut a, "j");
    // The next evaluation lists a new firing alert first: the selection stays on `b`.
    let mut alerts = a.store.alerts.clone();
    alerts.alerts.insert(0, alert("z", AlertState::Firing));
    a.store.alerts = alerts;
    a.follow_selection();
    assert_eq!(a.ui.selected, 2);
    let shown: Vec<StateFilter> = (0..4)
        .map(|_| {
            a.on_key(&key('f'));
            a.ui.alerts_shown
        })
        .collect();
    assert_eq!(
        shown,
        [StateFilter::Firing, StateFilter::Pending, StateFilter::Resolved, StateFilter::All]
    );
    a.on_key(&key('f'));
    assert_eq!((a.ui.selected, a.current_rows().len()), (0, 3), "three firing, from the top");
    typed(&mut a, "jjjj");
    assert_eq!(a.ui.selected, 2, "the selection stops at the last row listed");
}

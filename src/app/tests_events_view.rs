//! The `:events` view's keys: open a topic, follow, search a key, leave.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{app, key};
use super::*;

fn enter() -> KeyEvent {
    KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
}

fn typed(a: &mut App, s: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in s.chars() {
        out.extend(a.on_key(&key(c)));
    }
    out
}

fn ask(topic: &str, key: Option<&str>, follow: bool) -> Command {
    Command::EventsOpen(EventsAsk { topic: topic.into(), key: key.map(Into::into), follow })
}

#[test]
fn events_topic_opens_follow_toggles_and_a_key_is_searched() {
    let mut a = app(false);
    typed(&mut a, ":events t1");
    assert_eq!(a.on_key(&enter()), [ask("t1", None, false)]);
    assert_eq!((a.ui.view, a.ui.detail.as_deref()), (ViewId::Events, Some("t1")));
    assert_eq!(a.on_key(&key('f')), [ask("t1", None, true)]);
    assert!(a.embedded.events.follow);
    typed(&mut a, "s");
    assert_eq!(a.ui.mode, Mode::KeySearch(String::new()));
    typed(&mut a, "{id:1}");
    assert!(a.on_key(&enter()).is_empty(), "not JSON: asked again");
    assert!(matches!(a.ui.mode, Mode::KeySearch(_)));
    assert!(a.ui.feedback.as_ref().is_some_and(|f| f.text.contains("must be JSON")));
    a.ui.mode = Mode::KeySearch(String::new());
    typed(&mut a, r#"{"id":1}"#);
    assert_eq!(a.on_key(&enter()), [ask("t1", Some(r#"{"id":1}"#), true)]);
    assert_eq!(a.embedded.events.key.as_deref(), Some(r#"{"id":1}"#));
}

#[test]
fn the_picker_opens_the_selected_topic() {
    let mut a = app(false);
    typed(&mut a, ":events");
    assert!(a.on_key(&enter()).is_empty());
    assert_eq!((a.ui.view, a.ui.detail.as_deref()), (ViewId::Events, None));
    assert!(a.on_key(&enter()).is_empty(), "no topics known yet: nothing to open");
    assert!(a.on_key(&key('f')).is_empty(), "no topic: nothing to follow");
}

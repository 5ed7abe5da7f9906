//! The loop's side without a terminal or a backend: what the terminal's input becomes, what
//! `Tasks` makes of each event (and whether the screen is drawn again), and the tasks' progress
//! on the app.

use ratatui::crossterm::event::{
    Event as Input, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};
use std::time::SystemTime;

use tokio::sync::watch;

use super::event::{Event, Flow};
use super::spawn::Done;
use super::tasks::Tasks;
use super::tests::{app, key};
use crate::collectors::connect::{ConnectSnapshot, Connector};
use crate::collectors::{Update, UpdateKind};
use crate::config::Config;
use crate::pipeline::generator::Report;
use crate::ui::{FeedbackState, Mode, ViewId};

fn mouse(kind: MouseEventKind) -> Event {
    Event::Mouse(MouseEvent { kind, column: 10, row: 10, modifiers: KeyModifiers::NONE })
}

#[test]
fn the_terminal_becomes_events_and_only_presses_are_keys() {
    assert!(matches!(Event::from_terminal(Some(Ok(Input::Key(key('q'))))), Event::Key(_)));
    let mut release = key('q');
    release.kind = KeyEventKind::Release;
    assert!(matches!(Event::from_terminal(Some(Ok(Input::Key(release)))), Event::Ignored));
    assert!(matches!(Event::from_terminal(Some(Ok(Input::Resize(80, 24)))), Event::Resize));
    assert!(matches!(Event::from_terminal(Some(Ok(Input::FocusGained))), Event::Ignored));
    let broken = std::io::Error::other("tty gone");
    assert!(matches!(Event::from_terminal(Some(Err(broken))), Event::InputFailed(_)));
    assert!(matches!(Event::from_terminal(None), Event::Quit));
}

#[tokio::test]
async fn each_event_says_whether_to_redraw_wait_or_stop() {
    let mut tasks = Tasks::idle(Config::default(), None);
    let mut a = app(false);
    for (event, flow) in [
        (Event::Tick, Flow::Redraw),
        (Event::Resize, Flow::Redraw),
        (Event::Ignored, Flow::Wait),
        (Event::Quit, Flow::Quit),
    ] {
        assert_eq!(tasks.handle(&mut a, event).unwrap(), flow);
    }
    let broken = Event::InputFailed(std::io::Error::other("tty gone"));
    assert!(tasks.handle(&mut a, broken).is_err());

    // A key goes through the app; the running flags follow the (absent) handles.
    a.embedded.generator.running = true;
    assert_eq!(tasks.handle(&mut a, Event::Key(key(':'))).unwrap(), Flow::Redraw);
    assert_eq!((&a.ui.mode, a.embedded.generator.running), (&Mode::Command(String::new()), false));

    // The wheel moves the selection; a click does nothing.
    a.ui = Default::default();
    a.ui.view = ViewId::Connectors;
    assert_eq!(tasks.handle(&mut a, mouse(MouseEventKind::ScrollDown)).unwrap(), Flow::Redraw);
    assert_eq!(a.ui.selected, 1);
    let click = mouse(MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left));
    assert_eq!(tasks.handle(&mut a, click).unwrap(), Flow::Wait);

    // A task's end is shown.
    a.embedded.diff.running = true;
    let diff = Event::Done(Done::Diff(Ok((Vec::new(), Vec::new()))));
    assert_eq!(tasks.handle(&mut a, diff).unwrap(), Flow::Redraw);
    assert!(!a.embedded.diff.running);
}

#[tokio::test]
async fn a_reading_that_changes_the_store_feeds_the_metrics_and_redraws() {
    let (tx, rx) = watch::channel(String::new());
    let mut tasks = Tasks::idle(Config::default(), Some(tx));
    let mut a = app(false);
    let snap = ConnectSnapshot {
        connectors: vec![Connector { name: "third".into(), ..Connector::default() }],
        ..ConnectSnapshot::default()
    };
    let reading = Update { at: SystemTime::now(), kind: UpdateKind::Connect(0, Ok(snap)) };
    assert_eq!(tasks.handle(&mut a, Event::Update(reading)).unwrap(), Flow::Redraw);
    assert!(rx.borrow().contains("cdc_"), "metrics: {:?}", rx.borrow());
}

#[test]
fn generator_progress_carries_its_retry_state_until_the_next_attempt_reports() {
    let mut a = app(false);
    let retrying = crate::pipeline::retry::Retrying {
        attempt: 2,
        reason: "source: connection refused".into(),
        next_attempt_at_ms: 2_000,
        since_ms: 1_000,
    };
    a.on_generator_progress(Report { retrying: Some(retrying.clone()), ..Report::default() });
    assert_eq!(a.embedded.generator.retrying, Some(retrying));
    a.on_generator_progress(Report { changes: 5, ..Report::default() });
    assert_eq!(a.embedded.generator.retrying, None);
}

#[test]
fn generator_progress_shows_its_counts_and_says_running_once_it_wrote() {
    let mut a = app(false);
    a.embedded.generator.error = Some("earlier failure".into());
    a.feedback(FeedbackState::Pending, "starting the generator");
    a.on_generator_progress(Report { inserts: 3, achieved_rate: 2.5, ..Report::default() });
    let g = &a.embedded.generator;
    assert!(g.running && g.error.is_none() && (g.inserts, g.achieved_rate) == (3, 2.5));
    assert_eq!(a.ui.feedback.as_ref().map(|f| f.state), Some(FeedbackState::Pending));
    a.on_generator_progress(Report { changes: 1, ..Report::default() });
    assert_eq!(
        a.ui.feedback.as_ref().map(|f| (f.state, f.text.as_str())),
        Some((FeedbackState::Done, "generator running"))
    );
}

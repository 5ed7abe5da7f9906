//! The Flink jobs' keys in the processor view: each asks first with Cancel focused and the
//! job's name to type, then becomes the command; a restart of a running job and any of them in
//! read-only mode are refused without asking.

use std::time::SystemTime;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{app, key};
use super::*;
use crate::collectors::Update;
use crate::collectors::UpdateKind;
use crate::collectors::flink::{FlinkPoll, FlinkSnapshot};
use crate::flink::rest::{JobSummary, JobWatch};
use crate::ui::{ConfirmFocus, Confirmed};

fn with_flink_jobs(read_only: bool) -> App {
    let mut a = app(read_only);
    let job = |id: &str, name: &str, state: &str| JobWatch {
        summary: JobSummary {
            id: id.into(),
            name: name.into(),
            state: state.into(),
            ..JobSummary::default()
        },
        console_job: Some(name.into()),
        ..JobWatch::default()
    };
    let snap = FlinkSnapshot {
        jobs: vec![job("aaaa", "orders_by_status", "RUNNING"), job("bbbb", "hopping", "FINISHED")],
        ..FlinkSnapshot::default()
    };
    let poll = FlinkPoll { result: Ok(snap), refused: false };
    a.store.apply(Update { at: SystemTime::now(), kind: UpdateKind::Flink(poll) });
    a.go_to(ViewId::Processor);
    a
}

fn enter() -> KeyEvent {
    KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
}

#[test]
fn stopping_a_flink_job_asks_with_cancel_focused_then_sends_it() {
    let mut a = with_flink_jobs(false);
    a.on_key(&key('S'));
    let Mode::Confirm(c) = &a.ui.mode else { panic!("{:?}", a.ui.mode) };
    assert_eq!((c.focus, c.expect.as_str()), (ConfirmFocus::Cancel, "orders_by_status"));
    assert_eq!(c.then, Confirmed::Flink(Action::FlinkStop, "aaaa".into()));
    assert!(a.on_key(&enter()).is_empty(), "Enter on Cancel cancels");
    assert_eq!(a.ui.mode, Mode::Normal);

    a.on_key(&key('C'));
    for ch in "orders_by_status".chars() {
        a.on_key(&key(ch));
    }
    a.on_key(&KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    let commands = a.on_key(&enter());
    assert!(
        matches!(&commands[..], [Command::Flink { action: Action::FlinkCancel, id, job }]
            if id == "aaaa" && job == "orders_by_status"),
        "{commands:?}"
    );
}

#[test]
fn restart_needs_a_stopped_job_and_read_only_refuses_all() {
    let mut a = with_flink_jobs(false);
    a.on_key(&key('L'));
    assert_eq!(a.ui.mode, Mode::Normal, "the selected job runs: refused");
    assert!(a.ui.feedback.as_ref().is_some_and(|f| f.text.contains("stop it first")));
    a.on_key(&key('j'));
    a.on_key(&key('L'));
    let Mode::Confirm(c) = &a.ui.mode else { panic!("{:?}", a.ui.mode) };
    assert_eq!(c.then, Confirmed::Flink(Action::FlinkRestart, "bbbb".into()));

    let mut ro = with_flink_jobs(true);
    for k in ['C', 'S', 'L'] {
        ro.on_key(&key(k));
        assert_eq!(ro.ui.mode, Mode::Normal);
        let f = ro.ui.feedback.clone().unwrap();
        assert!(f.text.contains("read-only"), "{}", f.text);
    }
}

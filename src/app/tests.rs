//! Every key path, without a terminal or a backend.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::collectors::connect::{ConnectSnapshot, Connector, RestartScope};
use crate::collectors::{Update, UpdateKind};
use crate::ui::{ConfirmFocus, Confirmed};

pub(super) fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}
fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

pub(super) fn app(read_only: bool) -> App {
    let config = Config::default();
    let mut app = App::new(&config, Theme::default(), Keymap::default(), read_only);
    let connector = |name: &str| Connector {
        name: name.into(),
        state: "RUNNING".into(),
        ..Connector::default()
    };
    let snap = ConnectSnapshot {
        connectors: vec![connector("orders-cdc"), connector("other")],
        ..ConnectSnapshot::default()
    };
    app.store.apply(Update { at: SystemTime::now(), kind: UpdateKind::Connect(0, Ok(snap)) });
    app
}

fn type_str(app: &mut App, s: &str) {
    for c in s.chars() {
        app.on_key(&key(c));
    }
}

#[test]
fn colon_jumps_to_a_view_with_completion_and_esc_goes_back() {
    let mut a = app(false);
    a.on_key(&key(':'));
    type_str(&mut a, "conn");
    a.on_key(&code(KeyCode::Tab));
    assert_eq!(a.ui.mode, Mode::Command("connectors".into()));
    a.on_key(&code(KeyCode::Enter));
    assert_eq!((a.ui.view, &a.ui.mode), (ViewId::Connectors, &Mode::Normal));
    a.on_key(&code(KeyCode::Esc));
    assert_eq!(a.ui.view, ViewId::Overview);
}

#[test]
fn an_unknown_view_name_is_an_error_message() {
    let mut a = app(false);
    a.on_key(&key(':'));
    type_str(&mut a, "nope");
    a.on_key(&code(KeyCode::Enter));
    let f = a.ui.feedback.clone().unwrap();
    assert_eq!(f.state, FeedbackState::Error);
    assert!(f.text.contains("no view `nope`"), "{}", f.text);
}

#[test]
fn slash_filters_as_typed_and_esc_clears() {
    let mut a = app(false);
    a.on_key(&key('/'));
    type_str(&mut a, "ord");
    assert_eq!(a.ui.filter, "ord");
    a.on_key(&code(KeyCode::Enter));
    assert_eq!((a.ui.filter.as_str(), &a.ui.mode), ("ord", &Mode::Normal));
    a.on_key(&code(KeyCode::Esc));
    assert_eq!(a.ui.filter, "");
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let mut a = app(false);
    a.on_key(&key('?'));
    assert_eq!(a.ui.mode, Mode::Help);
    a.on_key(&key('x'));
    assert_eq!(a.ui.mode, Mode::Normal);
    assert!(!a.quit);
}

#[test]
fn delete_asks_for_the_name_with_cancel_focused() {
    let mut a = app(false);
    a.ui.view = ViewId::Connectors;
    a.ui.detail = Some("orders-cdc".into());
    assert!(a.on_key(&KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)).is_empty());
    let Mode::Confirm(c) = &a.ui.mode else { panic!("{:?}", a.ui.mode) };
    assert_eq!((c.focus, c.expect.as_str()), (ConfirmFocus::Cancel, "orders-cdc"));
    // Enter with Cancel focused cancels, whatever was typed.
    type_str(&mut a, "orders-cdc");
    assert!(a.on_key(&code(KeyCode::Enter)).is_empty());
    assert_eq!(a.ui.mode, Mode::Normal);
    // Confirm focused but the wrong name: nothing happens.
    a.on_key(&KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL));
    a.on_key(&code(KeyCode::Tab));
    type_str(&mut a, "orders");
    assert!(a.on_key(&code(KeyCode::Enter)).is_empty());
    type_str(&mut a, "-cdc");
    let cmds = a.on_key(&code(KeyCode::Enter));
    assert_eq!(
        cmds,
        [Command::Connect { cluster: 0, action: ConnectorAction::Delete("orders-cdc".into()) }]
    );
}

#[test]
fn restart_acts_on_the_open_connector_and_says_so() {
    let mut a = app(false);
    a.ui.view = ViewId::Connectors;
    a.ui.detail = Some("orders-cdc".into());
    let cmds = a.on_key(&key('r'));
    assert_eq!(
        cmds,
        [Command::Connect {
            cluster: 0,
            action: ConnectorAction::Restart {
                name: "orders-cdc".into(),
                scope: RestartScope::FailedOnly
            }
        }]
    );
    assert_eq!(a.ui.feedback.unwrap().state, FeedbackState::Pending);
}

#[test]
fn read_only_refuses_every_mutation() {
    let mut a = app(true);
    a.ui.view = ViewId::Connectors;
    a.ui.detail = Some("orders-cdc".into());
    for k in
        [key('r'), key('p'), key('s'), KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)]
    {
        assert!(a.on_key(&k).is_empty());
        assert_eq!(a.ui.mode, Mode::Normal);
        assert!(a.ui.feedback.clone().unwrap().text.contains("read-only"));
    }
    a.ui.view = ViewId::Generator;
    assert!(a.on_key(&key('s')).is_empty() && a.on_key(&key('+')).is_empty());
}

#[test]
fn generator_keys_start_and_steer_it() {
    let mut a = app(false);
    a.ui.view = ViewId::Generator;
    assert_eq!(a.on_key(&key('s')), [Command::GeneratorStart]);
    a.embedded.generator.running = true;
    assert_eq!(a.on_key(&key('+')), [Command::GeneratorRate(200)]);
    assert_eq!(a.on_key(&key('-')), [Command::GeneratorRate(100)]);
    assert_eq!(a.on_key(&key('s')), [Command::GeneratorStop]);
}

#[test]
fn rates_step_on_a_1_2_5_scale() {
    assert_eq!(
        (step_rate(100, true), step_rate(200, true), step_rate(500, true)),
        (200, 500, 1000)
    );
    assert_eq!((step_rate(100, false), step_rate(1, false), step_rate(150, false)), (50, 1, 100));
}

#[test]
fn replication_keys_start_the_replicator_and_run_one_diff_at_a_time() {
    let mut a = app(false);
    a.ui.view = ViewId::Replication;
    assert_eq!(a.on_key(&key('s')), [Command::ReplicatorStart]);
    a.embedded.replicator.running = true;
    assert_eq!(a.on_key(&key('s')), [Command::ReplicatorStop]);
    assert_eq!(a.on_key(&key('d')), [Command::RunDiff]);
    a.embedded.diff.running = true;
    assert!(a.on_key(&key('d')).is_empty(), "a second diff while one runs");
    assert!(a.ui.feedback.clone().unwrap().text.contains("already running"));

    // Read-only: the replicator writes into the sink, a diff only reads.
    let mut a = app(true);
    a.ui.view = ViewId::Replication;
    assert!(a.on_key(&key('s')).is_empty());
    assert_eq!(a.on_key(&key('d')), [Command::RunDiff]);
}

#[test]
fn processor_keys_run_pause_and_reset_only_after_confirmation() {
    let mut a = app(false);
    a.ui.view = ViewId::Processor;
    assert!(a.on_key(&key('p')).is_empty(), "nothing to pause while stopped");
    assert_eq!(a.on_key(&key('s')), [Command::ProcessorStart]);
    a.embedded.processor.running = true;
    assert_eq!(a.on_key(&key('p')), [Command::ProcessorPause(true)]);
    a.embedded.processor.paused = true;
    assert_eq!(a.on_key(&key('p')), [Command::ProcessorPause(false)]);
    assert!(a.on_key(&key('R')).is_empty() && a.ui.mode == Mode::Normal, "no reset while running");
    assert_eq!(a.on_key(&key('s')), [Command::ProcessorStop]);
    a.embedded.processor.running = false;

    // Reset asks first, with Cancel focused: Enter cancels; typing the job's name and
    // moving to Confirm resets.
    assert!(a.on_key(&key('R')).is_empty());
    assert!(
        matches!(&a.ui.mode, Mode::Confirm(c) if c.focus == ConfirmFocus::Cancel && c.then == Confirmed::ResetJob)
    );
    assert!(a.on_key(&code(KeyCode::Enter)).is_empty());
    assert_eq!(a.ui.mode, Mode::Normal);
    a.on_key(&key('R'));
    type_str(&mut a, "orders_by_status");
    a.on_key(&code(KeyCode::Tab));
    assert_eq!(a.on_key(&code(KeyCode::Enter)), [Command::ProcessorReset]);

    let mut a = app(true);
    a.ui.view = ViewId::Processor;
    assert!(a.on_key(&key('s')).is_empty() && a.on_key(&key('R')).is_empty(), "read-only");
}

#[test]
fn ended_tasks_show_their_outcome_and_release_their_handle() {
    use super::reports::Ended;
    use super::spawn::Done;
    let mut app = app(false);
    assert_eq!(
        app.on_done(Done::Action("pause orders-cdc".into(), Ok("paused".into()), 0)),
        Ended::Action(0)
    );
    assert_eq!(
        app.ui.feedback.as_ref().map(|f| (f.state, f.text.as_str())),
        Some((FeedbackState::Done, "pause orders-cdc: paused"))
    );

    app.embedded.replicator.running = true;
    assert_eq!(
        app.on_done(Done::Replicator(Err("sink: connection refused".into()))),
        Ended::Replicator
    );
    assert!(!app.embedded.replicator.running);
    assert_eq!(app.embedded.replicator.error.as_deref(), Some("sink: connection refused"));
    assert_eq!(app.ui.feedback.as_ref().map(|f| f.state), Some(FeedbackState::Error));

    app.embedded.diff.running = true;
    assert_eq!(app.on_done(Done::Diff(Ok((Vec::new(), Vec::new())))), Ended::Nothing);
    assert!(!app.embedded.diff.running && app.embedded.diff.finished.is_some());
    assert_eq!(
        app.ui.feedback.as_ref().map(|f| f.text.as_str()),
        Some("diff: 0 diverged, 0 in flight, 0 tables")
    );
}

#[test]
fn the_selection_stays_on_the_rows_and_enter_drills_in() {
    let mut a = app(false);
    a.ui.view = ViewId::Connectors;
    let moves = [
        (Action::Down, 1),
        (Action::Down, 1),
        (Action::Up, 0),
        (Action::PageDown, 1),
        (Action::PageUp, 0),
        (Action::Bottom, 1),
        (Action::Top, 0),
    ];
    for (action, selected) in moves {
        assert!(a.perform(action).is_empty());
        assert_eq!(a.ui.selected, selected, "after {action:?}");
    }
    a.perform(Action::Select);
    assert!(a.ui.detail.is_some() && a.ui.back == [(ViewId::Connectors, None)]);
    a.perform(Action::Back);
    assert_eq!((a.ui.view, &a.ui.detail), (ViewId::Connectors, &None));
    a.perform(Action::NextPane);
    assert_eq!(a.ui.pane, 1);
}

#[test]
fn esc_from_a_connectors_detail_selects_it_and_a_refresh_keeps_it_selected() {
    let mut a = app(false);
    a.ui.view = ViewId::Connectors;
    a.on_key(&key('j'));
    a.on_key(&code(KeyCode::Enter));
    assert_eq!(a.ui.detail.as_deref(), Some("other"));
    a.on_key(&code(KeyCode::Esc));
    assert_eq!((a.ui.detail.as_deref(), a.ui.selected), (None, 1));
    // A refresh lists a new connector first: the selection follows "other".
    let connector = |name: &str| Connector {
        name: name.into(),
        state: "RUNNING".into(),
        ..Connector::default()
    };
    let snap = ConnectSnapshot {
        connectors: vec![connector("orders-cdc"), connector("other"), connector("audit")],
        ..ConnectSnapshot::default()
    };
    assert!(a.on_update(Update { at: SystemTime::now(), kind: UpdateKind::Connect(0, Ok(snap)) }));
    assert_eq!(a.ui.selected, 2);
    a.on_key(&KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL));
    let Mode::Confirm(c) = &a.ui.mode else { panic!("{:?}", a.ui.mode) };
    assert_eq!(c.expect, "other", "ctrl-d names the connector just looked at");
}

#[test]
fn w_on_a_differing_key_of_the_diff_asks_for_its_story_and_esc_closes_it() {
    use crate::pipeline::diff::{RowDiff, TableReport};
    let mut a = app(false);
    a.ui.view = ViewId::Replication;
    assert!(a.on_key(&key('w')).is_empty(), "no diff yet");
    assert_eq!(a.ui.feedback.as_ref().map(|f| f.state), Some(FeedbackState::Error));
    a.embedded.diff.reports = vec![TableReport {
        source_table: "public.orders".into(),
        sink_table: "cdc.orders_replica".into(),
        key_columns: vec!["order_id".into()],
        differences: vec![RowDiff::Missing { key: vec!["101".into()] }],
        in_flight: vec![RowDiff::Extra { key: vec!["90001".into()] }],
        stats: crate::pipeline::diff::Stats::default(),
    }];
    a.on_key(&key('j'));
    assert_eq!(a.ui.selected, 1, "the selection moves over the differing keys");
    let cmds = a.on_key(&key('w'));
    assert_eq!(
        cmds,
        [Command::RowStory {
            table: "public.orders".into(),
            key: r#"{"order_id":"90001"}"#.into()
        }]
    );
    assert_eq!((a.ui.mode.clone(), a.embedded.story.running), (Mode::Story(0), true));
    a.on_key(&key('j'));
    assert_eq!(a.ui.mode, Mode::Story(1), "j scrolls the story");
    a.on_key(&code(KeyCode::Esc));
    assert_eq!((a.ui.mode.clone(), a.ui.view), (Mode::Normal, ViewId::Replication));
}

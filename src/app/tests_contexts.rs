//! `:ctx` without a terminal or a backend: the picker, a direct switch, the confirmation when a
//! stage runs, and what a switch leaves of the old context (nothing) and of `--read-only` (all).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{app, key};
use super::*;
use crate::config::{Contexts, parse_contexts};
use crate::ui::{ConfirmFocus, Confirmed, FeedbackState, Mode, ViewId};

const FILE: &str = "context = \"dev\"\n[contexts.dev]\n[contexts.prod]\nread_only = true\n\
                    kafka = { brokers = \"kafka.prod:9092\" }\n";

fn contexts() -> Contexts {
    parse_contexts(FILE, std::path::Path::new("c.toml")).unwrap()
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// `app(flag)` on the two-context file, in `dev`.
fn in_dev(flag: bool) -> App {
    app(flag).with_contexts(&contexts(), "dev")
}

fn command(a: &mut App, text: &str) -> Vec<Command> {
    a.on_key(&key(':'));
    for c in text.chars() {
        a.on_key(&key(c));
    }
    a.on_key(&code(KeyCode::Enter))
}

fn feedback(a: &App) -> String {
    a.ui.feedback.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

#[test]
fn the_picker_lists_the_contexts_on_the_current_one_and_enter_switches() {
    let mut a = in_dev(false);
    assert_eq!(a.ui.context.as_deref(), Some("dev"));
    assert!(command(&mut a, "ctx").is_empty());
    let Mode::Contexts(p) = &a.ui.mode else { panic!("no picker: {:?}", a.ui.mode) };
    let names: Vec<_> =
        p.choices.iter().map(|c| (c.name.as_str(), c.current, c.read_only)).collect();
    assert_eq!(names, [("dev", true, false), ("prod", false, true)]);
    assert_eq!((p.selected, p.choices[1].brokers.as_str()), (0, "kafka.prod:9092"));
    a.on_key(&key('j'));
    assert_eq!(a.on_key(&code(KeyCode::Enter)), [Command::SwitchContext("prod".into())]);
    assert_eq!(a.ui.mode, Mode::Normal);
    // Esc closes it without switching.
    command(&mut a, "ctx");
    assert!(a.on_key(&code(KeyCode::Esc)).is_empty());
    assert_eq!(a.ui.mode, Mode::Normal);
}

#[test]
fn ctx_name_switches_directly_and_unknown_or_current_names_are_said() {
    let mut a = in_dev(false);
    assert_eq!(command(&mut a, "ctx prod"), [Command::SwitchContext("prod".into())]);
    assert!(command(&mut a, "ctx staging").is_empty());
    assert_eq!(feedback(&a), "no context `staging`: contexts: dev, prod");
    assert!(command(&mut a, "ctx dev").is_empty());
    assert_eq!(feedback(&a), "already in context dev");
    assert!(command(&mut a, "context").is_empty());
    assert!(matches!(a.ui.mode, Mode::Contexts(_)));
    a.on_key(&code(KeyCode::Esc));
    // Tab completes a context's name.
    a.on_key(&key(':'));
    for c in "ctx pr".chars() {
        a.on_key(&key(c));
    }
    a.on_key(&code(KeyCode::Tab));
    assert_eq!(a.ui.mode, Mode::Command("ctx prod".into()));
    assert_eq!(a.on_key(&code(KeyCode::Enter)), [Command::SwitchContext("prod".into())]);
}

#[test]
fn a_running_stage_makes_the_switch_ask_first_with_cancel_focused() {
    let mut a = in_dev(false);
    a.embedded.replicator.running = true;
    a.embedded.generator.running = true;
    assert!(command(&mut a, "ctx prod").is_empty());
    let Mode::Confirm(c) = a.ui.mode.clone() else { panic!("no confirmation: {:?}", a.ui.mode) };
    assert_eq!((c.focus, &c.then), (ConfirmFocus::Cancel, &Confirmed::SwitchContext));
    assert_eq!(c.title, "switch to prod: stops the generator, replicator");
    // Enter on Cancel cancels.
    assert!(a.on_key(&code(KeyCode::Enter)).is_empty());
    assert_eq!(a.ui.mode, Mode::Normal);
    // Typed name, Confirm focused: the switch (the tasks stop the stages first).
    command(&mut a, "ctx prod");
    for ch in "prod".chars() {
        a.on_key(&key(ch));
    }
    a.on_key(&code(KeyCode::Tab));
    assert_eq!(a.on_key(&code(KeyCode::Enter)), [Command::SwitchContext("prod".into())]);
}

#[test]
fn a_switch_clears_the_store_and_follows_the_new_contexts_read_only() {
    let mut a = in_dev(false);
    a.ui.view = ViewId::Connectors;
    a.ui.detail = Some("orders-cdc".into());
    assert!(a.store.connect[0].snapshot.is_some(), "dev's connectors are shown");
    let prod = contexts().get("prod").unwrap().config.clone();
    a.switched("prod", &prod);
    assert!(a.store.connect[0].snapshot.is_none(), "nothing of dev under prod");
    assert_eq!(a.store.kafka.endpoint, "kafka.prod:9092");
    assert_eq!((a.ui.view, &a.ui.detail), (ViewId::Connectors, &None));
    assert_eq!(a.ui.context.as_deref(), Some("prod"));
    assert_eq!(a.read_only, ReadOnly::Context("prod".into()));
    assert_eq!(feedback(&a), "switched to context prod (read-only)");
    assert!(a.on_key(&key('p')).is_empty(), "pause refused");
    assert_eq!(feedback(&a), "refused: context `prod` is read-only: pause");
    assert_eq!(a.ui.feedback.as_ref().map(|f| f.state), Some(FeedbackState::Error));

    // Back in dev, mutations are allowed again; --read-only stays whatever the context.
    let dev = contexts().get("dev").unwrap().config.clone();
    a.switched("dev", &dev);
    assert_eq!(a.read_only, ReadOnly::Off);
    let mut flagged = in_dev(true);
    flagged.switched("dev", &dev);
    assert_eq!(flagged.read_only, ReadOnly::Flag);
}

#[test]
fn a_file_without_contexts_shows_no_context_and_the_picker_its_one() {
    let mut a = app(false).with_contexts(&Contexts::single(Config::default()), "default");
    assert_eq!(a.ui.context, None);
    assert_eq!(a.read_only, ReadOnly::Off);
    command(&mut a, "ctx");
    let Mode::Contexts(p) = &a.ui.mode else { panic!("no picker") };
    assert_eq!(p.choices.len(), 1);
}

/// A switch while the generator runs: the generator is asked to stop, nothing moves until it
/// has ended, then the tasks run on the new context's endpoints with a store of its own.
#[tokio::test]
async fn the_tasks_stop_the_stages_first_and_switch_once_they_have_ended() {
    use tokio::sync::{oneshot, watch};

    use super::spawn::{Done, Running, Stop};
    use super::tasks::Tasks;
    use crate::pipeline::generator::Report;

    // Unreachable endpoints: the collectors started by the switch find nothing, quickly.
    let text = "context = \"dev\"\n[contexts.dev]\n[contexts.prod]\nread_only = true\n\
                kafka = { brokers = \"127.0.0.1:1\" }\n\
                connect = [{ name = \"prod\", url = \"http://127.0.0.1:1\" }]\n";
    let all = parse_contexts(text, std::path::Path::new("c.toml")).unwrap();
    let mut tasks = Tasks::idle(all.get("dev").unwrap().config.clone(), None);
    tasks.contexts = all.clone();
    let mut a = app(false).with_contexts(&all, "dev");
    let (stop_tx, mut stop_rx) = oneshot::channel();
    let (rate, _) = watch::channel(100);
    let (_, progress) = watch::channel(Report::default());
    tasks.generator = Some(Running { rate, stop: Stop::new(stop_tx), progress });

    tasks.execute(&mut a, Command::SwitchContext("prod".into()));
    assert!(stop_rx.try_recv().is_ok(), "the generator was asked to stop");
    assert_eq!(tasks.pending_switch.as_deref(), Some("prod"));
    assert_eq!(a.ui.context.as_deref(), Some("dev"), "no switch while a stage runs");
    assert!(feedback(&a).starts_with("stopping the embedded stages, then switching"));

    tasks
        .handle(&mut a, super::event::Event::Done(Done::Generator(Ok(Report::default()))))
        .unwrap();
    assert_eq!(tasks.pending_switch, None);
    assert_eq!(a.ui.context.as_deref(), Some("prod"));
    assert_eq!(tasks.config.kafka.brokers, "127.0.0.1:1");
    assert_eq!(a.store.kafka.endpoint, "127.0.0.1:1");
    assert_eq!(a.store.connect.len(), 1);
    assert_eq!(a.read_only, ReadOnly::Context("prod".into()));
    assert!(!tasks.collectors.is_empty() && tasks.latency.is_some(), "collectors restarted");
}

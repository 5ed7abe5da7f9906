//! Keys while a prompt has the focus: the `:` view prompt (Tab completes; `:ctx` goes to
//! context.rs), the `/` filter (live), and a confirmation (typed name, Cancel focused first).
//! Everything else goes through the keymap (`App::on_action`).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Command, names};
use crate::collectors::connect::ConnectorAction;
use crate::ui::{Confirm, ConfirmFocus, Confirmed, FeedbackState, Mode, ViewId};

impl App {
    pub(super) fn on_command_key(&mut self, ev: &KeyEvent, mut input: String) -> Vec<Command> {
        match ev.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                if let Some(name) = super::context::argument(&input) {
                    return self.context_command(name);
                }
                if let Some(topic) = super::events::argument(&input) {
                    return self.events_command(topic);
                }
                self.go_to_view(&input);
            }
            KeyCode::Tab => {
                if let Some(name) = self.complete_context(&input) {
                    input = format!("ctx {name}");
                } else if let Some(v) = ViewId::complete(&input) {
                    input = v.name().to_string();
                }
                self.ui.mode = Mode::Command(input);
            }
            KeyCode::Backspace => {
                input.pop();
                self.ui.mode = Mode::Command(input);
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                self.ui.mode = Mode::Command(input);
            }
            _ => self.ui.mode = Mode::Command(input),
        }
        Vec::new()
    }

    /// `:NAME` Enter: the view of that name (or the only one it begins).
    fn go_to_view(&mut self, input: &str) {
        match ViewId::complete(input) {
            Some(v) => self.go_to(v),
            None => {
                self.feedback(FeedbackState::Error, format!("no view `{input}`: try {}", names()));
            }
        }
    }

    pub(super) fn on_filter_key(&mut self, ev: &KeyEvent, mut input: String) {
        match ev.code {
            KeyCode::Esc => self.ui.filter.clear(),
            KeyCode::Enter => {}
            KeyCode::Backspace => {
                input.pop();
                self.ui.filter.clone_from(&input);
                self.ui.mode = Mode::Filter(input);
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                self.ui.filter.clone_from(&input);
                self.ui.selected = 0;
                self.ui.mode = Mode::Filter(input);
            }
            _ => self.ui.mode = Mode::Filter(input),
        }
    }

    pub(super) fn on_confirm_key(&mut self, ev: &KeyEvent, mut c: Confirm) -> Vec<Command> {
        match ev.code {
            KeyCode::Esc => self.feedback(FeedbackState::Done, format!("{}: cancelled", c.title)),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                c.focus = if c.focus == ConfirmFocus::Cancel {
                    ConfirmFocus::Confirm
                } else {
                    ConfirmFocus::Cancel
                };
                self.ui.mode = Mode::Confirm(c);
            }
            KeyCode::Enter if c.focus == ConfirmFocus::Cancel => {
                self.feedback(FeedbackState::Done, format!("{}: cancelled", c.title));
            }
            KeyCode::Enter if c.typed != c.expect => {
                self.feedback(
                    FeedbackState::Error,
                    format!("type `{}` exactly to confirm", c.expect),
                );
                self.ui.mode = Mode::Confirm(c);
            }
            KeyCode::Enter if c.then == Confirmed::SwitchContext => {
                return vec![Command::SwitchContext(c.expect)];
            }
            KeyCode::Enter if matches!(c.then, Confirmed::Snapshot(_)) => {
                let Confirmed::Snapshot(signal) = c.then else { return Vec::new() };
                let (cluster, connector) = self.locate(&c.expect);
                self.feedback(
                    FeedbackState::Pending,
                    format!("{}: {connector}", signal.describe()),
                );
                return vec![Command::Snapshot { cluster, connector, signal }];
            }
            KeyCode::Enter
                if matches!(c.then, Confirmed::SetOffsets(_) | Confirmed::ResetOffsets) =>
            {
                return self.change_offsets(&c);
            }
            KeyCode::Enter if matches!(c.then, Confirmed::Flink(..)) => {
                return self.flink_confirmed(&c);
            }
            KeyCode::Enter if c.then == Confirmed::ResetJob => {
                self.feedback(FeedbackState::Pending, format!("resetting job {}", c.expect));
                return vec![Command::ProcessorReset];
            }
            KeyCode::Enter => {
                let (cluster, name) = self.locate(&c.expect);
                self.feedback(FeedbackState::Pending, format!("delete {name}"));
                return vec![Command::Connect { cluster, action: ConnectorAction::Delete(name) }];
            }
            KeyCode::Backspace => {
                c.typed.pop();
                self.ui.mode = Mode::Confirm(c);
            }
            KeyCode::Char(ch) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                c.typed.push(ch);
                self.ui.mode = Mode::Confirm(c);
            }
            _ => self.ui.mode = Mode::Confirm(c),
        }
        Vec::new()
    }
}

//! Contexts in the TUI, as k9s has them: `:ctx` opens a picker of the config file's contexts,
//! `:ctx NAME` switches straight there. A switch while the generator, the replicator or the
//! processor runs asks first (Cancel focused, the context's name typed), because they are
//! stopped before the collectors move to the new endpoints. What a switch does to the tasks is in
//! switch.rs; here is what it does to the app: a new store, nothing of the old context kept, and
//! read-only as the new context says (or as `--read-only` said).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command};
use crate::config::{Config, Contexts, ReadOnly};
use crate::store::{Embedded, Store};
use crate::ui::{Choice, Confirm, ConfirmFocus, Confirmed, FeedbackState, Mode, Picker, UiState};

/// `ctx`, `ctx NAME` (or `context …`, `contexts`) typed at `:`: `Some("")` for the picker, or
/// the name to switch to; `None` for anything else (a view name).
pub(super) fn argument(input: &str) -> Option<&str> {
    let input = input.trim();
    ["ctx", "context", "contexts"].iter().find_map(|word| {
        let rest = input.strip_prefix(word)?;
        (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
    })
}

impl App {
    /// The config file's contexts, `current` the one in use: the header names it when the file
    /// names its contexts, and its `read_only` mark applies.
    #[must_use]
    pub fn with_contexts(mut self, contexts: &Contexts, current: &str) -> Self {
        self.contexts = contexts
            .list
            .iter()
            .map(|c| Choice {
                name: c.name.clone(),
                read_only: c.config.read_only,
                current: false,
                brokers: c.config.kafka.brokers.clone(),
                error: c.error.clone(),
            })
            .collect();
        if let Some(c) = contexts.get(current) {
            self.read_only = ReadOnly::of(self.read_only_flag, current, &c.config);
        }
        self.context = current.into();
        self.ui.context = contexts.named.then(|| current.to_string());
        self
    }

    /// `:ctx` (the picker, on the context in use) or `:ctx NAME`.
    pub(super) fn context_command(&mut self, name: &str) -> Vec<Command> {
        if !name.is_empty() {
            return self.ask_to_switch(name);
        }
        let choices: Vec<Choice> = self
            .contexts
            .iter()
            .map(|c| Choice { current: c.name == self.context, ..c.clone() })
            .collect();
        if choices.is_empty() {
            self.feedback(FeedbackState::Error, "the config file names no contexts");
            return Vec::new();
        }
        let selected = choices.iter().position(|c| c.current).unwrap_or(0);
        self.ui.mode = Mode::Contexts(Picker { choices, selected });
        Vec::new()
    }

    /// `ctx PREFIX` Tab: the one context whose name begins with PREFIX.
    pub(super) fn complete_context(&self, input: &str) -> Option<String> {
        let prefix = argument(input).filter(|p| !p.is_empty())?;
        let mut found = self.contexts.iter().filter(|c| c.name.starts_with(prefix));
        match (found.next(), found.next()) {
            (Some(c), None) => Some(c.name.clone()),
            _ => None,
        }
    }

    /// ↑/↓ (or k/j) move, Enter switches to the highlighted context, Esc closes.
    pub(super) fn on_picker_key(&mut self, ev: &KeyEvent, mut picker: Picker) -> Vec<Command> {
        let last = picker.choices.len().saturating_sub(1);
        match ev.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                let name = picker.choices.get(picker.selected).map(|c| c.name.clone());
                return name.map(|n| self.ask_to_switch(&n)).unwrap_or_default();
            }
            KeyCode::Up | KeyCode::Char('k') => {
                picker.selected = picker.selected.saturating_sub(1);
                self.ui.mode = Mode::Contexts(picker);
            }
            KeyCode::Down | KeyCode::Char('j') => {
                picker.selected = (picker.selected + 1).min(last);
                self.ui.mode = Mode::Contexts(picker);
            }
            _ => self.ui.mode = Mode::Contexts(picker),
        }
        Vec::new()
    }

    /// Switch now, or ask first when an embedded stage runs (it is stopped before the switch).
    fn ask_to_switch(&mut self, name: &str) -> Vec<Command> {
        if !self.contexts.iter().any(|c| c.name == name) {
            let known = self.contexts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>();
            let known = if known.is_empty() { "none".into() } else { known.join(", ") };
            self.feedback(FeedbackState::Error, format!("no context `{name}`: contexts: {known}"));
            return Vec::new();
        }
        if name == self.context {
            self.feedback(FeedbackState::Done, format!("already in context {name}"));
            return Vec::new();
        }
        if let Some(error) =
            self.contexts.iter().find(|c| c.name == name).and_then(|c| c.error.clone())
        {
            self.feedback(FeedbackState::Error, format!("context {name} cannot be used: {error}"));
            return Vec::new();
        }
        let e = &self.embedded;
        let running: Vec<&str> = [
            (e.generator.running, "generator"),
            (e.replicator.running, "replicator"),
            (e.processor.running, "processor"),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        if running.is_empty() {
            self.feedback(FeedbackState::Pending, format!("switching to context {name}"));
            return vec![Command::SwitchContext(name.into())];
        }
        self.ui.mode = Mode::Confirm(Confirm {
            title: format!("switch to {name}: stops the {}", running.join(", ")),
            expect: name.into(),
            typed: String::new(),
            focus: ConfirmFocus::Cancel,
            then: Confirmed::SwitchContext,
        });
        Vec::new()
    }

    /// The switch is done: the app now shows context `name` (with `config`), starting empty so
    /// nothing of the old context shows under the new name.
    pub(super) fn switched(&mut self, name: &str, config: &Config) {
        self.store = Store::new(config);
        let rate = self.embedded.generator.target_rate;
        self.embedded = Embedded::default();
        self.embedded.generator.target_rate = rate;
        self.clusters = config.connect.iter().map(|c| c.name.clone()).collect();
        self.job = config.jobs.first().map(|j| j.name.clone());
        self.read_only = ReadOnly::of(self.read_only_flag, name, config);
        self.context = name.into();
        let shown = self.ui.context.as_ref().map(|_| name.to_string());
        self.ui = UiState { view: self.ui.view, context: shown, ..UiState::default() };
        let marked = if self.read_only.is_on() { " (read-only)" } else { "" };
        self.feedback(FeedbackState::Done, format!("switched to context {name}{marked}"));
    }
}

//! The console's state and what keys do to it. `on_key` is pure: it changes the UI state and
//! returns `Command`s; `Tasks` (app/tasks.rs) carries the commands out (REST calls, the
//! generator…) and feeds results back as events. So every key path is testable without a
//! terminal or a backend.
//!
//! - `input.rs`: keys while a prompt has the focus (`:`, `/`, a confirmation);
//! - `perform.rs`: what an action does (read-only refusal, moving around the screen);
//! - `actions.rs`: the actions on the pipeline (connectors, generator, replicator, processor,
//!   diff);
//! - `reports.rs`: what the app shows of its tasks' progress and ends;
//! - `run.rs`: the terminal and the main loop; `event.rs`: what the loop waits for;
//! - `tasks.rs`: the background tasks' handles and channels; `spawn.rs`: starting each one;
//! - `context.rs`: `:ctx`, the contexts picker and what a switch does to the app; `switch.rs`:
//!   what it does to the tasks (stages stopped first, collectors restarted).

mod actions;
mod context;
mod event;
mod input;
mod perform;
mod reports;
mod run;
mod spawn;
mod switch;
mod tasks;
mod terminal;

use std::time::SystemTime;

use ratatui::crossterm::event::KeyEvent;

pub use actions::step_rate;
pub use run::{Settings, run};

use crate::action::{Action, Keymap};
use crate::collectors::connect::ConnectorAction;
use crate::config::theme::Theme;
use crate::config::{Config, DEFAULT_CONTEXT, ReadOnly};
use crate::store::{Embedded, Store};
use crate::ui::{self, Feedback, FeedbackState, Mode, UiState, ViewId};

/// Side effects a key asks for, carried out by `Tasks::execute` (app/tasks.rs).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A Connect REST action on the cluster at this index of `Config::connect`.
    Connect {
        cluster: usize,
        action: ConnectorAction,
    },
    GeneratorStart,
    GeneratorStop,
    GeneratorRate(u32),
    ReplicatorStart,
    ReplicatorStop,
    ProcessorStart,
    ProcessorStop,
    ProcessorPause(bool),
    ProcessorReset,
    RunDiff,
    Refresh,
    /// Stop the embedded stages, then run on the context of this name.
    SwitchContext(String),
}

pub struct App {
    pub store: Store,
    pub keymap: Keymap,
    pub theme: Theme,
    pub ui: UiState,
    pub embedded: Embedded,
    /// Whether, and why, mutations are refused: `--read-only`, or the context's mark.
    pub read_only: ReadOnly,
    /// `--read-only` was given: it stays whatever the context.
    read_only_flag: bool,
    /// The context in use.
    context: String,
    /// The config file's contexts, for `:ctx`.
    contexts: Vec<ui::Choice>,
    pub quit: bool,
    /// Connect cluster names, in `Config::connect` order, to resolve a selected row.
    clusters: Vec<String>,
    /// The processor job the console runs (the first configured).
    job: Option<String>,
}

impl App {
    pub fn new(config: &Config, theme: Theme, keymap: Keymap, read_only: bool) -> Self {
        Self {
            store: Store::new(config),
            keymap,
            theme,
            ui: UiState::default(),
            embedded: Embedded::default(),
            read_only: ReadOnly::of(read_only, DEFAULT_CONTEXT, config),
            read_only_flag: read_only,
            context: DEFAULT_CONTEXT.into(),
            contexts: Vec::new(),
            quit: false,
            clusters: config.connect.iter().map(|c| c.name.clone()).collect(),
            job: config.jobs.first().map(|j| j.name.clone()),
        }
    }

    pub fn view(&self, now: SystemTime) -> ui::View<'_> {
        ui::View {
            store: &self.store,
            theme: &self.theme,
            keymap: &self.keymap,
            ui: &self.ui,
            embedded: &self.embedded,
            read_only: self.read_only.is_on(),
            now,
        }
    }

    pub fn feedback(&mut self, state: FeedbackState, text: impl Into<String>) {
        let text = text.into();
        // The log keeps what the screen said, for after the console has ended.
        match state {
            FeedbackState::Error => tracing::warn!("{text}"),
            FeedbackState::Pending | FeedbackState::Done => tracing::info!("{text}"),
        }
        self.ui.feedback = Some(Feedback { text, state, at: SystemTime::now() });
    }

    /// What the key does in the current mode.
    pub fn on_key(&mut self, ev: &KeyEvent) -> Vec<Command> {
        match std::mem::replace(&mut self.ui.mode, Mode::Normal) {
            Mode::Normal => self.on_action(ev),
            Mode::Help => {
                // Any key closes help; only quit keys also act.
                if self.keymap.action(self.ui.view.scope(), ev) == Some(Action::Quit) {
                    self.quit = true;
                }
                Vec::new()
            }
            Mode::Command(input) => self.on_command_key(ev, input),
            Mode::Filter(input) => {
                self.on_filter_key(ev, input);
                Vec::new()
            }
            Mode::Confirm(c) => self.on_confirm_key(ev, c),
            Mode::Contexts(picker) => self.on_picker_key(ev, picker),
        }
    }

    fn on_action(&mut self, ev: &KeyEvent) -> Vec<Command> {
        match self.keymap.action(self.ui.view.scope(), ev) {
            Some(action) => self.perform(action),
            None => Vec::new(),
        }
    }
}

pub(crate) fn names() -> String {
    ViewId::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_contexts;
#[cfg(test)]
mod tests_events;

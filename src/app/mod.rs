//! The console's state and what keys do to it. `on_key` is pure: it changes the UI state and
//! returns `Command`s; `Tasks` (app/tasks.rs) carries the commands out (REST calls, the
//! generator…) and feeds results back as events. So every key path is testable without a
//! terminal or a backend.
//!
//! - `input.rs`: keys while a prompt has the focus (`:`, `/`, a confirmation);
//! - `perform.rs`: what an action does (read-only refusal, moving around the screen);
//! - `actions.rs`: the actions on the pipeline (connectors, generator, replicator, processor,
//!   diff); `offsets.rs`: a connector's offsets pane and its guided change;
//! - `reports.rs`: what the app shows of its tasks' progress and ends;
//! - `run.rs`: the terminal and the main loop; `event.rs`: what the loop waits for;
//! - `alerting.rs`: the alert rules evaluated on each reading and tick, notified;
//! - `tasks.rs`: the background tasks' handles and channels; `spawn.rs`: starting each one;
//! - `alerts.rs`: the `:alerts` view's rows and its state filter;
//! - `context.rs`: `:ctx`, the contexts picker and what a switch does to the app; `switch.rs`:
//!   what it does to the tasks (stages stopped first, collectors restarted).

mod actions;
mod alerting;
mod alerts;
mod context;
mod event;
mod events;
mod flink;
mod input;
mod offsets;
mod perform;
mod reports;
mod run;
mod spawn;
mod story;
mod switch;
mod tasks;
mod terminal;

use std::time::SystemTime;

use ratatui::crossterm::event::KeyEvent;

pub use actions::step_rate;
pub use run::{Settings, run};

use crate::action::{Action, Keymap};
use crate::collectors::connect::ConnectorAction;
use crate::collectors::events::EventsAsk;
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
    /// Read a connector's offsets and its LSN check (the offsets pane).
    Offsets {
        cluster: usize,
        name: String,
    },
    /// The guided offsets change: stop → alter or reset → resume.
    ChangeOffsets {
        cluster: usize,
        name: String,
        change: crate::collectors::connect::OffsetChange,
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
    /// An incremental-snapshot signal (the action says which) to a connector of a cluster.
    Snapshot {
        cluster: usize,
        connector: String,
        signal: Action,
    },
    /// Tell the story of this table's row (key as JSON).
    RowStory {
        table: String,
        key: String,
    },
    /// Cancel, stop with a savepoint or restart a Flink job (by id; `job` its name).
    Flink {
        action: Action,
        id: String,
        job: String,
    },
    Refresh,
    /// Stop the embedded stages, then run on the context of this name.
    SwitchContext(String),
    /// Read a topic's events (the newest, or a key's), and follow it or not.
    EventsOpen(EventsAsk),
    /// Stop reading events.
    EventsStop,
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

    /// A collector's reading into the store; the selection stays on its row. True when
    /// anything visible changed.
    pub fn on_update(&mut self, update: crate::collectors::Update) -> bool {
        let changed = self.store.apply(update);
        if changed {
            self.follow_selection();
        }
        changed
    }

    /// What the key does in the current mode.
    pub fn on_key(&mut self, ev: &KeyEvent) -> Vec<Command> {
        let commands = self.on_key_in_mode(ev);
        self.remember_selection();
        commands
    }

    fn on_key_in_mode(&mut self, ev: &KeyEvent) -> Vec<Command> {
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
            Mode::Lsn(input) => {
                self.on_lsn_key(ev, input);
                Vec::new()
            }
            Mode::Contexts(picker) => self.on_picker_key(ev, picker),
            Mode::Story(scroll) => {
                self.on_story_key(ev, scroll);
                Vec::new()
            }
            Mode::KeySearch(input) => self.on_key_search_key(ev, input),
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
mod tests_alerts_view;
#[cfg(test)]
mod tests_contexts;
#[cfg(test)]
mod tests_events;
#[cfg(test)]
mod tests_events_view;
#[cfg(test)]
mod tests_flink;
#[cfg(test)]
mod tests_offsets;
#[cfg(test)]
mod tests_snapshot;

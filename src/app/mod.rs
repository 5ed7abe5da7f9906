//! The console's state and what keys do to it. `on_key` is pure: it changes the UI state and
//! returns `Command`s; the loop in `app/run.rs` carries the commands out (REST calls, the
//! generator) and feeds results back as feedback. So every key path is testable without a
//! terminal or a backend.

mod done;
mod input;
mod run;
mod tasks;

use std::time::SystemTime;

use ratatui::crossterm::event::KeyEvent;

pub use run::run;

use crate::action::{Action, Keymap};
use crate::collectors::connect::{ConnectorAction, RestartScope};
use crate::config::Config;
use crate::config::theme::Theme;
use crate::store::{Embedded, Store};
use crate::ui::{
    self, Confirm, ConfirmFocus, Confirmed, Feedback, FeedbackState, Mode, UiState, ViewId,
};

/// Side effects a key asks for, carried out by the loop.
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
}

pub struct App {
    pub store: Store,
    pub keymap: Keymap,
    pub theme: Theme,
    pub ui: UiState,
    pub embedded: Embedded,
    pub read_only: bool,
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
            read_only,
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
            read_only: self.read_only,
            now,
        }
    }

    pub fn feedback(&mut self, state: FeedbackState, text: impl Into<String>) {
        self.ui.feedback = Some(Feedback { text: text.into(), state, at: SystemTime::now() });
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
            Mode::Command(input) => {
                self.on_command_key(ev, input);
                Vec::new()
            }
            Mode::Filter(input) => {
                self.on_filter_key(ev, input);
                Vec::new()
            }
            Mode::Confirm(c) => self.on_confirm_key(ev, c),
        }
    }

    fn on_action(&mut self, ev: &KeyEvent) -> Vec<Command> {
        match self.keymap.action(self.ui.view.scope(), ev) {
            Some(action) => self.perform(action),
            None => Vec::new(),
        }
    }

    /// What an action does, however it was asked for (a key, or the mouse wheel).
    pub fn perform(&mut self, action: Action) -> Vec<Command> {
        if action.mutates() && self.read_only {
            self.feedback(
                FeedbackState::Error,
                format!("{}: refused in --read-only mode", action.describe()),
            );
            return Vec::new();
        }
        let rows =
            self.store.rows(self.ui.view.table(), &self.ui.filter, self.ui.detail.as_deref());
        let last = rows.len().saturating_sub(1);
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.ui.mode = Mode::Help,
            Action::Command => self.ui.mode = Mode::Command(String::new()),
            Action::Filter => self.ui.mode = Mode::Filter(self.ui.filter.clone()),
            Action::Back => self.back(),
            Action::Select => {
                let drills =
                    matches!(self.ui.view, ViewId::Connectors | ViewId::Topics | ViewId::Groups);
                if let (true, None, Some(row)) =
                    (drills, &self.ui.detail, rows.get(self.ui.selected))
                {
                    self.ui.back.push((self.ui.view, None));
                    self.ui.detail = Some(row.clone());
                    self.ui.selected = 0;
                    self.ui.filter.clear();
                }
            }
            Action::NextPane => self.ui.pane = (self.ui.pane + 1) % 2,
            Action::Up => self.ui.selected = self.ui.selected.saturating_sub(1).min(last),
            Action::Down => self.ui.selected = (self.ui.selected + 1).min(last),
            Action::PageUp => self.ui.selected = self.ui.selected.saturating_sub(10),
            Action::PageDown => self.ui.selected = (self.ui.selected + 10).min(last),
            Action::Top => self.ui.selected = 0,
            Action::Bottom => self.ui.selected = last,
            Action::Refresh => return vec![Command::Refresh],
            Action::RestartConnector
            | Action::RestartAllTasks
            | Action::PauseConnector
            | Action::ResumeConnector
            | Action::StopConnector
            | Action::DeleteConnector => return self.connector_action(action, &rows),
            Action::GeneratorToggle => {
                let running = self.embedded.generator.running;
                self.feedback(
                    FeedbackState::Pending,
                    if running { "stopping the generator" } else { "starting the generator" },
                );
                return vec![if running {
                    Command::GeneratorStop
                } else {
                    Command::GeneratorStart
                }];
            }
            Action::RateUp | Action::RateDown => {
                let rate = step_rate(self.embedded.generator.target_rate, action == Action::RateUp);
                self.embedded.generator.target_rate = rate;
                self.feedback(FeedbackState::Done, format!("generator rate {rate}/s"));
                return vec![Command::GeneratorRate(rate)];
            }
            Action::ProcessorRun => {
                let running = self.embedded.processor.running;
                self.feedback(
                    FeedbackState::Pending,
                    if running { "stopping the processor" } else { "starting the processor" },
                );
                return vec![if running {
                    Command::ProcessorStop
                } else {
                    Command::ProcessorStart
                }];
            }
            Action::ProcessorToggle if !self.embedded.processor.running => {
                self.feedback(FeedbackState::Error, "the processor is not running (s starts it)")
            }
            Action::ProcessorToggle => {
                let pause = !self.embedded.processor.paused;
                self.feedback(
                    FeedbackState::Done,
                    if pause { "processor paused" } else { "processor resumed" },
                );
                return vec![Command::ProcessorPause(pause)];
            }
            Action::ProcessorReset if self.embedded.processor.running => {
                self.feedback(FeedbackState::Error, "stop the processor first (s), then reset")
            }
            Action::ProcessorReset => match self.job.clone() {
                None => self.feedback(FeedbackState::Error, "no processor job is configured"),
                Some(job) => {
                    self.ui.mode = Mode::Confirm(Confirm {
                        title: format!(
                            "reset job {job}: forget its checkpoints, results and late events"
                        ),
                        expect: job,
                        typed: String::new(),
                        focus: ConfirmFocus::Cancel,
                        then: Confirmed::ResetJob,
                    });
                }
            },
            Action::ReplicatorToggle => {
                let running = self.embedded.replicator.running;
                self.feedback(
                    FeedbackState::Pending,
                    if running { "stopping the replicator" } else { "starting the replicator" },
                );
                return vec![if running {
                    Command::ReplicatorStop
                } else {
                    Command::ReplicatorStart
                }];
            }
            Action::RunDiff if self.embedded.diff.running => {
                self.feedback(FeedbackState::Pending, "a diff is already running")
            }
            Action::RunDiff => {
                self.feedback(FeedbackState::Pending, "diffing the replicas against the source");
                return vec![Command::RunDiff];
            }
        }
        Vec::new()
    }

    fn connector_action(&mut self, action: Action, rows: &[String]) -> Vec<Command> {
        let row = self.ui.detail.clone().or_else(|| rows.get(self.ui.selected).cloned());
        let Some((cluster, name)) = row.as_deref().and_then(|r| self.locate(r)) else {
            self.feedback(FeedbackState::Error, "select a connector first");
            return Vec::new();
        };
        let connector_action = match action {
            Action::RestartConnector => {
                ConnectorAction::Restart { name: name.clone(), scope: RestartScope::FailedOnly }
            }
            Action::RestartAllTasks => {
                ConnectorAction::Restart { name: name.clone(), scope: RestartScope::AllTasks }
            }
            Action::PauseConnector => ConnectorAction::Pause(name.clone()),
            Action::ResumeConnector => ConnectorAction::Resume(name.clone()),
            Action::StopConnector => ConnectorAction::Stop(name.clone()),
            _ => {
                // Delete: the name must be typed, and Cancel has the focus.
                self.ui.mode = Mode::Confirm(Confirm {
                    title: format!("delete connector {name}"),
                    expect: row.unwrap_or(name),
                    typed: String::new(),
                    focus: ConfirmFocus::Cancel,
                    then: Confirmed::DeleteConnector,
                });
                return Vec::new();
            }
        };
        self.feedback(FeedbackState::Pending, format!("{} {name}", action.describe()));
        vec![Command::Connect { cluster, action: connector_action }]
    }

    /// A connectors row ("name", or "cluster/name" with several clusters) → (cluster, name).
    fn locate(&self, row: &str) -> Option<(usize, String)> {
        if let Some((cluster, name)) = row.split_once('/')
            && let Some(i) = self.clusters.iter().position(|c| c == cluster)
        {
            return Some((i, name.to_string()));
        }
        let found = self
            .store
            .connect
            .iter()
            .position(|c| c.snapshot.iter().flat_map(|s| &s.connectors).any(|k| k.name == row));
        Some((found.unwrap_or(0), row.to_string()))
    }

    fn go_to(&mut self, v: ViewId) {
        if v != self.ui.view || self.ui.detail.is_some() {
            self.ui.back.push((self.ui.view, self.ui.detail.take()));
        }
        self.ui.view = v;
        self.ui.selected = 0;
        self.ui.filter.clear();
        self.ui.pane = 0;
    }

    /// Esc: clear the filter, else leave the detail, else the previous view.
    fn back(&mut self) {
        if !self.ui.filter.is_empty() {
            self.ui.filter.clear();
        } else if let Some((v, detail)) = self.ui.back.pop() {
            self.ui.view = v;
            self.ui.detail = detail;
            self.ui.selected = 0;
        } else {
            self.ui.detail = None;
        }
        self.ui.feedback = None;
    }
}

pub(crate) fn names() -> String {
    ViewId::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
}

/// The next rate on a 1-2-5 scale (1, 2, 5, 10, 20, 50…), up or down, at least 1.
pub fn step_rate(rate: u32, up: bool) -> u32 {
    let scale: Vec<u32> = (0..7).flat_map(|e| [1, 2, 5].map(|m| m * 10u32.pow(e))).collect();
    if up {
        scale.iter().copied().find(|s| *s > rate).unwrap_or(rate)
    } else {
        scale.iter().rev().copied().find(|s| *s < rate).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests;

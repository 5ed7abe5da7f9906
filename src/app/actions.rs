//! The actions that act on the pipeline, one handler each: a connector's REST actions (delete
//! asks first), the generator, the replicator, the processor (reset asks first) and a diff.
//! Each says what it is doing and returns the `Command`s for the loop; `perform` has already
//! refused the mutating ones in `--read-only` mode.

use super::{App, Command};
use crate::action::Action;
use crate::collectors::connect::{ConnectorAction, RestartScope};
use crate::ui::{Confirm, ConfirmFocus, Confirmed, FeedbackState, Mode};

impl App {
    pub(super) fn connector_action(&mut self, action: Action, rows: &[String]) -> Vec<Command> {
        let row = self.ui.detail.clone().or_else(|| rows.get(self.ui.selected).cloned());
        let Some((cluster, name)) = row.as_deref().map(|r| self.locate(r)) else {
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

    /// An incremental-snapshot signal asks first: the connector's name typed, Cancel focused.
    pub(super) fn ask_to_signal_snapshot(&mut self, action: Action, rows: &[String]) {
        let row = self.ui.detail.clone().or_else(|| rows.get(self.ui.selected).cloned());
        let Some(row) = row else {
            self.feedback(FeedbackState::Error, "select a connector first");
            return;
        };
        let (cluster, name) = self.locate(&row);
        let title = if action == Action::SnapshotTables {
            // What Debezium will re-read, every row of it: the connector's captured tables.
            let tables =
                self.store.connect.get(cluster).and_then(|b| b.snapshot.as_ref()).and_then(|s| {
                    s.connectors
                        .iter()
                        .find(|c| c.name == name)?
                        .config
                        .get("table.include.list")
                        .cloned()
                });
            format!(
                "incremental snapshot of {name}: re-read {}",
                tables.unwrap_or_else(|| "its tables (no table.include.list)".into())
            )
        } else {
            format!("{} of connector {name} (Debezium signal)", action.describe())
        };
        self.ui.mode = Mode::Confirm(Confirm {
            title,
            expect: row,
            typed: String::new(),
            focus: ConfirmFocus::Cancel,
            then: Confirmed::Snapshot(action),
        });
    }

    /// A connectors row ("name", or "cluster/name" with several clusters) → (cluster, name).
    pub(super) fn locate(&self, row: &str) -> (usize, String) {
        if let Some((cluster, name)) = row.split_once('/')
            && let Some(i) = self.clusters.iter().position(|c| c == cluster)
        {
            return (i, name.to_string());
        }
        let found = self
            .store
            .connect
            .iter()
            .position(|c| c.snapshot.iter().flat_map(|s| &s.connectors).any(|k| k.name == row));
        (found.unwrap_or(0), row.to_string())
    }

    pub(super) fn toggle_generator(&mut self) -> Vec<Command> {
        let running = self.embedded.generator.running;
        self.feedback(
            FeedbackState::Pending,
            if running { "stopping the generator" } else { "starting the generator" },
        );
        vec![if running { Command::GeneratorStop } else { Command::GeneratorStart }]
    }

    /// `RateUp` or `RateDown`: the next rate on the 1-2-5 scale.
    pub(super) fn step_generator(&mut self, action: Action) -> Vec<Command> {
        let rate = step_rate(self.embedded.generator.target_rate, action == Action::RateUp);
        self.embedded.generator.target_rate = rate;
        self.feedback(FeedbackState::Done, format!("generator rate {rate}/s"));
        vec![Command::GeneratorRate(rate)]
    }

    pub(super) fn toggle_replicator(&mut self) -> Vec<Command> {
        let running = self.embedded.replicator.running;
        self.feedback(
            FeedbackState::Pending,
            if running { "stopping the replicator" } else { "starting the replicator" },
        );
        vec![if running { Command::ReplicatorStop } else { Command::ReplicatorStart }]
    }

    pub(super) fn toggle_processor(&mut self) -> Vec<Command> {
        let running = self.embedded.processor.running;
        self.feedback(
            FeedbackState::Pending,
            if running { "stopping the processor" } else { "starting the processor" },
        );
        vec![if running { Command::ProcessorStop } else { Command::ProcessorStart }]
    }

    /// Pause or resume the running processor.
    pub(super) fn pause_processor(&mut self) -> Vec<Command> {
        if !self.embedded.processor.running {
            self.feedback(FeedbackState::Error, "the processor is not running (s starts it)");
            return Vec::new();
        }
        let pause = !self.embedded.processor.paused;
        self.feedback(
            FeedbackState::Done,
            if pause { "processor paused" } else { "processor resumed" },
        );
        vec![Command::ProcessorPause(pause)]
    }

    /// Reset forgets a stopped job's state: the job's name must be typed, Cancel has the focus.
    pub(super) fn ask_to_reset_processor(&mut self) {
        if self.embedded.processor.running {
            self.feedback(FeedbackState::Error, "stop the processor first (s), then reset");
            return;
        }
        let Some(job) = self.job.clone() else {
            self.feedback(FeedbackState::Error, "no processor job is configured");
            return;
        };
        self.ui.mode = Mode::Confirm(Confirm {
            title: format!("reset job {job}: forget its checkpoints, results and late events"),
            expect: job,
            typed: String::new(),
            focus: ConfirmFocus::Cancel,
            then: Confirmed::ResetJob,
        });
    }

    /// One diff at a time.
    pub(super) fn run_diff(&mut self) -> Vec<Command> {
        if self.embedded.diff.running {
            self.feedback(FeedbackState::Pending, "a diff is already running");
            return Vec::new();
        }
        self.feedback(FeedbackState::Pending, "diffing the replicas against the source");
        vec![Command::RunDiff]
    }
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

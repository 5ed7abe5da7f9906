//! What an action does, however it was asked for (a key, or the mouse wheel): refused if it
//! mutates in `--read-only` mode or a read-only context, otherwise one handler. The handlers that move around the
//! screen (prompts, the selection, drilling in and going back) live here; what acts on the
//! pipeline (connectors, the generator, the replicator, the processor, a diff) is in
//! `actions.rs`.

use super::{App, Command};
use crate::action::Action;
use crate::ui::{FeedbackState, Mode, ViewId};

impl App {
    /// What an action does, however it was asked for (a key, or the mouse wheel).
    pub fn perform(&mut self, action: Action) -> Vec<Command> {
        if action.mutates() && self.read_only.is_on() {
            self.feedback(FeedbackState::Error, self.read_only.refusal(action.describe()));
            return Vec::new();
        }
        let rows = self.current_rows();
        match action {
            Action::Quit
            | Action::Help
            | Action::Command
            | Action::Filter
            | Action::Back
            | Action::NextPane => self.open(action),
            Action::Select if self.ui.view == ViewId::Events => return self.events_select(&rows),
            Action::Select => self.drill_in(&rows),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.move_selection(action, rows.len()),
            Action::Refresh => return vec![Command::Refresh],
            Action::RestartConnector
            | Action::RestartAllTasks
            | Action::PauseConnector
            | Action::ResumeConnector
            | Action::StopConnector
            | Action::DeleteConnector => return self.connector_action(action, &rows),
            Action::SnapshotTables
            | Action::StopSnapshot
            | Action::PauseSnapshot
            | Action::ResumeSnapshot => self.ask_to_signal_snapshot(action, &rows),
            Action::ConnectorOffsets => return self.open_offsets(&rows),
            Action::SetOffsets => self.ask_offsets_lsn(),
            Action::ResetOffsets => self.ask_reset_offsets(),
            Action::GeneratorToggle => return self.toggle_generator(),
            Action::RateUp | Action::RateDown => return self.step_generator(action),
            Action::ProcessorRun => return self.toggle_processor(),
            Action::ProcessorToggle => return self.pause_processor(),
            Action::ProcessorReset => self.ask_to_reset_processor(),
            Action::ReplicatorToggle => return self.toggle_replicator(),
            Action::RunDiff => return self.run_diff(),
            Action::RowStory => return self.open_story(),
            Action::EventsFollow => return self.toggle_follow(),
            Action::EventsSearchKey => self.ask_key(),
            Action::AlertsState => self.cycle_alerts_shown(),
            Action::FlinkCancel | Action::FlinkStop | Action::FlinkRestart => {
                self.ask_flink_action(action, &rows);
            }
        }
        self.remember_selection();
        Vec::new()
    }

    /// The current table's rows, as the screen lists them (in the replication view, the last
    /// diff's differing keys).
    pub(super) fn current_rows(&self) -> Vec<String> {
        if self.ui.view == ViewId::Replication {
            return self.embedded.diff_keys().into_iter().map(|k| k.id).collect();
        }
        if self.ui.view == ViewId::Events {
            return self.events_rows();
        }
        if self.ui.view == ViewId::Alerts {
            return self.alerts_rows();
        }
        self.store.rows(self.ui.view.table(), &self.ui.filter, self.ui.detail.as_deref())
    }

    /// Notes which row is selected, by identity.
    pub(super) fn remember_selection(&mut self) {
        self.ui.selected_row = self.current_rows().get(self.ui.selected).cloned();
    }

    /// After a refresh: the selection stays on the row it was on, wherever it moved; a row
    /// that is gone leaves the selection where it was, within the table.
    pub(super) fn follow_selection(&mut self) {
        let rows = self.current_rows();
        match self.ui.selected_row.as_ref().and_then(|id| rows.iter().position(|r| r == id)) {
            Some(i) => self.ui.selected = i,
            None => self.ui.selected = self.ui.selected.min(rows.len().saturating_sub(1)),
        }
    }

    /// Quit, a prompt or help, back, the other pane (other actions are not handled here).
    fn open(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.ui.mode = Mode::Help,
            Action::Command => self.ui.mode = Mode::Command(String::new()),
            Action::Filter => self.ui.mode = Mode::Filter(self.ui.filter.clone()),
            Action::Back => self.back(),
            Action::NextPane => self.ui.pane = (self.ui.pane + 1) % 2,
            _ => {}
        }
    }

    /// Enter on a connector, a topic, a group or an alert opens its detail.
    fn drill_in(&mut self, rows: &[String]) {
        let drills = matches!(
            self.ui.view,
            ViewId::Connectors | ViewId::Topics | ViewId::Groups | ViewId::Alerts
        );
        if let (true, None, Some(row)) = (drills, &self.ui.detail, rows.get(self.ui.selected)) {
            self.ui.back.push((self.ui.view, None));
            self.ui.detail = Some(row.clone());
            self.ui.selected = 0;
            self.ui.filter.clear();
        }
    }

    /// Up, down, a page, the top or the bottom of `rows` rows (other actions keep it).
    fn move_selection(&mut self, action: Action, rows: usize) {
        let last = rows.saturating_sub(1);
        let selected = self.ui.selected;
        self.ui.selected = match action {
            Action::Up => selected.saturating_sub(1).min(last),
            Action::Down => (selected + 1).min(last),
            Action::PageUp => selected.saturating_sub(10),
            Action::PageDown => (selected + 10).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => selected,
        };
    }

    pub(super) fn go_to(&mut self, v: ViewId) {
        if v != self.ui.view || self.ui.detail.is_some() {
            self.ui.back.push((self.ui.view, self.ui.detail.take()));
        }
        self.ui.view = v;
        self.ui.selected = 0;
        self.ui.filter.clear();
        self.ui.pane = 0;
    }

    /// Esc: close the offsets pane, else clear the filter, else leave the detail, else the
    /// previous view. Leaving a detail selects the item it showed, so the next action applies
    /// to the one just looked at.
    fn back(&mut self) {
        if self.embedded.offsets.open.is_some() && !self.embedded.offsets.changing {
            self.embedded.offsets = crate::store::snapshots::OffsetsPane::default();
        } else if !self.ui.filter.is_empty() {
            self.ui.filter.clear();
        } else if let Some((v, detail)) = self.ui.back.pop() {
            let left = self.ui.detail.take();
            self.ui.view = v;
            self.ui.detail = detail;
            self.ui.selected = 0;
            self.ui.selected_row = left;
            self.follow_selection();
        } else {
            self.ui.detail = None;
        }
        self.ui.feedback = None;
    }
}

//! A connector's offsets in the TUI: `o` opens the offsets pane (offsets and the three-way LSN
//! check, read in a task of its own); `O` asks for an LSN, judges it against the slot and the
//! WAL, then asks for the connector's name with Cancel focused; ctrl-o asks to reset. A
//! confirmed change runs the guided flow (stop → alter or reset → resume) in a task whose steps
//! come back one by one, and the pane is read again at its end.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use super::spawn::Done;
use super::{App, Command};
use crate::collectors::connect::lsn_check::Level;
use crate::collectors::connect::offsets::{debezium_body, parse_lsn};
use crate::collectors::connect::{self, OffsetChange};
use crate::config::Config;
use crate::store::snapshots::OffsetsPane;
use crate::ui::{Confirm, ConfirmFocus, Confirmed, FeedbackState, Mode, ViewId};

impl App {
    /// `o`: opens the selected connector (its detail) with the offsets pane, and reads them.
    pub(super) fn open_offsets(&mut self, rows: &[String]) -> Vec<Command> {
        let Some(row) = self.ui.detail.clone().or_else(|| rows.get(self.ui.selected).cloned())
        else {
            self.feedback(FeedbackState::Error, "select a connector first");
            return Vec::new();
        };
        if self.ui.detail.is_none() {
            self.ui.back.push((ViewId::Connectors, None));
            self.ui.detail = Some(row.clone());
            self.ui.selected = 0;
            self.ui.filter.clear();
        }
        self.embedded.offsets =
            OffsetsPane { open: Some(row.clone()), loading: true, ..OffsetsPane::default() };
        let (cluster, name) = self.locate(&row);
        vec![Command::Offsets { cluster, name }]
    }

    /// The open pane's connector row, or why a change cannot be asked for yet.
    fn pane_row(&mut self) -> Option<String> {
        let pane = &self.embedded.offsets;
        let why = match (&pane.open, &pane.target) {
            (None, _) => "open the offsets first (o)",
            (Some(_), _) if pane.changing => "an offsets change is under way",
            (Some(_), None) => "the offsets are not read yet",
            (Some(row), Some(_)) => return Some(row.clone()),
        };
        self.feedback(FeedbackState::Error, why);
        None
    }

    /// `O`: the LSN prompt.
    pub(super) fn ask_offsets_lsn(&mut self) {
        if self.pane_row().is_some() {
            self.ui.mode = Mode::Lsn(String::new());
        }
    }

    /// ctrl-o: the reset's confirmation.
    pub(super) fn ask_reset_offsets(&mut self) {
        let Some(row) = self.pane_row() else { return };
        self.ui.mode = Mode::Confirm(Confirm {
            title: format!("reset offsets of {row}: it starts afresh"),
            expect: row,
            typed: String::new(),
            focus: ConfirmFocus::Cancel,
            then: Confirmed::ResetOffsets,
        });
    }

    /// Keys while the LSN is typed: Enter judges it, then asks to confirm; a target the check
    /// says would lose changes is refused here (the CLI's `--force` is the way to set it).
    pub(super) fn on_lsn_key(&mut self, ev: &KeyEvent, mut input: String) {
        match ev.code {
            KeyCode::Esc => self.embedded.offsets.proposed = None,
            KeyCode::Enter => self.propose_lsn(&input),
            KeyCode::Backspace => {
                input.pop();
                self.ui.mode = Mode::Lsn(input);
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                self.ui.mode = Mode::Lsn(input);
            }
            _ => self.ui.mode = Mode::Lsn(input),
        }
    }

    fn propose_lsn(&mut self, input: &str) {
        let lsn = match parse_lsn(input) {
            Ok(l) => l,
            Err(e) => {
                self.feedback(FeedbackState::Error, e);
                self.ui.mode = Mode::Lsn(input.to_string());
                return;
            }
        };
        let pane = &mut self.embedded.offsets;
        let (Some(row), Some(target)) = (pane.open.clone(), &pane.target) else { return };
        if target.server.is_none() {
            let text =
                "--lsn is for Debezium's PostgreSQL connector: use `connectors offsets set --json`";
            self.feedback(FeedbackState::Error, text);
            return;
        }
        pane.proposed = target.judge(lsn);
        if pane.proposed.as_ref().is_some_and(|c| c.level == Level::Error) {
            let text = format!(
                "{lsn}: the check says changes would be lost; refused (the CLI's --force sets it)"
            );
            self.feedback(FeedbackState::Error, text);
            return;
        }
        self.ui.mode = Mode::Confirm(Confirm {
            title: format!("set offsets of {row} to {lsn}"),
            expect: row,
            typed: String::new(),
            focus: ConfirmFocus::Cancel,
            then: Confirmed::SetOffsets(lsn.to_string()),
        });
    }

    /// Confirmed: the guided change on the pane's connector.
    pub(super) fn change_offsets(&mut self, c: &Confirm) -> Vec<Command> {
        let (cluster, name) = self.locate(&c.expect);
        let change = match &c.then {
            Confirmed::SetOffsets(lsn) => {
                let server = self.embedded.offsets.target.as_ref().and_then(|t| t.server.clone());
                match (server, parse_lsn(lsn)) {
                    (Some(server), Ok(lsn)) => OffsetChange::Alter(debezium_body(&server, lsn)),
                    _ => return Vec::new(),
                }
            }
            _ => OffsetChange::Reset,
        };
        self.embedded.offsets.steps.clear();
        self.embedded.offsets.changing = true;
        self.feedback(
            FeedbackState::Pending,
            format!("{}: stop → change offsets → resume", c.title),
        );
        vec![Command::ChangeOffsets { cluster, name, change }]
    }

    /// The offsets as read (or why not), for the pane still open on that connector.
    pub(super) fn offsets_read(&mut self, name: &str, r: Result<connect::Target, String>) {
        let open = self.embedded.offsets.open.clone();
        if open.is_none_or(|row| self.locate_name(&row) != name) {
            return;
        }
        let pane = &mut self.embedded.offsets;
        pane.loading = false;
        match r {
            Ok(t) => (pane.target, pane.error) = (Some(t), None),
            Err(e) => pane.error = Some(e),
        }
    }

    pub(super) fn offsets_step(&mut self, step: connect::Step) {
        let text = format!("{} {}: {}", if step.ok { "✓" } else { "✗" }, step.step, step.detail);
        self.feedback(if step.ok { FeedbackState::Pending } else { FeedbackState::Error }, text);
        self.embedded.offsets.steps.push(step);
    }

    pub(super) fn offsets_changed(&mut self, name: &str, r: Result<(), String>) {
        self.embedded.offsets.changing = false;
        self.embedded.offsets.proposed = None;
        match r {
            Ok(()) => self.feedback(FeedbackState::Done, format!("offsets of {name} changed")),
            Err(e) => self.feedback(FeedbackState::Error, format!("offsets of {name}: {e}")),
        }
        self.embedded.offsets.loading = true;
    }

    fn locate_name(&self, row: &str) -> String {
        self.locate(row).1
    }
}

/// Reads the offsets and the LSN check in a task of its own.
pub fn read(config: &Config, cluster: usize, name: String, done: mpsc::Sender<Done>) {
    let Some(c) = config.connect.get(cluster) else { return };
    let probe = connect::Probe::new(c, config.timeouts.request());
    let (source, timeout) = (config.source.clone(), config.timeouts.request());
    tokio::spawn(async move {
        let r = probe.offsets_target(&name, &source, timeout).await.map_err(|e| e.to_string());
        let _ = done.send(Done::Offsets(name, Box::new(r))).await;
    });
}

/// Runs the guided change; each step and the end come back through `done`.
pub fn change(
    config: &Config,
    cluster: usize,
    name: String,
    change: OffsetChange,
    done: mpsc::Sender<Done>,
) {
    let Some(c) = config.connect.get(cluster) else { return };
    let probe = connect::Probe::new(c, config.timeouts.action());
    tokio::spawn(async move {
        let steps = done.clone();
        let r = probe
            .change_offsets(&name, &change, |s| {
                let _ = steps.try_send(Done::OffsetsStep(s.clone()));
            })
            .await
            .map(|_| ());
        let _ = done.send(Done::OffsetsChanged(name, r, cluster)).await;
    });
}

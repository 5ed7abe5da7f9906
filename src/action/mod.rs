//! What a user can ask for, and the key map that binds keys to it. Help and the footer are
//! generated from the same map that handles keys, so they cannot disagree; a keymap file
//! (config/keymap.rs) can rebind every action.

use serde::{Deserialize, Serialize};

mod keymap;

pub use keymap::{Key, Keymap};

/// Where a binding applies: everywhere, or in one view (which then wins over global).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Global,
    Connectors,
    Generator,
    Processor,
    Replication,
}

impl Scope {
    pub const ALL: [Scope; 5] =
        [Scope::Global, Scope::Connectors, Scope::Generator, Scope::Processor, Scope::Replication];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    /// `:` — jump to a view by name.
    Command,
    /// `/` — filter the current table.
    Filter,
    /// Close an overlay, clear the filter, or go back to the previous view.
    Back,
    /// Open the selected row's detail.
    Select,
    NextPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Poll every backend now instead of waiting for the next interval.
    Refresh,
    /// Restart the connector and its failed tasks.
    RestartConnector,
    /// Restart the connector and all its tasks.
    RestartAllTasks,
    PauseConnector,
    ResumeConnector,
    StopConnector,
    DeleteConnector,
    GeneratorToggle,
    RateUp,
    RateDown,
    ProcessorToggle,
    ProcessorRun,
    ProcessorReset,
    ReplicatorToggle,
    RunDiff,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Command => "go to view",
            Action::Filter => "filter",
            Action::Back => "back",
            Action::Select => "open",
            Action::NextPane => "next pane",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Refresh => "refresh now",
            Action::RestartConnector => "restart connector + failed tasks",
            Action::RestartAllTasks => "restart connector + all tasks",
            Action::PauseConnector => "pause",
            Action::ResumeConnector => "resume",
            Action::StopConnector => "stop",
            Action::DeleteConnector => "delete",
            Action::GeneratorToggle => "start/stop generator",
            Action::RateUp => "rate up",
            Action::RateDown => "rate down",
            Action::ProcessorToggle => "pause/resume processor",
            Action::ProcessorRun => "start/stop processor",
            Action::ProcessorReset => "reset the job (forget checkpoints and results)",
            Action::ReplicatorToggle => "start/stop replicator",
            Action::RunDiff => "diff replicas against the source",
        }
    }

    /// Changes something outside the console: hidden and refused in `--read-only`.
    pub fn mutates(self) -> bool {
        matches!(
            self,
            Action::RestartConnector
                | Action::RestartAllTasks
                | Action::PauseConnector
                | Action::ResumeConnector
                | Action::StopConnector
                | Action::DeleteConnector
                | Action::GeneratorToggle
                | Action::RateUp
                | Action::RateDown
                | Action::ProcessorToggle
                | Action::ProcessorRun
                | Action::ProcessorReset
                | Action::ReplicatorToggle
        )
    }
}

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
    Events,
    Alerts,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::Global,
        Scope::Connectors,
        Scope::Generator,
        Scope::Processor,
        Scope::Replication,
        Scope::Events,
        Scope::Alerts,
    ];
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
    /// Debezium incremental snapshot of the connector's captured tables (signals, asks first).
    SnapshotTables,
    StopSnapshot,
    PauseSnapshot,
    ResumeSnapshot,
    /// Open the connector's offsets with the three-way LSN check.
    ConnectorOffsets,
    /// Make the connector resume at an LSN: stop → alter offsets → resume.
    SetOffsets,
    /// Forget the connector's offsets: stop → reset → resume.
    ResetOffsets,
    GeneratorToggle,
    RateUp,
    RateDown,
    ProcessorToggle,
    ProcessorRun,
    ProcessorReset,
    ReplicatorToggle,
    RunDiff,
    /// The selected diff row's story: source row, replica rows, the key's events, verdict.
    RowStory,
    /// Tail the topic live, or stop tailing.
    EventsFollow,
    /// Search the topic for a key's events.
    EventsSearchKey,
    /// Show all alerts, or only the firing, pending or resolved ones (in turn).
    AlertsState,
    /// Cancel the selected Flink job (no savepoint).
    FlinkCancel,
    /// Stop the selected Flink job with a savepoint.
    FlinkStop,
    /// Submit the selected Flink job's console job again from its last savepoint.
    FlinkRestart,
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
            Action::SnapshotTables => "incremental snapshot",
            Action::StopSnapshot => "stop snapshot",
            Action::PauseSnapshot => "pause snapshot",
            Action::ResumeSnapshot => "resume snapshot",
            Action::ConnectorOffsets => "offsets",
            Action::SetOffsets => "set offsets",
            Action::ResetOffsets => "reset offsets",
            Action::GeneratorToggle => "start/stop generator",
            Action::RateUp => "rate up",
            Action::RateDown => "rate down",
            Action::ProcessorToggle => "pause/resume processor",
            Action::ProcessorRun => "start/stop processor",
            Action::ProcessorReset => "reset the job (forget checkpoints and results)",
            Action::ReplicatorToggle => "start/stop replicator",
            Action::RunDiff => "diff replicas against the source",
            Action::RowStory => "row story",
            Action::EventsFollow => "follow on/off",
            Action::EventsSearchKey => "search by key",
            Action::AlertsState => "show all/firing/pending/resolved",
            Action::FlinkCancel => "cancel Flink job",
            Action::FlinkStop => "stop Flink job with a savepoint",
            Action::FlinkRestart => "restart Flink job from its last savepoint",
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
                | Action::SnapshotTables
                | Action::StopSnapshot
                | Action::PauseSnapshot
                | Action::ResumeSnapshot
                | Action::SetOffsets
                | Action::ResetOffsets
                | Action::GeneratorToggle
                | Action::RateUp
                | Action::RateDown
                | Action::ProcessorToggle
                | Action::ProcessorRun
                | Action::ProcessorReset
                | Action::ReplicatorToggle
                | Action::FlinkCancel
                | Action::FlinkStop
                | Action::FlinkRestart
        )
    }
}

//! What the screen remembers between frames: the current view, selection, filter, input mode
//! and the feedback of the last action. Owned by `App`, borrowed by every draw.

use std::time::SystemTime;

use super::ViewId;
use crate::store::StateFilter;

#[derive(Debug, Clone, PartialEq)]
pub struct UiState {
    pub view: ViewId,
    /// Views visited before, for Esc.
    pub back: Vec<(ViewId, Option<String>)>,
    /// Selected row of the current table (after filtering).
    pub selected: usize,
    /// The identity of the selected row (a connector's name…): the selection follows it when a
    /// refresh re-sorts the table, and Esc from a detail comes back to it.
    pub selected_row: Option<String>,
    pub filter: String,
    /// Focused pane in views with several (Tab).
    pub pane: usize,
    /// The drilled-into item: a connector, group or topic name.
    pub detail: Option<String>,
    pub mode: Mode,
    pub feedback: Option<Feedback>,
    /// The context in use, shown in the header when the config file names its contexts.
    pub context: Option<String>,
    /// Which alerts the `:alerts` view lists (`f` steps through all, firing, pending, resolved).
    pub alerts_shown: StateFilter,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            view: ViewId::Overview,
            back: Vec::new(),
            selected: 0,
            selected_row: None,
            filter: String::new(),
            pane: 0,
            detail: None,
            mode: Mode::Normal,
            feedback: None,
            context: None,
            alerts_shown: StateFilter::All,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// `:` typed so far.
    Command(String),
    /// `/` typed so far (the filter applies as it is typed).
    Filter(String),
    Help,
    Confirm(Confirm),
    /// The LSN typed for a connector's offsets (`SetOffsets`), before its confirmation.
    Lsn(String),
    /// `:ctx`: the contexts to switch to.
    Contexts(Picker),
    /// A row's story over the view, scrolled down this many lines.
    Story(u16),
    /// The `:events` view's key prompt: the key (JSON) typed so far.
    KeySearch(String),
}

/// The `:ctx` picker: every context of the config file, one highlighted (Enter switches to it).
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub choices: Vec<Choice>,
    pub selected: usize,
}

/// One context in the picker: enough to tell them apart, nothing secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub name: String,
    pub read_only: bool,
    /// The context in use now.
    pub current: bool,
    /// Where it points: its brokers, for one.
    pub brokers: String,
    /// Why it cannot be used (its error in the file), if it cannot.
    pub error: Option<String>,
}

/// A destructive action waiting for the user: they must type `expect`, and Cancel has the focus.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub expect: String,
    pub typed: String,
    pub focus: ConfirmFocus,
    /// What Enter on Confirm does.
    pub then: Confirmed,
}

/// The destructive action a confirmation guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    DeleteConnector,
    /// Forget the processor job's checkpoints and results.
    ResetJob,
    /// Stop the embedded stages and switch to the context named in `expect`.
    SwitchContext,
    /// Send this incremental-snapshot signal (`SnapshotTables`, `StopSnapshot`, `PauseSnapshot`
    /// or `ResumeSnapshot`) to the connector named in `expect`.
    Snapshot(crate::action::Action),
    /// Stop the connector named in `expect`, alter its offsets to this LSN, resume it.
    SetOffsets(String),
    /// Stop the connector named in `expect`, reset its offsets, resume it.
    ResetOffsets,
    /// This Flink action (`FlinkCancel`, `FlinkStop`, `FlinkRestart`) on the Flink job of this
    /// id, whose name is `expect`.
    Flink(crate::action::Action, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmFocus {
    Cancel,
    Confirm,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub text: String,
    pub state: FeedbackState,
    pub at: SystemTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackState {
    Pending,
    Done,
    Error,
}

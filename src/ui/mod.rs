//! Drawing. Pure: a borrowed `View` in, cells out, no I/O. One file per view under `views/`,
//! shared pieces under `widgets/`.
//!
//! ```text
//! ┌──────────────────────────────────────────────┐
//! │ header: view names, the current one marked   │  widgets/chrome.rs
//! │ body: the current view                       │  views/*.rs
//! │ footer: input line, feedback, or key hints    │  widgets/chrome.rs
//! └──────────────────────────────────────────────┘  overlays: help, confirm (widgets/)
//! ```

pub mod state;
pub mod views;
pub mod widgets;

use std::time::{Duration, SystemTime};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

pub use state::{Confirm, ConfirmFocus, Confirmed, Feedback, FeedbackState, Mode, UiState};
pub use views::ViewId;

use crate::action::Keymap;
use crate::config::theme::Theme;
use crate::pipeline::diff::targets::DiffSnapshot;
use crate::pipeline::generator::GeneratorSnapshot;
use crate::pipeline::processor::ProcessorSnapshot;
use crate::pipeline::replicator::ReplicatorSnapshot;
use crate::store::Store;

/// Everything a frame is drawn from. `now` is passed in so a frame is a function of its input.
pub struct View<'a> {
    pub store: &'a Store,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub ui: &'a UiState,
    pub embedded: &'a Embedded,
    pub read_only: bool,
    pub now: SystemTime,
}

/// What the console runs itself, as the screen shows it.
#[derive(Debug, Clone, Default)]
pub struct Embedded {
    pub generator: GeneratorSnapshot,
    pub replicator: ReplicatorSnapshot,
    pub diff: DiffSnapshot,
    pub processor: ProcessorSnapshot,
}

pub fn draw(frame: &mut Frame, view: &View) {
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)])
            .areas(frame.area());
    widgets::chrome::header(frame, header, view);
    views::draw(frame, body, view);
    widgets::chrome::footer(frame, footer, view);
    match &view.ui.mode {
        Mode::Help => widgets::help::draw(frame, frame.area(), view),
        Mode::Confirm(c) => widgets::confirm::draw(frame, frame.area(), view, c),
        _ => {}
    }
}

/// "42s", "5m12s", "3h04m", "2d03h": how long ago, compactly.
pub fn age(since: SystemTime, now: SystemTime) -> String {
    crate::units::seconds(now.duration_since(since).unwrap_or(Duration::ZERO).as_secs())
}

/// Case-insensitive substring match, the `/` filter of every table.
pub fn matches(filter: &str, text: &str) -> bool {
    filter.is_empty() || text.to_lowercase().contains(&filter.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_compact() {
        let t0 = SystemTime::UNIX_EPOCH;
        let at = |s| age(t0, t0 + Duration::from_secs(s));
        assert_eq!(
            [at(0), at(59), at(61), at(3_725), at(90_000)],
            ["0s", "59s", "1m01s", "1h02m", "1d01h"]
        );
        assert_eq!(
            age(t0 + Duration::from_secs(5), t0),
            "0s",
            "a clock step backwards is not negative"
        );
    }

    #[test]
    fn the_filter_ignores_case() {
        assert!(matches("", "x") && matches("CDC", "orders-cdc") && !matches("x", "orders"));
    }
}

//! Drawing. Pure: a borrowed `View` in, cells out, no I/O. One file per view under `views/`,
//! shared pieces under `widgets/`, the theme's roles as styles in `style.rs`. Backend data, and
//! the types it comes in, only through `crate::store` (checked by `tests/offline_architecture.rs`).
//!
//! ```text
//! ┌──────────────────────────────────────────────┐
//! │ header: view names, the current one marked   │  widgets/chrome.rs
//! │ body: the current view                       │  views/*.rs
//! │ footer: input line, feedback, or key hints    │  widgets/chrome.rs
//! └──────────────────────────────────────────────┘  overlays: help, confirm, contexts
//! ```

pub mod state;
pub mod style;
pub mod views;
pub mod widgets;

use std::time::{Duration, SystemTime};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

pub use state::{
    Choice, Confirm, ConfirmFocus, Confirmed, Feedback, FeedbackState, Mode, Picker, UiState,
};
pub use views::ViewId;

use crate::action::Keymap;
use crate::config::theme::Theme;
use crate::store::{Embedded, Store};

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
        Mode::Contexts(p) => widgets::contexts::draw(frame, frame.area(), view, p),
        Mode::Story(scroll) => widgets::story::draw(frame, frame.area(), view, *scroll),
        _ => {}
    }
}

/// "42s", "5m12s", "3h04m", "2d03h": how long ago, compactly.
pub fn age(since: SystemTime, now: SystemTime) -> String {
    crate::units::seconds(now.duration_since(since).unwrap_or(Duration::ZERO).as_secs())
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
}

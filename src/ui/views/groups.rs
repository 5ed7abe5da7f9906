//! The groups view (being built).

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::ui::View;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    crate::ui::widgets::common::placeholder(frame, area, view, "groups", "this view is being built");
}

pub fn rows(_view: &View) -> Vec<String> {
    Vec::new()
}

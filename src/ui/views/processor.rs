//! The embedded processor (issue 6) is not built yet: the view says so, and what it will show.
//! No figures are invented.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::ui::View;
use crate::ui::widgets::common::block;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let (warn, dim, text) = (Style::new().fg(t.warn.0), Style::new().fg(t.dim.0), Style::new().fg(t.text.0));
    let lines = vec![
        Line::styled("The embedded stream processor is not built yet (issue 6).", warn),
        Line::raw(""),
        Line::styled("Once it is, this view will show:", text),
        Line::styled("  · the watermark of every partition it reads, and the global watermark", dim),
        Line::styled("    against the wall clock (how far event time trails now)", dim),
        Line::styled("  · its windows: open, fired, and their row counts", dim),
        Line::styled("  · late events: how many arrived after their window fired", dim),
        Line::styled("  · pause / resume from the keyboard", dim),
        Line::raw(""),
        Line::styled("Consumer lag of the change topics is in the groups view; latency per stage in", dim),
        Line::styled("the latency view.", dim),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block("Processor", view, None)), area);
}

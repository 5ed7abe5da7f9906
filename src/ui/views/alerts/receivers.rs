//! The notification receivers under the alerts: what each has sent, given up on, dropped and
//! still holds, its last success and its last error, so a webhook that stopped answering is
//! seen on the screen and not only in the log. URLs come masked from the notifier.
//!
//! ```text
//! ┌ Receivers · 2 ────────────────────────────────────────────────────────────────────┐
//! │✓ ops-slack (slack, https://hooks.slack.com/****)  sent 4 · failed 0 · dropped 0 · …  │
//! │✗ ops-hook (webhook, http://10.0.0.7:9000/****)  error 3s ago: connection refused · … │
//! └────────────────────────────────────────────────────────────────────────────────────┘
//! ```

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::store::snapshots::ReceiverStatus;
use crate::ui::style::Roles;
use crate::ui::widgets::common::block;
use crate::ui::{View, age};

pub fn draw(frame: &mut Frame, area: Rect, view: &View, receivers: &[ReceiverStatus]) {
    let title = format!("Receivers · {}", receivers.len());
    let lines: Vec<Line> = receivers.iter().map(|r| line(view, r, view.now)).collect();
    frame.render_widget(Paragraph::new(lines).block(block(&title, view, None)), area);
}

/// A receiver is failing when its last error is newer than its last success.
pub fn failing(r: &ReceiverStatus) -> bool {
    match (r.last_error_at, r.last_success) {
        (Some(e), Some(ok)) => e > ok,
        (Some(_), None) => true,
        _ => false,
    }
}

fn line<'a>(view: &View, r: &'a ReceiverStatus, now: SystemTime) -> Line<'a> {
    let bad = failing(r);
    let (mark, style) = if bad { ("✗", view.theme.error()) } else { ("✓", view.theme.ok()) };
    // A failing receiver's error comes first: a narrow screen cuts the end of the line.
    let mut text = format!(" {} ({}, {}) ", r.name, r.kind.as_str(), r.url);
    if let (true, Some(e)) = (bad, &r.last_error) {
        let when = r.last_error_at.map(|t| format!(" {} ago", age(t, now))).unwrap_or_default();
        text.push_str(&format!(" error{when}: {e} ·"));
    }
    text.push_str(&format!(
        " sent {} · failed {} · dropped {} · queued {}",
        r.sent, r.failed, r.dropped, r.queued
    ));
    if let Some(ok) = r.last_success {
        text.push_str(&format!(" · last sent {} ago", age(ok, now)));
    }
    Line::from(vec![Span::styled(mark, style), Span::styled(text, view.theme.text())])
}

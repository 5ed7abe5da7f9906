//! One alert whole (Enter on it): its state and severity, value, summary, every label, and its
//! times as RFC 3339 with their age. Esc goes back to the list, on the same alert.
//!
//! ```text
//! ┌ Alert · group_lag ───────────────────────────────────────────┐
//! │state       firing (critical)                                  │
//! │value       42s                                                │
//! │summary     orders-sink lags 42s behind                        │
//! │labels      group=orders-sink                                  │
//! │            team=data                                          │
//! │active since 2026-12-06T18:00:00.000Z (5m12s ago)              │
//! └──────────────────────────────────────────────────────────────┘
//! ```

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{severity_style, severity_word};
use crate::store::rfc3339;
use crate::store::snapshots::{Alert, AlertState};
use crate::store::state_word;
use crate::ui::style::Roles;
use crate::ui::widgets::common::block;
use crate::ui::{View, age};

/// The width of the field names' column.
const NAME: usize = 13;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, fingerprint: &str) {
    let Some(a) = view.store.alert(fingerprint) else {
        let p = Paragraph::new(Span::styled(
            "(no longer listed: resolved over an hour ago, or its rule was removed)",
            view.theme.dim(),
        ));
        frame.render_widget(p.block(block("Alert", view, None)), area);
        return;
    };
    let title = format!("Alert · {}", a.rule);
    let width = usize::from(area.width.saturating_sub(2)).saturating_sub(NAME).max(20);
    let p = Paragraph::new(lines(view, a, width)).wrap(Wrap { trim: false });
    frame.render_widget(p.block(block(&title, view, None)), area);
}

fn field<'a>(view: &View, name: &str, value: String, style: Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<NAME$}"), view.theme.dim()),
        Span::styled(value, style),
    ])
}

/// `2026-12-06T18:00:00.000Z (5m12s ago)`, or `-`.
fn when(at: Option<SystemTime>, now: SystemTime) -> String {
    at.map_or_else(|| "-".into(), |t| format!("{} ({} ago)", rfc3339(t), age(t, now)))
}

/// `text` in lines of at most `width` characters, broken between words where it can be.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !line.is_empty() && !fits {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push(line);
    out
}

/// The fields, `width` the room a value has on a line (a long summary goes on under itself).
fn lines<'a>(view: &View, a: &Alert, width: usize) -> Vec<Line<'a>> {
    let t = view.theme;
    let state_style = match a.state {
        AlertState::Firing => severity_style(view, a.severity).bold(),
        AlertState::Pending => t.text(),
        AlertState::Resolved => t.dim(),
    };
    let mut out = vec![
        field(
            view,
            "state",
            format!("{} ({})", state_word(a.state), severity_word(a.severity)),
            state_style,
        ),
        field(view, "value", a.value.clone(), t.text()),
    ];
    for (i, part) in wrapped(&a.summary, width).into_iter().enumerate() {
        out.push(field(view, if i == 0 { "summary" } else { "" }, part, t.text()));
    }
    if a.labels.is_empty() {
        out.push(field(view, "labels", "-".into(), t.dim()));
    }
    for (i, (k, v)) in a.labels.iter().enumerate() {
        out.push(field(view, if i == 0 { "labels" } else { "" }, format!("{k}={v}"), t.text()));
    }
    out.push(field(view, "active since", when(Some(a.active_since), view.now), t.text()));
    out.push(field(view, "fired at", when(a.fired_at, view.now), t.text()));
    out.push(field(view, "resolved at", when(a.resolved_at, view.now), t.text()));
    out.push(field(view, "fingerprint", a.fingerprint(), t.dim()));
    out
}

//! The `:ctx` picker: the config file's contexts, the one in use marked `*`, the read-only ones
//! said so, each with its brokers; ↑/↓ move, Enter switches, Esc closes.
//!
//! ```text
//! ┌ contexts · enter switches · esc closes ──────┐
//! │ * dev    127.0.0.1:9092,127.0.0.1:9093        │
//! │   prod   read-only  kafka.prod:9092           │
//! └───────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Clear, Row, Table};

use crate::ui::style::Roles;
use crate::ui::widgets::common::block;
use crate::ui::{Picker, View};

pub fn draw(frame: &mut Frame, area: Rect, view: &View, picker: &Picker) {
    let t = view.theme;
    let popup = super::common::centered(area, 64, picker.choices.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let name_width = picker.choices.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
    let rows = picker.choices.iter().enumerate().map(|(i, c)| {
        let style = if i == picker.selected { t.selected() } else { t.text() };
        Row::new(vec![
            if c.current { "*".to_string() } else { String::new() },
            c.name.clone(),
            if c.read_only { "read-only".to_string() } else { String::new() },
            c.error.as_ref().map_or_else(|| c.brokers.clone(), |e| format!("✗ {e}")),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(name_width as u16),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let table =
        Table::new(rows, widths).block(block("contexts · enter switches · esc closes", view, None));
    frame.render_widget(table, popup);
}

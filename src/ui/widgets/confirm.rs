//! The confirmation of a destructive action: type the name, Cancel has the focus, Enter on
//! Confirm only counts when the name matches.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::ui::style::Roles;
use crate::ui::widgets::common::block;
use crate::ui::{Confirm, ConfirmFocus, Confirmed, View};

pub fn draw(frame: &mut Frame, area: Rect, view: &View, c: &Confirm) {
    let t = view.theme;
    // Wider for a long title (a snapshot's tables), within the screen.
    let width = u16::try_from(c.title.chars().count() + 6).unwrap_or(u16::MAX).max(60);
    let popup = super::common::centered(area, width, 7);
    frame.render_widget(Clear, popup);
    let outer = block(&c.title, view, None).border_style(t.error());
    let inner = outer.inner(popup);
    frame.render_widget(outer, popup);
    let [ask, input, buttons] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(1), Constraint::Length(1)])
            .areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw("Type "),
            Span::styled(c.expect.clone(), Style::new().bold()),
            Span::raw(" to confirm."),
        ])),
        ask,
    );
    let matches = c.typed == c.expect;
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("> {}▏", c.typed),
            if matches { t.ok() } else { t.text() },
        )),
        input,
    );
    let confirm = match c.then {
        Confirmed::SwitchContext => "Switch",
        Confirmed::Snapshot(_) => "Send",
        Confirmed::SetOffsets(_) => "Set",
        Confirmed::ResetOffsets => "Reset",
        Confirmed::DeleteConnector | Confirmed::ResetJob => "Delete",
        Confirmed::Flink(crate::action::Action::FlinkCancel, _) => "Cancel the job",
        Confirmed::Flink(crate::action::Action::FlinkStop, _) => "Stop",
        Confirmed::Flink(..) => "Restart",
    };
    let button = |label: &str, focused: bool| Span::styled(format!(" {label} "), t.button(focused));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            button("Cancel", c.focus == ConfirmFocus::Cancel),
            Span::raw("   "),
            button(confirm, c.focus == ConfirmFocus::Confirm),
            Span::styled("   tab switches", t.dim()),
        ])),
        buttons,
    );
}

//! `?`: every key of the current view and every global key, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Clear, Row, Table};

use crate::action::Scope;
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::block;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let scope = view.ui.view.scope();
    let mut rows = Vec::new();
    let mut section = |title: String, entries: Vec<(String, &'static str)>| {
        if entries.is_empty() {
            return;
        }
        rows.push(Row::new(vec![title, String::new()]).style(t.title()));
        rows.extend(
            entries.into_iter().map(|(k, d)| Row::new(vec![format!("  {k}"), d.to_string()])),
        );
    };
    if scope != Scope::Global {
        section(format!("{} view", view.ui.view.name()), view.keymap.help(scope, view.read_only));
    }
    section("everywhere".into(), view.keymap.help(Scope::Global, view.read_only));
    let popup = super::common::centered(area, 56, rows.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let table = Table::new(rows, [Constraint::Length(18), Constraint::Fill(1)]).block(block(
        "help · esc closes",
        view,
        None,
    ));
    frame.render_widget(table, popup);
}

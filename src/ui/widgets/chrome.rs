//! The header (views, the current one marked, read-only badge) and the footer (the input line
//! while typing `:` or `/`, else the last action's feedback, else key hints from the keymap).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::Scope;
use crate::ui::{FeedbackState, Mode, View, ViewId};

pub fn header(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let mut spans = vec![Span::styled(
        " cdc-console ",
        Style::new().fg(t.title.0).add_modifier(Modifier::BOLD),
    )];
    if view.read_only {
        spans.push(Span::styled(
            "[read-only] ",
            Style::new().fg(t.warn.0).add_modifier(Modifier::BOLD),
        ));
    }
    // Every view name when they fit, else only the current one (`:` lists them all).
    let all: usize = ViewId::ALL.iter().map(|v| v.name().len() + 1).sum::<usize>()
        + 14
        + if view.read_only { 12 } else { 0 };
    let names: Vec<ViewId> =
        if all <= area.width as usize { ViewId::ALL.to_vec() } else { vec![view.ui.view] };
    for v in names {
        let style = if v == view.ui.view {
            Style::new().fg(t.key.0).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::new().fg(t.dim.0)
        };
        spans.push(Span::styled(v.name(), style));
        spans.push(Span::raw(" "));
    }
    if let Some(d) = &view.ui.detail {
        spans.push(Span::styled(format!("› {d}"), Style::new().fg(t.text.0)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn footer(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let line = match &view.ui.mode {
        Mode::Command(input) => {
            let hint = ViewId::complete(input)
                .map(|v| v.name()[input.len().min(v.name().len())..].to_string())
                .unwrap_or_default();
            Line::from(vec![
                Span::styled(format!(":{input}"), Style::new().fg(t.text.0)),
                Span::styled(hint, Style::new().fg(t.dim.0)),
                Span::styled("▏", Style::new().fg(t.key.0)),
            ])
        }
        Mode::Filter(input) => Line::from(vec![
            Span::styled(format!("/{input}"), Style::new().fg(t.text.0)),
            Span::styled("▏", Style::new().fg(t.key.0)),
        ]),
        _ => match &view.ui.feedback {
            Some(f) => {
                let (word, color) = match f.state {
                    FeedbackState::Pending => ("…", t.warn.0),
                    FeedbackState::Done => ("✓", t.ok.0),
                    FeedbackState::Error => ("✗", t.error.0),
                };
                Line::from(Span::styled(format!(" {word} {}", f.text), Style::new().fg(color)))
            }
            None => hints(view),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The current view's own keys first, then a few global ones.
fn hints(view: &View) -> Line<'static> {
    let t = view.theme;
    let scope = view.ui.view.scope();
    let mut entries =
        if scope == Scope::Global { Vec::new() } else { view.keymap.help(scope, view.read_only) };
    let global = view.keymap.help(Scope::Global, view.read_only);
    for wanted in ["go to view", "filter", "help", "back", "quit"] {
        entries.extend(global.iter().filter(|(_, d)| *d == wanted).cloned());
    }
    let mut spans = Vec::new();
    for (keys, what) in entries {
        spans.push(Span::styled(
            format!(" {keys} "),
            Style::new().fg(t.key.0).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(format!("{what} "), Style::new().fg(t.dim.0)));
    }
    Line::from(spans)
}

//! The header (the firing alerts' count, the context, the read-only badge, views with the
//! current one marked) and the footer (the input line while typing `:` or `/`, else the last
//! action's feedback, else key hints from the keymap).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::{Action, Scope};
use crate::store::snapshots::{AlertState, Severity};
use crate::ui::style::Roles;
use crate::ui::{FeedbackState, Mode, View, ViewId};

pub fn header(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    // The firing alerts' count keeps its place at the right end; the rest is cut before it.
    let badge = firing_badge(view);
    let badge_width = badge.as_ref().map_or(0, |b| b.width() + 2);
    let [area, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(badge_width as u16)])
            .areas(area);
    if let Some(b) = badge {
        frame.render_widget(Paragraph::new(Line::from(vec![Span::raw(" "), b])), right);
    }
    let mut spans = vec![Span::styled(" cdc-console ", t.title())];
    let context = view.ui.context.as_deref().map_or(0, |c| c.chars().count() + 5);
    if let Some(c) = &view.ui.context {
        spans.push(Span::styled(format!("ctx:{c}"), t.key().bold()));
        spans.push(Span::raw(" "));
    }
    if view.read_only {
        spans.push(Span::styled("[read-only] ", t.warn().bold()));
    }
    // Every view name when they fit, else only the current one (`:` lists them all).
    let all: usize = ViewId::ALL.iter().map(|v| v.name().len() + 1).sum::<usize>()
        + 14
        + context
        + if view.read_only { 12 } else { 0 };
    let names: Vec<ViewId> =
        if all <= area.width as usize { ViewId::ALL.to_vec() } else { vec![view.ui.view] };
    for v in names {
        spans.push(Span::styled(v.name(), t.tab(v == view.ui.view)));
        spans.push(Span::raw(" "));
    }
    if let Some(d) = &view.ui.detail {
        spans.push(Span::styled(format!("› {d}"), t.text()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `▲ 2 firing`, in the error colour when a critical alert fires, else the warning colour;
/// nothing when none fires (pending and resolved ones are the alerts view's business).
fn firing_badge(view: &View) -> Option<Span<'static>> {
    let firing = view.store.alerts.alerts.iter().filter(|a| a.state == AlertState::Firing);
    let (count, worst) =
        firing.fold((0, None), |(n, worst), a| (n + 1, worst.max(Some(a.severity))));
    let style = match worst? {
        Severity::Critical => view.theme.error().bold(),
        Severity::Warning => view.theme.warn().bold(),
        Severity::Info => view.theme.text(),
    };
    Some(Span::styled(format!("▲ {count} firing"), style))
}

pub fn footer(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let line = match &view.ui.mode {
        Mode::Command(input) => {
            let hint = ViewId::complete(input)
                .map(|v| v.name()[input.len().min(v.name().len())..].to_string())
                .unwrap_or_default();
            Line::from(vec![
                Span::styled(format!(":{input}"), t.text()),
                Span::styled(hint, t.dim()),
                Span::styled("▏", t.key()),
            ])
        }
        Mode::Lsn(input) => Line::from(vec![
            Span::styled(
                "set offsets to LSN (0/16B3A20 or an integer), enter checks it: ",
                t.dim(),
            ),
            Span::styled(input.clone(), t.text()),
            Span::styled("▏", t.key()),
        ]),
        Mode::Filter(input) => Line::from(vec![
            Span::styled(format!("/{input}"), t.text()),
            Span::styled("▏", t.key()),
        ]),
        Mode::KeySearch(input) => Line::from(vec![
            Span::styled("key (JSON, empty for the newest): ", t.dim()),
            Span::styled(input.clone(), t.text()),
            Span::styled("▏", t.key()),
        ]),
        _ => match &view.ui.feedback {
            Some(f) => {
                let (word, style) = match f.state {
                    FeedbackState::Pending => ("…", t.warn()),
                    FeedbackState::Done => ("✓", t.ok()),
                    FeedbackState::Error => ("✗", t.error()),
                };
                Line::from(Span::styled(format!(" {word} {}", f.text), style))
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
    // Setting and resetting offsets act on the open offsets pane, whose title names their keys;
    // elsewhere they would only push the global keys off the line (help lists them all). While
    // the pane is open, the snapshot keys make room for them.
    let pane_only = [Action::SetOffsets.describe(), Action::ResetOffsets.describe()];
    let snapshot = [
        Action::SnapshotTables.describe(),
        Action::StopSnapshot.describe(),
        Action::PauseSnapshot.describe(),
        Action::ResumeSnapshot.describe(),
    ];
    let hidden: &[&str] = if view.embedded.offsets.open.is_none() { &pane_only } else { &snapshot };
    entries.retain(|(_, what)| !hidden.contains(what));
    let global = view.keymap.help(Scope::Global, view.read_only);
    for wanted in ["go to view", "filter", "help", "back", "quit"] {
        entries.extend(global.iter().filter(|(_, d)| *d == wanted).cloned());
    }
    let mut spans = Vec::new();
    for (keys, what) in entries {
        spans.push(Span::styled(format!(" {keys} "), t.key().bold()));
        spans.push(Span::styled(format!("{what} "), t.dim()));
    }
    Line::from(spans)
}

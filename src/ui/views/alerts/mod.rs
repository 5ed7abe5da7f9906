//! The alert rules' last evaluation, as Alertmanager lists it: firing (critical in the error
//! colour, warning in the warning colour), then pending, then resolved in the last hour
//! (dimmed). `f` shows all, or only one state; `/` filters; Enter opens an alert's labels and
//! times (detail.rs). Rules that could not be evaluated are boxed below, and the notification
//! receivers below them (receivers.rs).
//!
//! ```text
//! ┌ Alerts · 2 firing · 1 pending · 1 resolved · showing all (f) ───────────────────┐
//! │STATE    SEVERITY RULE           VALUE  SINCE     LABELS            SUMMARY       │
//! │firing   critical connector_fail FAILED for 5m12s connector=orders… orders-cdc …  │
//! │pending  warning  group_lag      42s    for 20s   group=orders-sink lag over 30s  │
//! │resolved warning  broker_down    up     3m01s ago broker=2          broker 2 …    │
//! └──────────────────────────────────────────────────────────────────────────────────┘
//! ┌ Rules that could not be evaluated · 1 ───────────────────────────────────────────┐
//! │✗ slot_wal: no slot `cdc` in the source                                            │
//! └──────────────────────────────────────────────────────────────────────────────────┘
//! ```

mod detail;
mod receivers;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use crate::store::snapshots::{Alert, AlertState, Severity};
use crate::store::{StateFilter, state_word};
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, header, render_selectable};
use crate::ui::{View, age};

/// The summary gets the room the other columns leave, when it is at least this wide.
const MIN_SUMMARY: u16 = 12;
/// Long label sets and rule names are cut to this, with `…`: the detail has them whole.
const MAX_LABELS: usize = 40;
const MAX_RULE: usize = 28;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    if let Some(fingerprint) = &view.ui.detail {
        detail::draw(frame, area, view, fingerprint);
        return;
    }
    let errors = &view.store.alerts.errors;
    let receivers = &view.store.receivers;
    let boxed = |n: usize| {
        let n = if n == 0 { 0 } else { u16::try_from(n).unwrap_or(u16::MAX).saturating_add(2) };
        Constraint::Length(n.min(area.height / 3))
    };
    let [top, middle, bottom] =
        Layout::vertical([Constraint::Fill(1), boxed(errors.len()), boxed(receivers.len())])
            .areas(area);
    list(frame, top, view);
    if !errors.is_empty() {
        draw_errors(frame, middle, view, errors);
    }
    if !receivers.is_empty() {
        receivers::draw(frame, bottom, view, receivers);
    }
}

/// The style of a severity: critical in the error colour, warning in the warning colour.
pub fn severity_style(view: &View, s: Severity) -> Style {
    match s {
        Severity::Critical => view.theme.error(),
        Severity::Warning => view.theme.warn(),
        Severity::Info => view.theme.text(),
    }
}

pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// `group=orders-sink connector=x`: the labels that name the alert's subject, compactly.
pub fn compact_labels(a: &Alert) -> String {
    a.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
}

/// How long it has fired or been pending (`for 5m12s`), or how long ago it resolved.
pub fn since(a: &Alert, now: std::time::SystemTime) -> String {
    match a.state {
        AlertState::Firing => format!("for {}", age(a.fired_at.unwrap_or(a.active_since), now)),
        AlertState::Pending => format!("for {}", age(a.active_since, now)),
        AlertState::Resolved => match a.resolved_at {
            Some(at) => format!("{} ago", age(at, now)),
            None => String::new(),
        },
    }
}

/// `text` cut to `max` characters, the last one `…`.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// "2 firing · 1 pending · 1 resolved · showing all (f)".
fn title(view: &View) -> String {
    let alerts = &view.store.alerts.alerts;
    let count = |s| alerts.iter().filter(|a| a.state == s).count();
    let f = view.keymap.keys_for(crate::action::Scope::Alerts, crate::action::Action::AlertsState);
    let key = f.first().map(|k| format!(" ({k})")).unwrap_or_default();
    format!(
        "Alerts · {} firing · {} pending · {} resolved · showing {}{key}",
        count(AlertState::Firing),
        count(AlertState::Pending),
        count(AlertState::Resolved),
        view.ui.alerts_shown.name()
    )
}

/// What an empty list says, plainly.
fn empty_text(view: &View) -> String {
    if !view.ui.filter.is_empty() {
        return format!("no {} alerts match /{}", view.ui.alerts_shown.name(), view.ui.filter);
    }
    match view.ui.alerts_shown {
        StateFilter::All => "no alerts firing or pending".into(),
        other => format!("no {} alerts", other.name()),
    }
}

fn list(frame: &mut Frame, area: Rect, view: &View) {
    let title = title(view);
    let b = block(&title, view, None);
    let alerts = view.store.alerts_matching(view.ui.alerts_shown, &view.ui.filter);
    if alerts.is_empty() {
        let p = Paragraph::new(Span::styled(format!("({})", empty_text(view)), view.theme.dim()));
        frame.render_widget(p.block(b), area);
        return;
    }
    let inner = b.inner(area);
    frame.render_widget(b, area);
    // Only the rows on screen are built: a flapping fleet can list hundreds.
    let visible = usize::from(inner.height.saturating_sub(1)).max(1);
    let selected = view.ui.selected.min(alerts.len() - 1);
    let first = selected.saturating_sub(visible - 1);
    let shown = &alerts[first..(first + visible).min(alerts.len())];
    let rows = columns(view, shown, inner.width);
    let fit = rows.first().map_or(0, |(cells, _)| cells.len());
    let widths = widths(&rows, fit);
    let head = header(view, HEADERS.iter().take(fit).copied());
    let rows =
        shown.iter().zip(rows).map(|(a, (cells, _))| Row::new(cells).style(row_style(view, a)));
    let table = Table::new(rows, widths).header(head).column_spacing(1);
    render_selectable(frame, inner, view, table, selected - first);
}

const HEADERS: [&str; 7] = ["STATE", "SEVERITY", "RULE", "VALUE", "SINCE", "LABELS", "SUMMARY"];

/// The listed cells, each row with a flag for whether its last column fills (the summary).
/// State, severity, rule, value and since at their widths; the labels get what is left (cut
/// with `…`); the summary fills the rest when it is at least [`MIN_SUMMARY`] wide.
fn columns<'a>(view: &View, alerts: &[&Alert], width: u16) -> Vec<(Vec<Span<'a>>, bool)> {
    let fixed: Vec<[Span; 5]> = alerts.iter().map(|a| cells(view, a)).collect();
    let used: usize = (0..5)
        .map(|i| {
            fixed.iter().map(|r| r[i].width()).chain([HEADERS[i].len()]).max().unwrap_or(0) + 1
        })
        .sum();
    let room = usize::from(width).saturating_sub(used);
    let labels: Vec<String> = alerts.iter().map(|a| compact_labels(a)).collect();
    let label_width = labels.iter().map(|l| l.chars().count()).chain([6]).max().unwrap_or(6);
    let label_width = label_width.min(MAX_LABELS).min(room);
    let summary = room.saturating_sub(label_width + 1) >= usize::from(MIN_SUMMARY);
    fixed
        .into_iter()
        .zip(alerts.iter().zip(labels))
        .map(|(cells, (a, l))| {
            let mut row: Vec<Span> = cells.into_iter().collect();
            if label_width >= 6 {
                row.push(Span::raw(cut(&l, label_width)));
            }
            if summary {
                row.push(Span::raw(a.summary.clone()));
            }
            (row, summary)
        })
        .collect()
}

/// Each column at its widest cell (header included); the summary fills.
fn widths(rows: &[(Vec<Span>, bool)], fit: usize) -> Vec<Constraint> {
    let fills = rows.first().is_some_and(|(_, s)| *s);
    (0..fit)
        .map(|i| {
            if fills && i == fit - 1 {
                return Constraint::Fill(1);
            }
            let w = rows.iter().map(|(r, _)| r[i].width()).chain([HEADERS[i].len()]).max();
            Constraint::Length(u16::try_from(w.unwrap_or(0)).unwrap_or(u16::MAX))
        })
        .collect()
}

/// Firing rows in their severity's colour, pending ones plain, resolved ones dimmed.
fn row_style(view: &View, a: &Alert) -> Style {
    match a.state {
        AlertState::Firing => severity_style(view, a.severity),
        AlertState::Pending => view.theme.text(),
        AlertState::Resolved => view.theme.dim(),
    }
}

/// State, severity, rule, value, since.
fn cells<'a>(view: &View, a: &Alert) -> [Span<'a>; 5] {
    // A pending alert's severity says what it will fire as.
    let severity = match a.state {
        AlertState::Pending => {
            Span::styled(severity_word(a.severity), severity_style(view, a.severity))
        }
        _ => Span::raw(severity_word(a.severity)),
    };
    [
        Span::raw(state_word(a.state)),
        severity,
        Span::raw(cut(&a.rule, MAX_RULE)),
        Span::raw(cut(&a.value, MAX_RULE)),
        Span::raw(since(a, view.now)),
    ]
}

/// The rules the last evaluation could not evaluate, with why.
fn draw_errors(frame: &mut Frame, area: Rect, view: &View, errors: &[String]) {
    let title = format!("Rules that could not be evaluated · {}", errors.len());
    let lines: Vec<Line> = errors
        .iter()
        .map(|e| Line::from(Span::styled(format!("✗ {e}"), view.theme.error())))
        .collect();
    let p = Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(&title, view, None));
    frame.render_widget(p, area);
}

//! The connectors view: every configured Connect cluster's connectors with their state and a
//! summary of their tasks; Enter opens one connector's detail (tasks, the failed task's trace,
//! the masked config).
//!
//! ```text
//! ┌ Connectors (2) ───────────────────────────────────── stale 1m15s ┐
//! │NAME        STATE    TASKS                TYPE    WORKER    CLASS   │  list
//! │orders-cdc  RUNNING  1/1 RUNNING          source  host:8083 …       │
//! └────────────────────────────────────────────────────────────────────┘
//! ┌ Connector orders-cdc ─────────┐   detail (`detail.rs`): summary on top, then two panes
//! ├ Tasks ────────────────────────┤   that Tab (`ui.pane`) focuses: 0 = tasks and the failed
//! ├ Config (masked) ──────────────┤   task's trace, 1 = config. The focused pane is taller.
//! ```
//!
//! `o` opens the offsets pane in place of the config (`offsets.rs`): offsets, the three-way LSN
//! check and the guided change's steps.
//!
//! With a connector opted in to auto-restart, the list has an AUTO-RESTART column after TASKS
//! and the detail a `restart` line (`auto_restart.rs`).
//!
//! Row identities (`store::rows`): the connector name, or `cluster/name` when more than one Connect
//! cluster is configured (so the same name in two clusters stays two rows). In the detail there
//! is one row, the connector shown, so actions apply to it. The `/` filter matches the identity,
//! state, type and class.

mod auto_restart;
mod detail;
mod offsets;
mod snapshot;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::store::Health;
use crate::store::rows::cluster_name;
use crate::store::snapshots::Connector;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, empty_reason, render_fitted, staleness, task_style};
use crate::ui::{View, age};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    match &view.ui.detail {
        Some(d) => detail::draw(frame, area, view, d),
        None => draw_list(frame, area, view),
    }
}

/// "1/1 RUNNING", "0/2 RUNNING · 1 FAILED · 1 PAUSED", "no tasks", styled by the worst state.
fn tasks_summary(view: &View, c: &Connector) -> Span<'static> {
    if c.tasks.is_empty() {
        return Span::styled("no tasks", view.theme.dim());
    }
    let running = c.tasks.iter().filter(|t| t.state == "RUNNING").count();
    let mut text = format!("{running}/{} RUNNING", c.tasks.len());
    let mut others: Vec<(&str, usize)> = Vec::new();
    for t in c.tasks.iter().filter(|t| t.state != "RUNNING") {
        match others.iter_mut().find(|(s, _)| *s == t.state) {
            Some((_, n)) => *n += 1,
            None => others.push((&t.state, 1)),
        }
    }
    others.sort_by_key(|(s, _)| (*s != "FAILED", *s));
    for (s, n) in &others {
        text.push_str(&format!(" · {n} {s}"));
    }
    let worst = others.first().map_or("RUNNING", |(s, _)| *s);
    Span::styled(text, task_style(view, worst))
}

/// The first stale marker among the clusters, named by cluster when there are several.
fn stale_marker(view: &View) -> Option<String> {
    let several = view.store.connect.len() > 1;
    view.store.connect.iter().find_map(|b| {
        staleness(b, view).map(|s| if several { format!("{}: {s}", cluster_name(b)) } else { s })
    })
}

fn draw_list(frame: &mut Frame, area: Rect, view: &View) {
    let items = view.store.connectors_matching(&view.ui.filter);
    let total = view.store.connectors().len();
    let rows: Vec<[Span; 7]> = items
        .iter()
        .map(|i| {
            let c = i.connector;
            let class = c.class.rsplit('.').next().unwrap_or(&c.class).to_string();
            [
                Span::raw(i.id.clone()),
                Span::styled(c.state.clone(), task_style(view, &c.state)),
                tasks_summary(view, c),
                auto_restart::cell(view, c),
                Span::raw(c.kind.clone()),
                Span::styled(c.worker_id.clone(), view.theme.dim()),
                Span::styled(class, view.theme.dim()),
            ]
        })
        .collect();
    let title = if view.ui.filter.is_empty() {
        format!("Connectors ({total})")
    } else {
        format!("Connectors ({}/{total}) /{}", items.len(), view.ui.filter)
    };
    let empty = if !view.ui.filter.is_empty() && total > 0 {
        "nothing matches the filter".to_string()
    } else {
        match view.store.connect.as_slice() {
            [] => "no Connect cluster configured".to_string(),
            [b] => empty_reason(b, "no connectors"),
            bs if bs.iter().all(|b| b.snapshot.is_none() && b.health == Health::Unknown) => {
                "not polled yet".to_string()
            }
            _ => "no connectors".to_string(),
        }
    };
    let b = block(&title, view, stale_marker(view));
    // A cluster that is down says since when and why, above the rows it last reported (or above
    // the other clusters' rows, when it never answered: a 401 from a second cluster).
    let several = view.store.connect.len() > 1;
    let down: Vec<Line> = view
        .store
        .connect
        .iter()
        .filter_map(|b| match (&b.health, &b.snapshot) {
            (Health::Down { since, reason, .. }, snapshot) if several || snapshot.is_some() => {
                Some(Line::from(Span::styled(
                    format!(" {} down {}: {reason}", b.name, age(*since, view.now)),
                    view.theme.error(),
                )))
            }
            _ => None,
        })
        .collect();
    let [note, table] =
        Layout::vertical([Constraint::Length(down.len() as u16), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(down), note);
    // Name, state and tasks always; auto-restart (when any listed connector is opted in), type,
    // worker and class while they fit.
    let selected = Some(view.ui.selected);
    if items.iter().any(|i| i.connector.auto_restart.is_some()) {
        let headers = ["NAME", "STATE", "TASKS", "AUTO-RESTART", "TYPE", "WORKER", "CLASS"];
        render_fitted(frame, table, view, headers, rows, 3, b, &empty, selected);
    } else {
        let headers = ["NAME", "STATE", "TASKS", "TYPE", "WORKER", "CLASS"];
        let rows = rows.into_iter().map(|[n, s, t, _, k, w, c]| [n, s, t, k, w, c]).collect();
        render_fitted(frame, table, view, headers, rows, 3, b, &empty, selected);
    }
}

//! The connectors view: every configured Connect cluster's connectors with their state and a
//! summary of their tasks; Enter opens one connector's detail (tasks, the failed task's trace,
//! the masked config).
//!
//! ```text
//! ┌ Connectors (2) ───────────────────────────────────── stale 1m15s ┐
//! │NAME        STATE    TASKS                TYPE    WORKER    CLASS   │  list
//! │orders-cdc  RUNNING  1/1 RUNNING          source  host:8083 …       │
//! └────────────────────────────────────────────────────────────────────┘
//! ┌ Connector orders-cdc ─────────┐   detail: summary on top, then two panes that Tab
//! ├ Tasks ────────────────────────┤   (`ui.pane`) focuses: 0 = tasks and the failed task's
//! ├ Config (masked) ──────────────┤   trace, 1 = config. The focused pane is taller.
//! ```
//!
//! Row identities (`store::rows`): the connector name, or `cluster/name` when more than one Connect
//! cluster is configured (so the same name in two clusters stays two rows). In the detail there
//! is one row, the connector shown, so actions apply to it. The `/` filter matches the identity,
//! state, type and class.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::store::Health;
use crate::store::rows::cluster_name;
use crate::store::snapshots::Connector;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, empty_reason, render_fitted, staleness, task_style};
use crate::ui::{View, age};

/// How many lines of a failed task's trace the detail shows.
const TRACE_LINES: usize = 12;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    match &view.ui.detail {
        Some(d) => draw_detail(frame, area, view, d),
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
    let rows: Vec<[Span; 6]> = items
        .iter()
        .map(|i| {
            let c = i.connector;
            let class = c.class.rsplit('.').next().unwrap_or(&c.class).to_string();
            [
                Span::raw(i.id.clone()),
                Span::styled(c.state.clone(), task_style(view, &c.state)),
                tasks_summary(view, c),
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
    // Name, state and tasks always; type, worker and class while they fit.
    let headers = ["NAME", "STATE", "TASKS", "TYPE", "WORKER", "CLASS"];
    let b = block(&title, view, stale_marker(view));
    // A cluster that is down says since when and why, above the rows it last reported.
    let down: Vec<Line> = view
        .store
        .connect
        .iter()
        .filter_map(|b| match (&b.health, &b.snapshot) {
            (Health::Down { since, reason, .. }, Some(_)) => Some(Line::from(Span::styled(
                format!(" {} down {}: {reason}", b.name, age(*since, view.now)),
                view.theme.error(),
            ))),
            _ => None,
        })
        .collect();
    let [note, table] =
        Layout::vertical([Constraint::Length(down.len() as u16), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(down), note);
    render_fitted(frame, table, view, headers, rows, 3, b, &empty, Some(view.ui.selected));
}

#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
fn draw_detail(frame: &mut Frame, area: Rect, view: &View, id: &str) {
    let t = view.theme;
    let items = view.store.connectors();
    let Some(item) = items.iter().find(|i| i.id == id) else {
        let msg = format!("connector `{id}` is not in the last snapshot (esc goes back)");
        let p = Paragraph::new(Span::styled(msg, t.dim())).block(block(
            "Connector",
            view,
            stale_marker(view),
        ));
        frame.render_widget(p, area);
        return;
    };
    let c = item.connector;
    let dim = t.dim();
    let label = |s: &'static str| Span::styled(format!("{s:<8}"), dim);

    // Summary.
    let mut summary = vec![
        Line::from(vec![
            label("state"),
            Span::styled(c.state.clone(), task_style(view, &c.state).bold()),
            Span::raw("  "),
            tasks_summary(view, c),
        ]),
        Line::from(vec![
            label("type"),
            Span::raw(format!("{}  ", c.kind)),
            Span::styled(c.class.clone(), dim),
        ]),
        Line::from(vec![
            label("worker"),
            Span::raw(c.worker_id.clone()),
            Span::styled(format!("  cluster {}", cluster_name(item.backend)), dim),
        ]),
    ];
    let topics = c
        .config
        .get("topics")
        .or(c.config.get("topics.regex"))
        .cloned()
        .or_else(|| c.config.get("topic.prefix").map(|p| format!("{p}.* (topic.prefix)")));
    summary.push(Line::from(vec![
        label("topics"),
        Span::raw(topics.unwrap_or_else(|| "unknown".into())),
    ]));
    if let Health::Down { since, reason, .. } = &item.backend.health {
        summary.push(Line::from(Span::styled(
            format!("Connect down {}: {reason}", age(*since, view.now)),
            t.error(),
        )));
    }
    let title = format!("Connector {}", c.name);
    let summary_h = summary.len() as u16 + 2;

    let focus = view.ui.pane % 2;
    let (tasks_c, config_c) = if focus == 0 {
        (Constraint::Fill(3), Constraint::Fill(2))
    } else {
        (Constraint::Fill(2), Constraint::Fill(3))
    };
    let [top, tasks_area, config_area] =
        Layout::vertical([Constraint::Length(summary_h), tasks_c, config_c]).areas(area);
    frame.render_widget(
        Paragraph::new(summary).block(block(&title, view, staleness(item.backend, view))),
        top,
    );

    // Tasks, then the trace of the first failed task (or of the connector itself).
    let mut lines: Vec<Line> = c
        .tasks
        .iter()
        .map(|task| {
            Line::from(vec![
                Span::styled(format!("task {:<3}", task.id), t.text()),
                Span::styled(format!("{:<11}", task.state), task_style(view, &task.state)),
                Span::styled(task.worker_id.clone(), dim),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("(no tasks)", dim)));
    }
    let failed = c
        .tasks
        .iter()
        .find(|task| task.state == "FAILED" && task.trace.is_some())
        .map(|task| (format!("task {} trace", task.id), task.trace.as_deref().unwrap_or_default()))
        .or_else(|| c.trace.as_deref().map(|tr| ("connector trace".to_string(), tr)));
    if let Some((what, trace)) = failed {
        lines.push(Line::from(Span::styled(what, t.error().bold())));
        // Hard-wrapped at the pane's width: a stack frame is one long word.
        let width = tasks_area.width.saturating_sub(2).max(10) as usize;
        // The first line, then the causes (the root cause is what a reader wants on a small
        // screen), then the stack frames in their order.
        let mut all_lines: Vec<&str> = trace.lines().take(1).collect();
        all_lines.extend(trace.lines().skip(1).filter(|l| l.starts_with("Caused by")));
        all_lines.extend(trace.lines().skip(1).filter(|l| !l.starts_with("Caused by")));
        for l in all_lines.iter().take(TRACE_LINES) {
            let chars: Vec<char> = l.replace('\t', "  ").chars().collect();
            for chunk in chars.chunks(width) {
                lines.push(Line::from(Span::styled(chunk.iter().collect::<String>(), t.error())));
            }
        }
        if all_lines.len() > TRACE_LINES {
            lines.push(Line::from(Span::styled(
                format!("… {} more lines", all_lines.len() - TRACE_LINES),
                dim,
            )));
        }
    }
    let tasks_block = pane_block(view, "Tasks", focus == 0);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(tasks_block),
        tasks_area,
    );

    // Config, masked by the collector, sorted by key (a BTreeMap).
    let key_w = c.config.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    let mut config: Vec<Line> = c
        .config
        .iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:<key_w$}"), t.key()),
                Span::styled(" = ", dim),
                Span::raw(v.clone()),
            ])
        })
        .collect();
    if config.is_empty() {
        config.push(Line::from(Span::styled("(no config)", dim)));
    }
    let config_block = pane_block(view, "Config (masked)", focus == 1);
    frame.render_widget(
        Paragraph::new(config).wrap(Wrap { trim: false }).block(config_block),
        config_area,
    );
}

/// A pane's block; the focused one says so and has its border in the highlight role.
fn pane_block<'a>(view: &View, title: &'a str, focused: bool) -> ratatui::widgets::Block<'a> {
    let b = block(title, view, None);
    if focused {
        b.border_style(view.theme.border(true))
            .title(Line::from(Span::styled(" tab ⇄ ", view.theme.dim())).right_aligned())
    } else {
        b
    }
}

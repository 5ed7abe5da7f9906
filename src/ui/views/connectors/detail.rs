//! One connector in full: a summary on top (state, tasks, type, worker, topics, auto-restart),
//! then two panes Tab switches between (`ui.pane`): 0 the tasks and the failed task's trace,
//! 1 the masked config. The focused pane is the taller one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{auto_restart, snapshot};
use crate::store::Health;
use crate::store::rows::cluster_name;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, staleness, task_style};
use crate::ui::{View, age};

/// How many lines of a failed task's trace the detail shows.
const TRACE_LINES: usize = 12;

#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &View, id: &str) {
    let t = view.theme;
    let items = view.store.connectors();
    let Some(item) = items.iter().find(|i| i.id == id) else {
        let msg = format!("connector `{id}` is not in the last snapshot (esc goes back)");
        let p = Paragraph::new(Span::styled(msg, t.dim())).block(block(
            "Connector",
            view,
            super::stale_marker(view),
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
            super::tasks_summary(view, c),
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
    summary.extend(auto_restart::detail(view, c));
    summary.extend(snapshot::detail(view, view.store.snapshot_of(item)));
    if let Health::Down { since, reason, .. } = &item.backend.health {
        summary.push(Line::from(Span::styled(
            format!("Connect down {}: {reason}", age(*since, view.now)),
            t.error(),
        )));
    }
    let title = format!("Connector {}", c.name);
    let summary_h = summary.len() as u16 + 2;

    let offsets_open = view.embedded.offsets.open.as_deref() == Some(id);
    let focus = if offsets_open { 1 } else { view.ui.pane % 2 };
    let (tasks_c, config_c) = if offsets_open {
        (Constraint::Fill(1), Constraint::Fill(3))
    } else if focus == 0 {
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

    if offsets_open {
        super::offsets::draw(frame, config_area, view);
        return;
    }
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

//! Latency per stage of the pipeline, measured on the change topics over a sliding window:
//! percentiles as a table, and p50/p99 as horizontal bars on one scale.
//!
//! ```text
//! ┌ Latency · last 60s ──────────────────────────────────────────────┐
//! │STAGE                    COUNT  P50  P90  P99 P99.9  MAX (ms)      │
//! │source commit → console   1840   60  110  230   400  512           │
//! └───────────────────────────────────────────────────────────────────┘
//! ┌ p50 / p99 (ms) ───────────────────────────────────────────────────┐
//! │source commit → console p50 ███▌                              60   │
//! │                        p99 ██████████████                    230  │
//! └───────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::store::Health;
use crate::store::snapshots::{LatencySnapshot, StageLatency};
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, header, staleness};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let b = &view.store.latency;
    let stale = staleness(b, view);
    let dim = view.theme.dim();
    let Some(snap) = &b.snapshot else {
        let msg = match &b.health {
            Health::Down { reason, .. } => format!("(latency sampler down: {reason})"),
            _ => "(latency not sampled yet: it reads the change topics for one refresh interval)"
                .into(),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(msg, dim)).block(block("Latency", view, stale)),
            area,
        );
        return;
    };
    let title = format!("Latency · last {}s", snap.window_seconds);
    let [table, chart] =
        Layout::vertical([Constraint::Length(snap.stages.len() as u16 + 4), Constraint::Fill(1)])
            .areas(area);
    draw_table(frame, table, view, snap, block(&title, view, stale.clone()));
    draw_chart(frame, chart, view, snap, block("p50 / p99 (ms)", view, stale));
}

fn draw_table(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    snap: &LatencySnapshot,
    b: ratatui::widgets::Block,
) {
    let dim = view.theme.dim();
    let label_w =
        snap.stages.iter().map(|s| s.stage.label().chars().count()).max().unwrap_or(5).max(5)
            as u16;
    let num =
        |v: u64, c: &StageLatency| if c.ms.count == 0 { "-".to_string() } else { v.to_string() };
    let rows: Vec<Row> = snap
        .stages
        .iter()
        .map(|s| {
            Row::new(vec![
                Line::from(s.stage.label()),
                Line::from(s.ms.count.to_string()).alignment(Alignment::Right),
                Line::from(num(s.ms.p50, s)).alignment(Alignment::Right),
                Line::from(num(s.ms.p90, s)).alignment(Alignment::Right),
                Line::from(num(s.ms.p99, s)).alignment(Alignment::Right),
                Line::from(num(s.ms.p999, s)).alignment(Alignment::Right),
                Line::from(num(s.ms.max, s)).alignment(Alignment::Right),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(label_w),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    let h =
        header(view, ["STAGE (ms)", " COUNT", "   P50", "   P90", "   P99", " P99.9", "   MAX"]);
    let [t, foot] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(b.inner(area));
    frame.render_widget(b, area);
    frame.render_widget(Table::new(rows, widths).header(h), t);
    let topics = if snap.topics.is_empty() {
        "no change topics assigned".to_string()
    } else {
        snap.topics.join(", ")
    };
    let mut spans = vec![Span::styled(format!("{} events", snap.events), dim)];
    if snap.undecodable > 0 {
        spans.push(Span::styled(format!(", {} undecodable", snap.undecodable), view.theme.warn()));
    }
    spans.push(Span::styled(format!(" · {topics}"), dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), foot);
}

/// Two bars per stage (p50, p99) on one linear scale: the widest p99 fills the width.
fn draw_chart(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    snap: &LatencySnapshot,
    b: ratatui::widgets::Block,
) {
    let t = view.theme;
    let dim = t.dim();
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if snap.stages.iter().all(|s| s.ms.count == 0) {
        let msg =
            format!("(no change events in the last {}s: nothing to measure)", snap.window_seconds);
        frame.render_widget(Paragraph::new(Span::styled(msg, dim)), inner);
        return;
    }
    let label_w = snap.stages.iter().map(|s| s.stage.label().chars().count()).max().unwrap_or(0);
    let max = snap.stages.iter().map(|s| s.ms.p99).max().unwrap_or(0).max(1);
    let value_w = max.to_string().len() + 3;
    let bar_w = (inner.width as usize).saturating_sub(label_w + 5 + value_w + 1).max(1);
    let mut lines = Vec::new();
    for s in &snap.stages {
        for (i, (name, v, style)) in
            [("p50", s.ms.p50, t.ok()), ("p99", s.ms.p99, t.warn())].into_iter().enumerate()
        {
            let label = if i == 0 { s.stage.label() } else { "" };
            let eighths = (u128::from(v) * bar_w as u128 * 8 / u128::from(max)) as usize;
            let bar = bar(eighths);
            let pad = bar_w.saturating_sub(bar.chars().count());
            lines.push(Line::from(vec![
                Span::styled(format!("{label:<label_w$} "), t.text()),
                Span::styled(format!("{name} "), dim),
                Span::styled(bar, style),
                Span::raw(" ".repeat(pad)),
                Span::styled(
                    if s.ms.count == 0 { " -".to_string() } else { format!(" {v}ms") },
                    t.text(),
                ),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A horizontal bar `eighths`/8 cells long.
fn bar(eighths: usize) -> String {
    const PART: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    format!("{}{}", "█".repeat(eighths / 8), PART[eighths % 8])
}

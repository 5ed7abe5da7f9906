//! The embedded load generator: running or stopped, target and achieved rate, the mix of
//! inserts, updates and deletes, counts, and why the last run failed. Keys are in the footer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::store::Health;
use crate::ui::style::Roles;
use crate::ui::widgets::common::block;
use crate::ui::{View, age};

#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let g = &view.embedded.generator;
    let (dim, text) = (t.dim(), t.text());
    let label = |s: &str| Span::styled(format!("{s:<11}"), dim);
    let mut lines = Vec::new();

    let state = match (&g.error, g.running) {
        _ if g.retrying.is_some() => super::replication::retrying(view, g.retrying.as_ref()),
        (_, true) => Span::styled("● running", t.ok().bold()),
        (Some(_), false) => Span::styled("● stopped (failed)", t.error().bold()),
        (None, false) => Span::styled("○ stopped", t.dim().bold()),
    };
    lines.push(Line::from(vec![label("state"), state]));
    lines.push(Line::from(vec![
        label("writes to"),
        Span::styled(view.store.source.endpoint.clone(), text),
    ]));
    match &view.store.source.health {
        Health::Down { since, reason, .. } => lines.push(Line::from(vec![
            label(""),
            Span::styled(
                format!(
                    "source down {}: {}",
                    age(*since, view.now),
                    reason
                        .strip_prefix(&format!("{}: ", view.store.source.endpoint))
                        .unwrap_or(reason)
                ),
                t.error(),
            ),
        ])),
        Health::Unknown => lines
            .push(Line::from(vec![label(""), Span::styled("source not polled yet", t.unknown())])),
        Health::Up { .. } => {}
    }
    lines.push(Line::raw(""));

    // Achieved against target: a bar of 30 cells, green at 90% and above.
    let ratio = if g.target_rate == 0 { 0.0 } else { g.achieved_rate / f64::from(g.target_rate) };
    let rate_style = match (g.running, ratio) {
        (false, _) => t.dim(),
        (true, r) if r >= 0.9 => t.ok(),
        _ => t.warn(),
    };
    lines.push(Line::from(vec![
        label("target"),
        Span::styled(format!("{} changes/s", g.target_rate), text),
    ]));
    let filled = ((ratio.clamp(0.0, 1.0)) * 30.0).round() as usize;
    lines.push(Line::from(vec![
        label("achieved"),
        Span::styled(format!("{:.1} changes/s", g.achieved_rate), rate_style),
        Span::styled(format!("  {:>3.0}% ", ratio * 100.0), dim),
        Span::styled("█".repeat(filled), rate_style),
        Span::styled("░".repeat(30 - filled), dim),
    ]));
    lines.push(Line::raw(""));

    let m = g.mix;
    let sum = f64::from((m.insert + m.update + m.delete).max(1));
    let pct = |w: u32| format!("{:.0}%", f64::from(w) * 100.0 / sum);
    lines.push(Line::from(vec![
        label("mix"),
        Span::styled(format!("insert {} ({})", m.insert, pct(m.insert)), text),
        Span::styled("  ·  ", dim),
        Span::styled(format!("update {} ({})", m.update, pct(m.update)), text),
        Span::styled("  ·  ", dim),
        Span::styled(format!("delete {} ({})", m.delete, pct(m.delete)), text),
    ]));
    let total = g.inserts + g.updates + g.deletes;
    lines.push(Line::from(vec![
        label("written"),
        Span::styled(
            format!(
                "{} inserts  {} updates  {} deletes  = {total} changes",
                g.inserts, g.updates, g.deletes
            ),
            text,
        ),
    ]));
    if total == 0 && !g.running {
        lines.push(Line::from(vec![
            label(""),
            Span::styled("nothing written yet in this session", dim),
        ]));
    }
    if let Some(e) = &g.error {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![label("last error"), Span::styled(e.clone(), t.error())]));
    }
    if view.read_only {
        lines.push(Line::raw(""));
        lines.push(Line::styled("read-only: the generator cannot be started or changed", t.warn()));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block("Generator", view, None)),
        area,
    );
}

//! Consumer groups: one row per group with its lag, Burrow verdict, catch-up ETA and a sparkline
//! of its lag history; Enter drills into a group's partitions, as `kafka-consumer-groups
//! --describe` prints them.
//!
//! ```text
//! ┌ Consumer groups ─────────────────────────────────────────── stale 45s ┐
//! │ GROUP           STATE  MEMBERS LAG  MAX LAG LAG S VERDICT ETA HISTORY │
//! │ cdc-replicator  Stable       1 500      450 12s   WARN    42s ▇▇▆▆▅▅▄ │
//! └───────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::store::Health;
use crate::store::snapshots::{Estimate, Group, LagSeconds, PartitionLag};
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{
    block, column_width, fitting_columns, header, render_selectable, render_table, secs, spark,
    staleness, verdict_style,
};

const HISTORY: usize = 12;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    match &view.ui.detail {
        Some(name) => draw_detail(frame, area, view, name),
        None => draw_list(frame, area, view),
    }
}

/// Why there is nothing to show: not polled yet, unreachable, or nothing there.
fn nothing(view: &View, what: &str) -> String {
    match (&view.store.groups.health, &view.store.groups.snapshot) {
        (Health::Unknown, _) => "consumer groups not polled yet".into(),
        (Health::Down { reason, .. }, None) => format!("consumer groups unreachable: {reason}"),
        _ if !view.ui.filter.is_empty() => format!("no {what} match /{}", view.ui.filter),
        _ => format!("no {what}"),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

fn lag_seconds(l: Option<LagSeconds>) -> String {
    match l {
        None => "-".into(),
        Some(LagSeconds { seconds, estimate: Estimate::AtLeast }) => {
            format!("≥{}", secs(Some(seconds)))
        }
        Some(l) => secs(Some(l.seconds)),
    }
}

fn title(view: &View) -> String {
    if view.ui.filter.is_empty() {
        "Consumer groups".into()
    } else {
        format!("Consumer groups /{}", view.ui.filter)
    }
}

fn draw_list(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let groups = view.store.groups_matching(&view.ui.filter);
    let rows: Vec<[Span; 9]> = groups
        .iter()
        .map(|g| {
            let state_style = match g.state.as_str() {
                _ if g.consumed_by.is_some() && g.members.is_empty() => t.ok(),
                "Stable" => t.ok(),
                "Dead" => t.error(),
                "Empty" | "PreparingRebalance" | "CompletingRebalance" => t.warn(),
                _ => t.unknown(),
            };
            let verdict = if let Some(e) = &g.error {
                Span::styled(e.clone(), t.error())
            } else {
                Span::styled(g.verdict.as_str(), verdict_style(view, g.verdict))
            };
            [
                Span::raw(g.name.clone()),
                Span::styled(g.state_word(), state_style),
                Span::raw(g.members.len().to_string()),
                Span::raw(opt(g.total_lag)),
                Span::raw(opt(g.max_lag)),
                Span::raw(secs(g.max_lag_seconds)),
                verdict,
                Span::raw(eta(g)),
                Span::styled(spark(&g.lag_history, HISTORY), verdict_style(view, g.verdict)),
            ]
        })
        .collect();
    let headers =
        ["GROUP", "STATE", "MEMBERS", "LAG", "MAX LAG", "LAG S", "VERDICT", "ETA", "HISTORY"];
    let stale = staleness(&view.store.groups, view);
    let title = title(view);
    let b = block(&title, view, stale);
    if rows.is_empty() {
        render_table(
            frame,
            area,
            view,
            Vec::new(),
            &[],
            header(view, headers),
            b,
            &nothing(view, "consumer groups"),
        );
        return;
    }
    let shown_cols = fitting_columns(&headers, &rows, area.width.saturating_sub(2), 7);
    let widths: Vec<Constraint> =
        (0..shown_cols).map(|i| column_width(&headers, &rows, i)).collect();
    let rows: Vec<Row> =
        rows.into_iter().map(|r| Row::new(r.into_iter().take(shown_cols))).collect();
    let table = Table::new(rows, widths)
        .header(header(view, headers.into_iter().take(shown_cols)))
        .block(b);
    render_selectable(frame, area, view, table, view.ui.selected.min(groups.len() - 1));
}

/// "caught up" when keeping up (a steady small lag consumed as produced), "42s" to catch up,
/// "never" when it is falling behind, "-" when unknown.
fn eta(g: &Group) -> String {
    match (g.eta_seconds, g.total_lag, g.rates) {
        _ if g.caught_up => "caught up".into(),
        (Some(s), _, _) => secs(Some(s)),
        (None, Some(lag), Some(r)) if lag > 0 && r.consume_per_s <= r.produce_per_s => {
            "never".into()
        }
        _ => "-".into(),
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
fn draw_detail(frame: &mut Frame, area: Rect, view: &View, name: &str) {
    let t = view.theme;
    let stale = staleness(&view.store.groups, view);
    let Some(g) = view.store.group(name) else {
        let msg = match &view.store.groups.snapshot {
            Some(_) => format!("group {name} not found (deleted?)"),
            None => nothing(view, "consumer groups"),
        };
        let p = Paragraph::new(Span::styled(msg, t.dim()));
        frame.render_widget(p.block(block(name, view, stale)), area);
        return;
    };
    let [summary, table] = Layout::vertical([
        Constraint::Length(
            5 + u16::from(g.reason.is_some())
                + u16::from(g.consumed_by.is_some() && g.members.is_empty()),
        ),
        Constraint::Fill(1),
    ])
    .areas(area);
    let dim = t.dim();
    let text = t.text();
    let first = vec![
        Span::styled("state ", dim),
        Span::styled(g.state_word(), text),
        Span::styled("  members ", dim),
        Span::styled(g.members.len().to_string(), text),
        Span::styled("  lag ", dim),
        Span::styled(opt(g.total_lag), text),
        Span::styled("  max ", dim),
        Span::styled(format!("{} ({})", opt(g.max_lag), secs(g.max_lag_seconds)), text),
        Span::styled("  verdict ", dim),
        Span::styled(g.verdict.as_str(), verdict_style(view, g.verdict)),
        Span::styled("  ETA ", dim),
        Span::styled(eta(g), text),
    ];
    let mut second = vec![Span::styled("lag history ", dim)];
    let width = summary.width.saturating_sub(40) as usize;
    if g.lag_history.is_empty() {
        second.push(Span::styled("(none yet)", dim));
    } else {
        second.push(Span::styled(
            spark(&g.lag_history, width.max(8)),
            verdict_style(view, g.verdict),
        ));
        let tail = &g.lag_history[g.lag_history.len().saturating_sub(width.max(8))..];
        second.push(Span::styled(format!(" {} → {}", tail[0], tail[tail.len() - 1]), dim));
    }
    let mut third = Vec::new();
    if let Some(r) = g.rates {
        third.push(Span::styled(
            format!("produced {:.1}/s consumed {:.1}/s  ", r.produce_per_s, r.consume_per_s),
            dim,
        ));
    }
    if let Some(w) = &g.worst {
        third.push(Span::styled(
            format!("worst {}[{}] {}  ", w.topic, w.partition, w.verdict),
            verdict_style(view, w.verdict),
        ));
    }
    if let Some(e) = &g.error {
        third.push(Span::styled(e.clone(), t.error()));
    }
    let mut lines = vec![Line::from(first), Line::from(second), Line::from(third)];
    if let Some(stage) = g.consumed_by.as_ref().filter(|_| g.members.is_empty()) {
        lines.push(Line::from(Span::styled(
            format!(
                "consumed by the console's {stage}: it assigns its partitions itself, so the broker lists no members"
            ),
            dim,
        )));
    }
    if let Some(r) = &g.reason {
        lines.push(Line::from(Span::styled(format!("data lost: {r}"), t.error())));
    }
    let title = format!("group {}", g.name);
    frame.render_widget(Paragraph::new(lines).block(block(&title, view, stale.clone())), summary);

    // Only the rows that fit, around the selection: a group of thousands of partitions costs
    // one screenful per frame, not thousands of formatted rows.
    let visible = table.height.saturating_sub(3).max(1) as usize;
    let selected = view.ui.selected.min(g.partitions.len().saturating_sub(1));
    let start = selected.saturating_sub(visible - 1);
    let rows: Vec<[Span; 10]> =
        g.partitions.iter().skip(start).take(visible).map(|p| partition_row(view, p)).collect();
    let headers = [
        "TOPIC", "PART", "CURRENT", "LOG-END", "LAG", "LAG S", "VERDICT", "CONSUMER", "HOST",
        "CLIENT",
    ];
    let shown_cols = fitting_columns(&headers, &rows, table.width.saturating_sub(2), 7);
    let widths: Vec<Constraint> =
        (0..shown_cols).map(|i| column_width(&headers, &rows, i)).collect();
    let rows: Vec<Row> =
        rows.into_iter().map(|r| Row::new(r.into_iter().take(shown_cols))).collect();
    let h = header(view, headers.into_iter().take(shown_cols));
    let title =
        format!("Partitions {}/{}", (selected + 1).min(g.partitions.len()), g.partitions.len());
    if rows.is_empty() {
        render_table(
            frame,
            table,
            view,
            rows,
            &widths,
            h,
            block(&title, view, stale),
            "no committed offsets: the group consumes nothing",
        );
    } else {
        let t =
            ratatui::widgets::Table::new(rows, widths).header(h).block(block(&title, view, stale));
        render_selectable(frame, table, view, t, selected - start);
    }
}

fn partition_row<'a>(view: &View, p: &'a PartitionLag) -> [Span<'a>; 10] {
    let dim = view.theme.dim();
    let verdict = match (&p.error, &p.reason) {
        (Some(e), _) => Span::styled(e.clone(), view.theme.error()),
        // The reason in words is the summary's; the row says which kind, briefly.
        (None, Some(_)) => {
            let kind = p.lost.map_or_else(|| "beyond log end".to_string(), |n| format!("{n} lost"));
            Span::styled(format!("{} {kind}", p.verdict), view.theme.error())
        }
        (None, None) => Span::styled(p.verdict.as_str(), verdict_style(view, p.verdict)),
    };
    let or_dash = |s: &Option<String>| match s {
        Some(s) => Span::raw(s.clone()),
        None => Span::styled("-", dim),
    };
    [
        Span::raw(p.topic.clone()),
        Span::raw(p.partition.to_string()),
        Span::raw(opt(p.current_offset)),
        Span::raw(opt(p.log_end_offset)),
        Span::raw(opt(p.lag)),
        Span::raw(lag_seconds(p.lag_seconds)),
        verdict,
        or_dash(&p.consumer_id),
        or_dash(&p.host),
        or_dash(&p.client_id),
    ]
}

//! The topics view: one row per topic with its partitions, under-replicated (URP) and offline
//! counts, rate and log end; Enter drills into a topic (`ui.detail`) to its partitions.
//! Partitions below min.insync.replicas are errors, not warnings like URP: they refuse every
//! acks=all write, so the topic is red and its PROBLEM (a partition's ERROR) says so.
//!
//! ```text
//! ┌ Topics (2, 1 internal hidden) ────────────────────────────── stale 12s ┐
//! │TOPIC                        PART URP OFFLINE MSG/S LOG END  PROBLEM    │
//! └────────────────────────────────────────────────────────────────────────┘
//! ┌ Topic orders ─────┐  detail: a summary line, then
//! │PARTITION LEADER FLAGS REPLICAS ISR LOG START LOG END ERROR │
//! ```
//!
//! Internal topics (`__consumer_offsets`, Connect's `_connect-*`) are hidden while the `/` filter
//! is empty, and shown when a non-empty filter matches them: they are bookkeeping, looked at
//! only on purpose. The filter matches the topic name. Row identities (`store::rows`): topic names in
//! the list, partition ids in the detail (the filter does not apply there).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::store::Health;
use crate::store::snapshots::Topic;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, empty_reason, render_fitted, staleness};
use crate::ui::{View, age};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    match &view.ui.detail {
        Some(d) => draw_detail(frame, area, view, d),
        None => draw_list(frame, area, view),
    }
}

fn log_end_sum(t: &Topic) -> Option<i64> {
    let ends: Vec<i64> = t.partition_details.iter().filter_map(|p| p.log_end_offset).collect();
    (!ends.is_empty()).then(|| ends.iter().sum())
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |r| format!("{r:.1}"))
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// A topic's PROBLEM: its error, else how many of its partitions refuse writes.
fn problem(t: &Topic) -> String {
    match (&t.error, t.below_min_isr(), t.min_insync_replicas) {
        (Some(e), _, _) => e.clone(),
        (None, n, Some(min)) if n > 0 => {
            format!("{n} partition(s) below min.insync.replicas={min}: writes refused")
        }
        _ => String::new(),
    }
}

fn draw_list(frame: &mut Frame, area: Rect, view: &View) {
    let th = view.theme;
    let k = &view.store.kafka;
    let topics = view.store.topics_matching(&view.ui.filter);
    let count = |n: usize, bad: Style| {
        if n == 0 { Span::styled("0", th.dim()) } else { Span::styled(n.to_string(), bad.bold()) }
    };
    let rows: Vec<[Span; 7]> = topics
        .iter()
        .map(|t| {
            let name_style = match (
                t.error.is_some() || t.offline() > 0 || t.below_min_isr() > 0,
                t.under_replicated() > 0,
                t.internal,
            ) {
                (true, _, _) => th.error(),
                (_, true, _) => th.warn(),
                (_, _, true) => th.dim(),
                _ => th.text(),
            };
            [
                Span::styled(t.name.clone(), name_style),
                Span::raw(t.partitions.to_string()),
                count(t.under_replicated(), th.warn()),
                count(t.offline(), th.error()),
                Span::raw(rate(t.messages_per_sec)),
                Span::raw(opt(log_end_sum(t))),
                Span::styled(problem(t), th.error()),
            ]
        })
        .collect();
    let all_topics = view.store.topics();
    let hidden = if view.ui.filter.is_empty() {
        all_topics.iter().filter(|t| t.internal).count()
    } else {
        0
    };
    let hidden = if hidden > 0 { format!(", {hidden} internal hidden") } else { String::new() };
    let title = if view.ui.filter.is_empty() {
        format!("Topics ({}{hidden})", topics.len())
    } else {
        format!("Topics ({}/{}) /{}", topics.len(), all_topics.len(), view.ui.filter)
    };
    let empty = if all_topics.is_empty() {
        empty_reason(k, "no topics")
    } else {
        "nothing matches the filter".to_string()
    };
    // Name, partitions, URP and offline always; rate, log end and problem while they fit.
    let headers = ["TOPIC", "PART", "URP", "OFFLINE", "MSG/S", "LOG END", "PROBLEM"];
    let stale = staleness(k, view);
    match (&k.health, &k.snapshot) {
        (Health::Down { since, reason, .. }, Some(_)) => {
            let [note, table] =
                Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
            let msg = format!(" Kafka down {}: {}", age(*since, view.now), k.cause(reason));
            frame.render_widget(Paragraph::new(Span::styled(msg, th.error())), note);
            render_fitted(
                frame,
                table,
                view,
                headers,
                rows,
                4,
                block(&title, view, stale),
                &empty,
                Some(view.ui.selected),
            );
        }
        _ => render_fitted(
            frame,
            area,
            view,
            headers,
            rows,
            4,
            block(&title, view, stale),
            &empty,
            Some(view.ui.selected),
        ),
    }
}

fn ids(v: &[i32]) -> String {
    v.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(",")
}

#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
fn draw_detail(frame: &mut Frame, area: Rect, view: &View, name: &str) {
    let th = view.theme;
    let k = &view.store.kafka;
    let dim = th.dim();
    let stale = staleness(k, view);
    let Some(topic) = view.store.topic(name) else {
        let msg = format!("topic `{name}` is not in the last snapshot (esc goes back)");
        frame.render_widget(
            Paragraph::new(Span::styled(msg, dim)).block(block("Topic", view, stale)),
            area,
        );
        return;
    };
    let (urp, offline, below) = (topic.under_replicated(), topic.offline(), topic.below_min_isr());
    let count = |n: usize, bad| if n == 0 { th.ok() } else { bad };
    let mut summary = vec![
        Span::styled("partitions ", dim),
        Span::raw(topic.partitions.to_string()),
        Span::styled("  URP ", dim),
        Span::styled(urp.to_string(), count(urp, th.warn())),
        Span::styled("  offline ", dim),
        Span::styled(offline.to_string(), count(offline, th.error())),
    ];
    // While min.insync.replicas is known (a count of 0 would claim more otherwise), e.g.
    // "min ISR 2 (1 below)": short enough for 80 columns.
    if let Some(min) = topic.min_insync_replicas {
        summary.extend([
            Span::styled("  min ISR ", dim),
            Span::raw(min.to_string()),
            Span::styled(" (", dim),
            Span::styled(format!("{below} below"), count(below, th.error())),
            Span::styled(")", dim),
        ]);
    }
    summary.extend([
        Span::styled("  msg/s ", dim),
        Span::raw(rate(topic.messages_per_sec)),
        Span::styled("  log end ", dim),
        Span::raw(opt(log_end_sum(topic))),
    ]);
    if topic.internal {
        summary.push(Span::styled("  internal", dim));
    }
    let mut lines = vec![Line::from(summary)];
    if let Some(e) = &topic.error {
        lines.push(Line::from(Span::styled(e.clone(), th.error())));
    }
    let [top, table] =
        Layout::vertical([Constraint::Length(lines.len() as u16 + 2), Constraint::Fill(1)])
            .areas(area);
    let title = format!("Topic {}", topic.name);
    frame.render_widget(Paragraph::new(lines).block(block(&title, view, stale.clone())), top);

    let rows: Vec<[Span; 8]> = topic
        .partition_details
        .iter()
        .map(|p| {
            let flags = match (p.offline, p.below_min_isr, p.under_replicated) {
                (true, _, _) => Span::styled("OFFLINE", th.error().bold()),
                (false, true, _) => Span::styled("<MIN ISR", th.error().bold()),
                (false, false, true) => Span::styled("URP", th.warn().bold()),
                _ => Span::styled("ok", th.ok()),
            };
            [
                Span::styled(p.id.to_string(), th.text()),
                Span::raw(p.leader.map_or_else(|| "none".into(), |l| l.to_string())),
                flags,
                Span::raw(ids(&p.replicas)),
                Span::raw(ids(&p.isr)),
                Span::raw(opt(p.log_start_offset)),
                Span::raw(opt(p.log_end_offset)),
                Span::styled(p.problem(topic.min_insync_replicas).unwrap_or_default(), th.error()),
            ]
        })
        .collect();
    let headers =
        ["PARTITION", "LEADER", "FLAGS", "REPLICAS", "ISR", "LOG START", "LOG END", "ERROR"];
    let b = block("Partitions", view, None);
    render_fitted(
        frame,
        table,
        view,
        headers,
        rows,
        3,
        b,
        "no partition details",
        Some(view.ui.selected),
    );
}

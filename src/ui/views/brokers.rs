//! The brokers view: the cluster at a glance (controller, under-replicated and offline partition
//! counts, and partitions below min.insync.replicas when there are any, warnings), then one row
//! per broker.
//!
//! ```text
//! ┌ Kafka cluster ─────────────────────────────────────── stale 12s ┐
//! │cluster vvaVbflM…  controller 1  brokers 2 up · 1 down  URP 3  offline 1 │
//! └───────────────────────────────────────────────────────────────────┘
//! ┌ Brokers (3) ───────────────────────────────────────────────────────┐
//! │ID  HOST:PORT  STATE  RTT AVG  RTT P99  CLIENT  RACK  REASON        │
//! └────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! `*` after an id marks the controller. Columns are in priority order: id, address and state
//! always, the rest while they fit. Row identities (`store::rows`): broker ids, after the `/` filter,
//! which matches id, address, rack and state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::store::Health;
use crate::store::rows::broker_state_word;
use crate::store::snapshots::BrokerState;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, empty_reason, render_fitted, staleness};
use crate::ui::{View, age};

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}ms"))
}

#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let k = &view.store.kafka;
    let dim = t.dim();
    let stale = staleness(k, view);

    // Cluster summary.
    let mut lines = Vec::new();
    match &k.snapshot {
        Some(s) => {
            let up = s.brokers.iter().filter(|b| b.state == BrokerState::Up).count();
            let down = s.brokers.iter().filter(|b| b.is_down()).count();
            let urp: usize =
                s.topics.iter().map(crate::store::snapshots::Topic::under_replicated).sum();
            let offline: usize = s.topics.iter().map(crate::store::snapshots::Topic::offline).sum();
            let below: usize =
                s.topics.iter().map(crate::store::snapshots::Topic::below_min_isr).sum();
            let count = |n: usize, bad: Style| (if n == 0 { t.ok() } else { bad }).bold();
            let controller = match s.controller {
                Some(c) if s.brokers.iter().any(|b| b.id == c) => c.to_string(),
                Some(c) => format!("{c} (not a listed broker)"),
                None => "unknown".into(),
            };
            let mut summary = vec![
                Span::styled("controller ", dim),
                Span::styled(controller, t.text().bold()),
                Span::styled("  brokers ", dim),
                Span::styled(format!("{up} up"), t.ok()),
                Span::styled(" · ", dim),
                Span::styled(format!("{down} down"), count(down, t.error())),
                Span::styled("  URP ", dim),
                Span::styled(urp.to_string(), count(urp, t.warn())),
                Span::styled("  offline ", dim),
                Span::styled(offline.to_string(), count(offline, t.error())),
            ];
            // Only when there are any: they are rare, and while min.insync.replicas is unknown a
            // 0 would claim more than is known.
            if below > 0 {
                summary.push(Span::styled("  below min ISR ", dim));
                summary.push(Span::styled(below.to_string(), count(below, t.error())));
            }
            summary.push(Span::styled(
                format!("  cluster {}", s.cluster_id.as_deref().unwrap_or("?")),
                dim,
            ));
            lines.push(Line::from(summary));
            for w in &s.warnings {
                lines.push(Line::from(Span::styled(format!("! {w}"), t.warn())));
            }
        }
        None => lines.push(Line::from(Span::styled(empty_reason(k, "no brokers"), dim))),
    }
    if let (Health::Down { since, reason, .. }, Some(_)) = (&k.health, &k.snapshot) {
        lines.push(Line::from(Span::styled(
            format!("Kafka down {}: {}", age(*since, view.now), k.cause(reason)),
            t.error(),
        )));
    }
    let lines_n = lines.len().min(5) as u16;
    let [top, table] =
        Layout::vertical([Constraint::Length(lines_n + 2), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(lines).block(block("Kafka cluster", view, stale.clone())),
        top,
    );

    // Brokers.
    let brokers = view.store.brokers_matching(&view.ui.filter);
    let rows: Vec<[Span; 8]> = brokers
        .iter()
        .map(|b| {
            let (style, id) = (
                match b.state {
                    BrokerState::Up => t.ok(),
                    BrokerState::Down => t.error(),
                    BrokerState::Unknown => t.unknown(),
                },
                if b.controller { format!("{}*", b.id) } else { b.id.to_string() },
            );
            let client_style = match b.client_state.as_deref() {
                Some("UP") => t.ok(),
                Some("DOWN") => t.error(),
                Some(_) => t.warn(),
                None => t.unknown(),
            };
            [
                Span::styled(id, t.text()),
                Span::raw(b.address()),
                Span::styled(broker_state_word(b.state), style),
                Span::raw(ms(b.rtt_avg_ms)),
                Span::raw(ms(b.rtt_p99_ms)),
                Span::styled(b.client_state.clone().unwrap_or_else(|| "-".into()), client_style),
                Span::styled(b.rack.clone().unwrap_or_else(|| "-".into()), dim),
                Span::styled(b.reason.clone().unwrap_or_default(), t.error()),
            ]
        })
        .collect();
    let total = k.snapshot.as_ref().map_or(0, |s| s.brokers.len());
    let title = if view.ui.filter.is_empty() {
        format!("Brokers ({total})")
    } else {
        format!("Brokers ({}/{total}) /{}", brokers.len(), view.ui.filter)
    };
    let empty = if total > 0 {
        "nothing matches the filter".to_string()
    } else {
        empty_reason(k, "no brokers")
    };
    let headers = ["ID", "HOST:PORT", "STATE", "RTT AVG", "RTT P99", "CLIENT", "RACK", "REASON"];
    render_fitted(
        frame,
        table,
        view,
        headers,
        rows,
        3,
        block(&title, view, stale),
        &empty,
        Some(view.ui.selected),
    );
}

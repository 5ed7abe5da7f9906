//! The overview's tables under the pipeline: connectors with their tasks, brokers and topics,
//! each with the columns that fit (the slots have their own file: `slots`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Row;

use crate::store::snapshots::BrokerState;
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{
    block, column_width, fitting_columns, header, render_table, staleness, task_style,
};

pub(super) fn draw_connectors(frame: &mut Frame, area: Rect, view: &View) {
    let mut rows: Vec<[Span; 4]> = Vec::new();
    let mut stale = None;
    for c in &view.store.connect {
        stale = stale.or(staleness(c, view));
        for k in c.snapshot.iter().flat_map(|s| &s.connectors) {
            rows.push([
                Span::raw(k.name.clone()),
                Span::styled(k.state.clone(), task_style(view, &k.state)),
                Span::raw(k.kind.clone()),
                Span::raw(k.worker_id.clone()),
            ]);
            for task in &k.tasks {
                rows.push([
                    Span::styled(format!("  task {}", task.id), view.theme.dim()),
                    Span::styled(task.state.clone(), task_style(view, &task.state)),
                    Span::raw(""),
                    Span::raw(task.worker_id.clone()),
                ]);
            }
        }
    }
    let headers = ["CONNECTOR", "STATE", "TYPE", "WORKER"];
    // Name and state always; type and worker while they fit.
    let shown = fitting_columns(&headers, &rows, area.width.saturating_sub(2), 2);
    let widths: Vec<Constraint> = (0..shown).map(|i| column_width(&headers, &rows, i)).collect();
    let rows: Vec<Row> = rows.into_iter().map(|r| Row::new(r.into_iter().take(shown))).collect();
    let header = header(view, headers.into_iter().take(shown));
    render_table(
        frame,
        area,
        view,
        rows,
        &widths,
        header,
        block("Connectors", view, stale),
        "no connectors",
    );
}

pub(super) fn draw_brokers(frame: &mut Frame, area: Rect, view: &View) {
    let k = &view.store.kafka;
    let t = view.theme;
    let rows: Vec<[Span; 4]> = k
        .snapshot
        .iter()
        .flat_map(|s| &s.brokers)
        .map(|b| {
            let (word, style) = match b.state {
                BrokerState::Up => ("up", t.ok()),
                BrokerState::Down => ("down", t.error()),
                BrokerState::Unknown => ("…", t.unknown()),
            };
            let id = if b.controller { format!("{}*", b.id) } else { b.id.to_string() };
            let rtt = b.rtt_avg_ms.map(|ms| format!("{ms:.1}ms")).unwrap_or_default();
            [Span::raw(id), Span::raw(b.address()), Span::styled(word, style), Span::raw(rtt)]
        })
        .collect();
    // `*` marks the controller. Id, address and state always; round-trip time while it fits.
    let headers = ["ID", "HOST:PORT", "STATE", "RTT"];
    let shown = fitting_columns(&headers, &rows, area.width.saturating_sub(2), 3);
    let widths: Vec<Constraint> = (0..shown).map(|i| column_width(&headers, &rows, i)).collect();
    let rows: Vec<Row> = rows.into_iter().map(|r| Row::new(r.into_iter().take(shown))).collect();
    let header = header(view, headers.into_iter().take(shown));
    render_table(
        frame,
        area,
        view,
        rows,
        &widths,
        header,
        block("Brokers", view, staleness(k, view)),
        "no brokers",
    );
}

pub(super) fn draw_topics(frame: &mut Frame, area: Rect, view: &View) {
    let k = &view.store.kafka;
    let rows: Vec<[Span; 4]> = k
        .snapshot
        .iter()
        .flat_map(|s| &s.topics)
        .filter(|t| !t.internal)
        .map(|t| {
            let problem = match (&t.error, t.offline(), t.below_min_isr(), t.under_replicated()) {
                (Some(e), ..) => e.clone(),
                (None, 0, 0, 0) => String::new(),
                (None, 0, 0, u) => format!("{u} under-replicated"),
                (None, 0, b, _) => format!("{b} refusing writes (below min ISR)"),
                (None, o, ..) => format!("{o} offline"),
            };
            let style = if problem.is_empty() { Style::new() } else { view.theme.error() };
            let rate = t.messages_per_sec.map_or_else(|| "-".into(), |r| format!("{r:.1}"));
            [t.name.clone(), t.partitions.to_string(), rate, problem]
                .map(|c| Span::styled(c, style))
        })
        .collect();
    let headers = ["TOPIC", "PARTITIONS", "MSG/S", "PROBLEM"];
    let widths = [
        column_width(&headers, &rows, 0),
        Constraint::Length(10),
        column_width(&headers, &rows, 2),
        Constraint::Fill(1),
    ];
    let rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
    render_table(
        frame,
        area,
        view,
        rows,
        &widths,
        header(view, headers),
        block("Topics", view, staleness(k, view)),
        "no topics",
    );
}

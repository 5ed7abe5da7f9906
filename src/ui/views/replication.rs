//! The replicator and the diff (issue 5) are not built yet: the view says so and what it will
//! show, then what the sink already reports (reachability, the console's tables, applied LSNs
//! from `cdc.progress`). No figures are invented.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Wrap};

use crate::store::Health;
use crate::ui::widgets::common::{block, column_width, header, render_table, staleness};
use crate::ui::{View, age};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let (warn, dim, text) = (Style::new().fg(t.warn.0), Style::new().fg(t.dim.0), Style::new().fg(t.text.0));
    let lines = vec![
        Line::styled("The replicator and the diff are not built yet (issue 5).", warn),
        Line::styled("Once they are, this view will show the applied LSN against the source, rows/s", dim),
        Line::styled("applied, the last diff result and the rows that differ.", dim),
    ];
    let [note, sink, tables] = Layout::vertical([Constraint::Length(5), Constraint::Length(3), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block("Replication / diff", view, None)), note);

    let s = &view.store.sink;
    let stale = staleness(s, view);
    let status = match &s.health {
        Health::Unknown => Line::styled("not polled yet", Style::new().fg(t.unknown.0)),
        Health::Up { since } => Line::from(vec![
            Span::styled(format!("reachable, up {}", age(*since, view.now)), Style::new().fg(t.ok.0)),
            Span::styled(format!("  {}", s.endpoint), dim),
        ]),
        Health::Down { since, reason, .. } => {
            Line::styled(format!("down {}: {reason}", age(*since, view.now)), Style::new().fg(t.error.0))
        }
    };
    frame.render_widget(Paragraph::new(status).block(block("Sink", view, stale.clone())), sink);

    let snap = s.snapshot.as_ref();
    let mut rows: Vec<[Span; 3]> = snap
        .iter()
        .flat_map(|p| &p.console_tables)
        .map(|c| [Span::styled(c.name.clone(), text), Span::raw("table"), Span::raw(format!("{} rows", c.live_rows))])
        .collect();
    rows.extend(snap.iter().flat_map(|p| &p.applied).map(|a| {
        [Span::styled(a.consumer.clone(), text), Span::raw("applied LSN"), Span::raw(a.lsn.clone())]
    }));
    let headers = ["NAME", "KIND", "VALUE"];
    let widths: Vec<Constraint> = (0..3).map(|i| column_width(&headers, &rows, i)).collect();
    let rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
    let empty = if snap.is_some() { "no console tables in the sink's cdc schema yet, no applied LSNs" } else { "nothing from the sink yet" };
    render_table(frame, tables, view, rows, &widths, header(view, headers), block("Sink: cdc schema", view, stale), empty);
}

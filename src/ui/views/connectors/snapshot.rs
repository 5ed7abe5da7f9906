//! How a connector's incremental snapshot shows in its detail: `snapshot completed · 1/1 tables
//! · 2500 rows` from the latest snapshot Debezium notified, then one line per table (queued,
//! scanning at key … of …, done with its rows, stopped). Nothing for a connector without a
//! notification topic, so other connectors look as before.

use ratatui::text::{Line, Span};

use crate::store::snapshots::{ConnectorSnapshot, SnapshotStatus, TableProgress, TableState};
use crate::ui::View;
use crate::ui::style::Roles;

/// Tables listed in the detail; more are counted in the summary line.
const TABLE_LINES: usize = 4;

pub(super) fn detail(view: &View, s: Option<&ConnectorSnapshot>) -> Vec<Line<'static>> {
    let Some(s) = s else { return Vec::new() };
    let t = view.theme;
    let label = |text: &str| Span::styled(format!("{text:<9}"), t.dim());
    let Some(p) = &s.latest else {
        let none = format!("none notified on {} yet", s.topic);
        return vec![Line::from(vec![label("snapshot"), Span::styled(none, t.dim())])];
    };
    let style = match p.status {
        SnapshotStatus::Running => t.warn(),
        SnapshotStatus::Paused => t.warn().bold(),
        SnapshotStatus::Completed => t.ok(),
        SnapshotStatus::Aborted => t.error(),
    };
    let summary =
        format!(" · {}/{} tables · {} rows · {}", p.done(), p.tables.len(), p.rows_scanned(), p.id);
    let mut lines = vec![Line::from(vec![
        label("snapshot"),
        Span::styled(p.status.word(), style),
        Span::styled(summary, t.dim()),
    ])];
    for tp in p.tables.iter().take(TABLE_LINES) {
        lines
            .push(Line::from(vec![label(""), Span::styled(table_line(tp), table_style(view, tp))]));
    }
    if let Some(e) = &s.error {
        lines.push(Line::from(vec![label(""), Span::styled(e.clone(), t.error())]));
    }
    lines
}

fn table_line(tp: &TableProgress) -> String {
    let what = match tp.state {
        TableState::Scanning => format!(
            "at key {} of {}",
            tp.last_key.as_deref().unwrap_or("-"),
            tp.maximum_key.as_deref().unwrap_or("-")
        ),
        TableState::Done => format!(
            "{} rows, {}",
            tp.rows_scanned.unwrap_or(0),
            tp.scan_status.as_deref().unwrap_or("-").to_lowercase()
        ),
        TableState::Queued | TableState::Stopped => String::new(),
    };
    format!("{} {} {what}", tp.table, tp.state.word())
}

fn table_style(view: &View, tp: &TableProgress) -> ratatui::style::Style {
    let t = view.theme;
    match tp.state {
        TableState::Done => t.text(),
        TableState::Scanning => t.warn(),
        TableState::Queued => t.dim(),
        TableState::Stopped => t.error(),
    }
}

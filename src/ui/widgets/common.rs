//! Pieces every view uses: titled blocks with staleness, state colours by meaning, tables that
//! fit their columns, the selection highlight, and the placeholder of an empty table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::store::snapshots::Verdict;
use crate::store::{Backend, Health, StageState};
use crate::ui::style::Roles;
use crate::ui::{View, age};

/// A popup of at most `width` × `height` in the middle of `area` (dialogs, pickers, help).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

pub fn block<'a>(title: &'a str, view: &View, stale: Option<String>) -> Block<'a> {
    let t = view.theme;
    let mut b = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(false))
        .title(Span::styled(format!(" {title} "), t.title()));
    if let Some(s) = stale {
        b = b.title(Line::from(Span::styled(format!(" {s} "), t.stale())).right_aligned());
    }
    b
}

/// "stale 42s" when the backend is down and what is shown is its last good snapshot.
pub fn staleness<T: PartialEq>(b: &Backend<T>, view: &View) -> Option<String> {
    match (&b.health, b.updated_at) {
        (Health::Down { .. }, Some(at)) => Some(format!("stale {}", age(at, view.now))),
        _ => None,
    }
}

pub fn state_style(view: &View, s: StageState) -> Style {
    let t = view.theme;
    match s {
        StageState::Up => t.ok(),
        StageState::Degraded => t.warn(),
        StageState::Down => t.error(),
        StageState::Unknown => t.unknown(),
    }
}

pub fn task_style(view: &View, state: &str) -> Style {
    let t = view.theme;
    match state {
        "RUNNING" => t.ok(),
        "FAILED" => t.error(),
        "PAUSED" | "STOPPED" | "UNASSIGNED" | "RESTARTING" => t.warn(),
        _ => t.unknown(),
    }
}

/// How many leading columns fit in `width` (at least `min`), at their content widths.
pub fn fitting_columns<const N: usize>(
    headers: &[&str; N],
    rows: &[[Span; N]],
    width: u16,
    min: usize,
) -> usize {
    let mut used = 0u16;
    for i in 0..N {
        let w = match column_width(headers, rows, i) {
            Constraint::Length(w) => w,
            _ => 0,
        };
        used += w + u16::from(i > 0);
        if used > width {
            return i.max(min);
        }
    }
    N
}

/// The widest cell of column `i`, header included.
pub fn column_width<const N: usize>(
    headers: &[&str; N],
    rows: &[[Span; N]],
    i: usize,
) -> Constraint {
    let w = rows.iter().map(|r| r[i].width()).chain([headers[i].len()]).max().unwrap_or(0);
    Constraint::Length(w as u16)
}

pub fn header<'a>(view: &View, cells: impl IntoIterator<Item = &'a str>) -> Row<'a> {
    Row::new(cells).style(view.theme.heading())
}

#[allow(clippy::too_many_arguments)]
pub fn render_table(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    rows: Vec<Row>,
    widths: &[Constraint],
    header: Row,
    block: Block,
    empty: &str,
) {
    if rows.is_empty() {
        let p = Paragraph::new(Span::styled(format!("({empty})"), view.theme.dim())).block(block);
        frame.render_widget(p, area);
    } else {
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    }
}

/// A table with the row `selected` highlighted and scrolled into view.
pub fn render_selectable(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    table: Table,
    selected: usize,
) {
    let mut state = TableState::default().with_selected(Some(selected));
    let table = table.row_highlight_style(view.theme.selected());
    frame.render_stateful_widget(table, area, &mut state);
}

/// A view that has nothing to show yet says so plainly, instead of an empty frame.
pub fn placeholder(frame: &mut Frame, area: Rect, view: &View, title: &str, message: &str) {
    let text = Paragraph::new(Line::from(Span::styled(message.to_string(), view.theme.dim())));
    frame.render_widget(text.block(block(title, view, None)), area);
}

/// What an empty table says: "not polled yet" before the first poll, the reason when the
/// backend is down with nothing kept, else `none` ("no connectors").
pub fn empty_reason<T: PartialEq>(b: &Backend<T>, none: &str) -> String {
    match (&b.health, &b.snapshot) {
        (Health::Unknown, None) => "not polled yet".into(),
        (Health::Down { reason, .. }, None) => format!("down: {reason}"),
        _ => none.into(),
    }
}

/// A table of `rows` cut to the leading columns that fit (at least `min`; put columns in
/// priority order), row `selected` highlighted (clamped), or `empty` in words when there are none.
#[allow(clippy::too_many_arguments)]
pub fn render_fitted<const N: usize>(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    headers: [&str; N],
    rows: Vec<[Span; N]>,
    min: usize,
    block: Block,
    empty: &str,
    selected: Option<usize>,
) {
    if rows.is_empty() {
        let p = Paragraph::new(Span::styled(format!("({empty})"), view.theme.dim())).block(block);
        frame.render_widget(p, area);
        return;
    }
    let shown = fitting_columns(&headers, &rows, area.width.saturating_sub(2), min);
    let widths: Vec<Constraint> = (0..shown).map(|i| column_width(&headers, &rows, i)).collect();
    let n = rows.len();
    let rows: Vec<Row> = rows.into_iter().map(|r| Row::new(r.into_iter().take(shown))).collect();
    let table =
        Table::new(rows, widths).header(header(view, headers.into_iter().take(shown))).block(block);
    match selected {
        Some(s) => render_selectable(frame, area, view, table, s.min(n - 1)),
        None => frame.render_widget(table, area),
    }
}

/// Burrow's verdicts by meaning: OK ok, WARN warn, ERR and worse error.
pub fn verdict_style(view: &View, v: Verdict) -> Style {
    let t = view.theme;
    match v {
        Verdict::Ok => t.ok(),
        Verdict::Warn => t.warn(),
        _ => t.error(),
    }
}

/// The last `width` values as a one-line sparkline of block characters, from their min (▁) to
/// their max (█); a flat line sits at ▁ when zero, mid-height otherwise.
pub fn spark(values: &[u64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &values[values.len().saturating_sub(width)..];
    let (min, max) =
        (tail.iter().copied().min().unwrap_or(0), tail.iter().copied().max().unwrap_or(0));
    tail.iter()
        .map(|&v| match max - min {
            0 if max == 0 => BARS[0],
            0 => BARS[3],
            span => {
                BARS[((u128::from(v - min) * 7 + u128::from(span) / 2) / u128::from(span)) as usize]
            }
        })
        .collect()
}

/// "42s", "3m05s", "-" for none: a duration in seconds, compactly.
pub fn secs(s: Option<f64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s < 10.0 => format!("{s:.1}s"),
        Some(s) => {
            let t = std::time::SystemTime::UNIX_EPOCH;
            age(t, t + std::time::Duration::from_secs_f64(s))
        }
    }
}

/// The line a replicator or job shows while its topics do not exist yet (none once they do).
pub fn waiting_for_topics<'a>(view: &View, topics: &[String]) -> Option<Line<'a>> {
    (!topics.is_empty()).then(|| {
        Line::styled(
            format!(
                "waiting for {} to exist: Debezium creates a table's topic with its first change",
                topics.join(", ")
            ),
            view.theme.warn(),
        )
    })
}

//! A change topic's events: pick a topic (`:events`, Enter), or `:events TOPIC`. The list shows
//! partition, offset, time, key, op, LSN and txId, newest first; the pane below shows the
//! selected event's before and after as a column diff, changed columns in the theme's warning
//! colour. `f` follows the topic live, `s` searches it for a key (a progress line while
//! scanning).
//!
//! ```text
//! ┌ Events · dbserver1.public.orders · following · 200 ──────────────┐
//! │PART  OFFSET  TIME          KEY               OP  LSN       TXID  │
//! │3     367355  14:13:10.234  {"order_id":5535} u   575972168 17923 │
//! └──────────────────────────────────────────────────────────────────┘
//! ┌ p3 @ 367355 · u · public.orders ─────────────────────────────────┐
//! │  COLUMN   BEFORE    AFTER                                        │
//! │* amount   "768.76"  "370.92"                                     │
//! └──────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use crate::store::snapshots::{Body, ChangeEvent, EventsSnapshot, Mark};
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, empty_reason, header, render_fitted, render_selectable};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    match &view.ui.detail {
        None => picker(frame, area, view),
        Some(topic) => events(frame, area, view, topic),
    }
}

/// The topics to pick from.
fn picker(frame: &mut Frame, area: Rect, view: &View) {
    let topics = view.store.topics_matching(&view.ui.filter);
    let rows: Vec<[Span; 3]> = topics
        .iter()
        .map(|t| {
            [
                Span::raw(t.name.clone()),
                Span::raw(t.partitions.to_string()),
                Span::raw(t.messages_per_sec.map(|r| format!("{r:.1}")).unwrap_or_default()),
            ]
        })
        .collect();
    let none = empty_reason(&view.store.kafka, "no topics");
    let b = block("Events · pick a topic (enter)", view, None);
    let selected = Some(view.ui.selected);
    render_fitted(frame, area, view, ["TOPIC", "PARTITIONS", "MSG/S"], rows, 1, b, &none, selected);
}

fn events(frame: &mut Frame, area: Rect, view: &View, topic: &str) {
    let e = &view.embedded.events;
    let diff_height = e
        .events
        .get(view.ui.selected)
        .map_or(3, |ev| u16::try_from(ev.diff().len()).unwrap_or(u16::MAX).saturating_add(3));
    let [top, bottom] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(diff_height.clamp(5, (area.height / 2).max(5))),
    ])
    .areas(area);
    list(frame, top, view, topic, e);
    match e.events.get(view.ui.selected) {
        Some(ev) => detail(frame, bottom, view, ev),
        None => frame.render_widget(
            Paragraph::new(Span::styled("(no event selected)", view.theme.dim()))
                .block(block("Event", view, None)),
            bottom,
        ),
    }
}

/// What the list's title says: topic, key, follow, how many.
fn title(topic: &str, e: &EventsSnapshot) -> String {
    let mut t = format!("Events · {topic}");
    if let Some(k) = &e.key {
        t.push_str(&format!(" · key {k}"));
    }
    t.push_str(if e.follow { " · following (f stops)" } else { " · f follows" });
    t.push_str(&format!(" · {}", e.events.len()));
    if e.truncated {
        t.push_str(" (newest kept)");
    }
    t
}

/// The scan's progress, or the read's error, or what was read.
fn status_line<'a>(view: &View, e: &EventsSnapshot) -> Line<'a> {
    let t = view.theme;
    if let Some(err) = &e.error {
        return Line::from(Span::styled(format!("✗ {err}"), t.error()));
    }
    match &e.scan {
        Some(p) if !p.done && e.running => {
            let (read, of) = p.totals();
            let pct = (read * 100).checked_div(of).unwrap_or(100);
            let parts: Vec<String> =
                p.partitions.iter().map(|(n, r, t)| format!("p{n} {r}/{t}")).collect();
            Line::from(Span::styled(
                format!(
                    "scanning {read}/{of} records ({pct}%) · {} matched · {}",
                    p.matched,
                    parts.join(" ")
                ),
                t.warn(),
            ))
        }
        _ if e.running && e.events.is_empty() && !e.follow => {
            Line::from(Span::styled("reading…", t.dim()))
        }
        _ => {
            let mut s = format!("{} records read", e.scanned);
            if e.follow {
                s.push_str(&format!(" · {} arrived since", e.live));
            }
            Line::from(Span::styled(s, t.dim()))
        }
    }
}

fn list(frame: &mut Frame, area: Rect, view: &View, topic: &str, e: &EventsSnapshot) {
    let title = title(topic, e);
    let b = block(&title, view, None);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let [status, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(status_line(view, e)), status);
    // Only the rows on screen are built: a follow keeps thousands.
    let visible = usize::from(table.height.saturating_sub(1)).max(1);
    let selected = view.ui.selected.min(e.events.len().saturating_sub(1));
    let first = selected.saturating_sub(visible - 1);
    let rows: Vec<Row> =
        e.events.iter().skip(first).take(visible).map(|ev| row(view, ev)).collect();
    let widths = [
        Constraint::Length(4),
        Constraint::Length(9),
        Constraint::Length(12),
        Constraint::Fill(2),
        Constraint::Length(9),
        Constraint::Length(11),
        Constraint::Length(9),
    ];
    let headers = ["PART", "OFFSET", "TIME", "KEY", "OP", "LSN", "TXID"];
    let t = Table::new(rows, widths).header(header(view, headers)).column_spacing(1);
    render_selectable(frame, table, view, t, selected - first);
}

fn row<'a>(view: &View, ev: &ChangeEvent) -> Row<'a> {
    let c = ev.change();
    let op_style = match ev.op_label() {
        "d" | "tombstone" => view.theme.warn(),
        "raw" => view.theme.error(),
        _ => view.theme.text(),
    };
    Row::new(vec![
        Span::raw(ev.partition.to_string()),
        Span::raw(ev.offset.to_string()),
        Span::raw(ev.timestamp_ms.map(clock).unwrap_or_default()),
        Span::raw(ev.key.as_ref().map_or_else(|| "null".into(), ToString::to_string)),
        Span::styled(ev.op_label(), op_style),
        Span::raw(c.and_then(|c| c.lsn).map(|l| l.to_string()).unwrap_or_default()),
        Span::raw(c.and_then(|c| c.tx_id).map(|t| t.to_string()).unwrap_or_default()),
    ])
}

/// `HH:MM:SS.mmm` of a millisecond epoch (UTC).
fn clock(ms: i64) -> String {
    let day_ms = ms.rem_euclid(86_400_000);
    let (h, m) = (day_ms / 3_600_000, day_ms / 60_000 % 60);
    format!("{h:02}:{m:02}:{:02}.{:03}", day_ms / 1000 % 60, day_ms % 1000)
}

/// The selected event: its column diff, or its raw text and why.
fn detail(frame: &mut Frame, area: Rect, view: &View, ev: &ChangeEvent) {
    let t = view.theme;
    let mut title = format!("p{} @ {} · {}", ev.partition, ev.offset, ev.op_label());
    if let Some(c) = ev.change() {
        title.push_str(&format!(
            " · {}.{}",
            c.schema.as_deref().unwrap_or(""),
            c.table.as_deref().unwrap_or("")
        ));
        if let Some(ts) = ev.timestamp_ms {
            title.push_str(&format!(" · {}", crate::units::epoch_ms(ts)));
        }
    }
    let b = block(&title, view, None);
    match &ev.body {
        Body::Raw { text, reason } => {
            let p = Paragraph::new(vec![
                Line::from(Span::styled(format!("not a change event: {reason}"), t.error())),
                Line::from(Span::raw(text.clone())),
            ])
            .wrap(Wrap { trim: false })
            .block(b);
            frame.render_widget(p, area);
        }
        Body::Tombstone => frame.render_widget(
            Paragraph::new(Span::styled(
                "tombstone: the null value that follows a delete",
                t.dim(),
            ))
            .block(b),
            area,
        ),
        Body::Change(_) => {
            // Changed columns in the theme's warning colour, bold.
            let changed = t.warn().bold();
            let rows: Vec<Row> = ev
                .diff()
                .into_iter()
                .map(|d| {
                    let v = |v: &Option<serde_json::Value>| {
                        v.as_ref().map(ToString::to_string).unwrap_or_default()
                    };
                    let (mark, style) = match d.mark {
                        Mark::Same => (" ", t.text()),
                        Mark::Changed => ("*", changed),
                        Mark::Added => ("+", changed),
                        Mark::Removed => ("-", changed),
                        Mark::Unknown => ("?", t.dim()),
                    };
                    Row::new(vec![format!("{mark} {}", d.column), v(&d.before), v(&d.after)])
                        .style(style)
                })
                .collect();
            let widths = [Constraint::Fill(1), Constraint::Fill(2), Constraint::Fill(2)];
            let head = header(view, ["  COLUMN", "BEFORE", "AFTER"]);
            frame.render_widget(Table::new(rows, widths).header(head).block(b), area);
        }
    }
}

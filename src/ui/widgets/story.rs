//! A row's story over the view (`w` on a differing key of the diff): the source row, the key's
//! change events, then each replica's row (differing columns marked `*`), where its replicator
//! stands and the verdict with why. j/k scroll, Esc closes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use serde_json::{Map, Value};

use crate::store::snapshots::{ReplicaStory, RowStory, RowVerdict, StoryState};
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::block;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, scroll: u16) {
    let s = &view.embedded.story;
    let lines = match &s.result {
        None => reading(view, s),
        Some(Err(e)) => vec![Line::styled(format!("could not be told: {e}"), view.theme.error())],
        Some(Ok(story)) => told(view, story),
    };
    let popup =
        super::common::centered(area, area.width.saturating_sub(4), area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    let title = format!("row {} {} · j/k scroll · esc closes", s.table, s.key);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block(&title, view, None)),
        popup,
    );
}

fn reading<'a>(view: &View, s: &StoryState) -> Vec<Line<'a>> {
    let p = s
        .progress
        .clone()
        .unwrap_or_else(|| "reading the source, the sink and the key's events…".into());
    vec![Line::styled(p, view.theme.dim())]
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".into(),
        other => other.to_string(),
    }
}

fn verdict_style(view: &View, v: RowVerdict) -> Style {
    match v {
        RowVerdict::InSync => view.theme.ok(),
        RowVerdict::InFlight => view.theme.warn(),
        RowVerdict::Unknown | RowVerdict::Diverged => view.theme.error(),
    }
}

/// `column  value` lines; a differing column marked `*` with the source's value beside it.
fn columns<'a>(
    view: &View,
    row: &Map<String, Value>,
    differs: &[String],
    source: Option<&Map<String, Value>>,
) -> Vec<Line<'a>> {
    let width = row.keys().map(String::len).max().unwrap_or(0);
    row.iter()
        .map(|(c, v)| {
            let v = &match v.as_u64().filter(|_| c == "_source_lsn") {
                Some(l) => Value::String(format!("{:X}/{:X} ({l})", l >> 32, l & 0xffff_ffff)),
                None => v.clone(),
            };
            if differs.contains(c) {
                let was = source.and_then(|s| s.get(c)).map_or_else(|| "-".into(), text);
                Line::styled(
                    format!("  * {c:<width$}  {}   (source: {was})", text(v)),
                    view.theme.error(),
                )
            } else {
                Line::styled(format!("    {c:<width$}  {}", text(v)), view.theme.text())
            }
        })
        .collect()
}

fn told<'a>(view: &View, s: &RowStory) -> Vec<Line<'a>> {
    let (dim, caption) = (view.theme.dim(), view.theme.caption());
    let mut lines = vec![Line::styled(format!("Source {}", s.table), caption)];
    match &s.source_row {
        Some(row) => {
            lines.extend(columns(view, row, &[], None));
            if let Some(x) = s.source_xmin {
                lines.push(Line::styled(format!("    (last written by transaction {x})"), dim));
            }
        }
        None => lines.push(Line::styled("    (not in the source: deleted, or never there)", dim)),
    }
    for r in &s.replicas {
        lines.extend(replica(view, r, s.source_row.as_ref()));
    }
    lines.push(Line::from(""));
    let topic = s.topic.as_deref().unwrap_or("(no topic)");
    match &s.events_error {
        Some(e) => lines.push(Line::styled(
            format!("Change events on {topic}: could not be read: {e}"),
            view.theme.error(),
        )),
        None => lines.push(Line::styled(
            format!(
                "Change events of the key on {topic} ({} of {} records read)",
                s.events.len(),
                s.events_scanned
            ),
            caption,
        )),
    }
    lines.push(Line::styled(
        "    PARTITION  OFFSET  OP         LSN           TXID      CHANGED",
        view.theme.heading(),
    ));
    for e in &s.events {
        let c = e.change();
        let lsn = c
            .and_then(|c| c.lsn)
            .map_or_else(|| "-".into(), |l| format!("{:X}/{:X}", l >> 32, l & 0xffff_ffff));
        let tx = c.and_then(|c| c.tx_id).map_or_else(|| "-".into(), |t| t.to_string());
        let changed: Vec<String> =
            e.diff().into_iter().filter(|d| d.mark.changed()).map(|d| d.column).collect();
        lines.push(Line::styled(
            format!(
                "    {:<9}  {:<6}  {:<9}  {lsn:<12}  {tx:<8}  {}",
                e.partition,
                e.offset,
                e.op_label(),
                changed.join(",")
            ),
            view.theme.text(),
        ));
    }
    lines
}

fn replica<'a>(
    view: &View,
    r: &ReplicaStory,
    source: Option<&Map<String, Value>>,
) -> Vec<Line<'a>> {
    let style = verdict_style(view, r.verdict);
    let mut lines = vec![
        Line::from(""),
        Line::from(vec![
            Span::styled(
                format!("Replica {} ({}): ", r.replica, r.sink_table),
                view.theme.caption(),
            ),
            Span::styled(r.verdict.as_str().to_uppercase(), style),
        ]),
        Line::styled(format!("    {}", r.why), style),
    ];
    if let Some(e) = &r.error {
        lines.push(Line::styled(format!("    could not be read: {e}"), view.theme.error()));
    }
    if r.rows.is_empty() {
        lines.push(Line::styled("    (no row for the key)", view.theme.dim()));
    }
    for row in &r.rows {
        lines.extend(columns(view, row, &r.differs, source));
    }
    let at: Vec<String> = r
        .applied
        .iter()
        .map(|p| {
            format!(
                "p{} next offset {} (LSN {})",
                p.partition,
                p.next_offset,
                p.source_lsn.as_deref().unwrap_or("-")
            )
        })
        .collect();
    lines.push(Line::styled(
        format!(
            "    replicator applied: {}",
            if at.is_empty() { "nothing yet".into() } else { at.join(", ") }
        ),
        view.theme.dim(),
    ));
    lines
}

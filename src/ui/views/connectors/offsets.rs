//! The offsets pane of a connector's detail (`o`): the stored offsets (Debezium PostgreSQL's
//! decoded: lsn, lsn_proc, lsn_commit, txId, when), the three-way LSN check with its verdict
//! in the theme's ok / warn / error colour, the verdict on an LSN typed for a set, and the
//! guided change's steps as they end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::store::snapshots::{LsnCheck, LsnLevel, OffsetsReport};
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::block;

pub(super) fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let pane = &view.embedded.offsets;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &pane.error {
        lines.push(Line::from(Span::styled(format!("cannot read the offsets: {e}"), t.error())));
    }
    // The verdicts and the steps first: on a small screen they are what must show.
    let report = pane.target.as_ref().map(|t| &t.report);
    if let Some(c) = report.and_then(|r| r.lsn_check.as_ref()) {
        lines.push(verdict(view, "now", c));
    }
    if let Some(p) = &pane.proposed {
        lines.push(verdict(view, "after the change", p));
    }
    for s in &pane.steps {
        let (mark, style) = if s.ok { ("✓", t.ok()) } else { ("✗", t.error()) };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} {:<14}", s.step), style),
            Span::raw(s.detail.clone()),
        ]));
    }
    if pane.changing {
        lines
            .push(Line::from(Span::styled("… stop → change offsets → resume under way", t.warn())));
    }
    match report {
        Some(r) => details(&mut lines, view, r),
        None if pane.loading => lines.push(Line::from(Span::styled("reading…", t.dim()))),
        None => {}
    }
    let keys = |a: Action| view.keymap.keys_for(Scope::Connectors, a).join("/");
    let hint = if view.read_only {
        " esc close ".to_string()
    } else {
        format!(
            " {} set LSN · {} reset · esc close ",
            keys(Action::SetOffsets),
            keys(Action::ResetOffsets)
        )
    };
    let b = block("Offsets & LSN check", view, None)
        .border_style(t.border(true))
        .title(Line::from(Span::styled(hint, t.dim())).right_aligned());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(b), area);
}

/// The offsets, then the slot and WAL the check read.
fn details(lines: &mut Vec<Line<'static>>, view: &View, r: &OffsetsReport) {
    let t = view.theme;
    let dim = t.dim();
    lines.push(Line::from(""));
    if r.offsets.is_empty() {
        lines.push(Line::from(Span::styled("no stored offsets", dim)));
    }
    for o in &r.offsets {
        match &o.debezium {
            Some(d) => {
                let field = |k: &str, v: Option<String>| {
                    vec![
                        Span::styled(format!("{k} "), dim),
                        Span::raw(format!("{}  ", v.unwrap_or_else(|| "-".into()))),
                    ]
                };
                let mut spans = field("server", Some(d.server.clone()));
                spans.extend(field("lsn_proc", d.lsn_proc.clone()));
                spans.extend(field("lsn_commit", d.lsn_commit.clone()));
                spans.extend(field("lsn", d.lsn.clone()));
                spans.extend(field("txId", d.tx_id.map(|x| x.to_string())));
                spans.extend(field("at", d.committed_at.clone()));
                lines.push(Line::from(spans));
            }
            None => lines.push(Line::from(vec![
                Span::styled(o.partition.to_string(), dim),
                Span::raw(format!(" → {}", o.offset)),
            ])),
        }
    }
    if let Some(c) = &r.lsn_check {
        let slot = c.source.slot.as_ref();
        let or_dash = |v: Option<&String>| v.cloned().unwrap_or_else(|| "-".into());
        let row = |label: &str, v: String| {
            Line::from(vec![Span::styled(format!("  {label:<22}"), dim), Span::raw(v)])
        };
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                "slot {}{}",
                c.slot_name,
                slot.map_or(" (missing)".into(), |s| format!(
                    " ({}, wal_status {})",
                    if s.active { "active" } else { "inactive" },
                    or_dash(s.wal_status.as_ref())
                ))
            ),
            t.text(),
        )));
        lines.push(row("offset resumes at", or_dash(c.offset_lsn.as_ref())));
        lines.push(row("slot restart_lsn", or_dash(slot.and_then(|s| s.restart_lsn.as_ref()))));
        lines.push(row(
            "slot confirmed_flush",
            or_dash(slot.and_then(|s| s.confirmed_flush_lsn.as_ref())),
        ));
        lines.push(row("source current WAL", or_dash(c.source.current_wal_lsn.as_ref())));
    }
    if let Some(why) = &r.no_check {
        lines.push(Line::from(Span::styled(format!("no LSN check: {why}"), dim)));
    }
}

/// "ERROR (now): the offset … is AHEAD …", in the level's colour.
fn verdict(view: &View, when: &str, c: &LsnCheck) -> Line<'static> {
    let t = view.theme;
    let (word, style): (&str, Style) = match c.level {
        LsnLevel::Ok => ("OK", t.ok()),
        LsnLevel::Warning => ("WARNING", t.warn()),
        LsnLevel::Error => ("ERROR", t.error()),
    };
    Line::from(vec![
        Span::styled(format!("{word} ({when}): "), style.bold()),
        Span::styled(c.verdict.clone(), style),
    ])
}

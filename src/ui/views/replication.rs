//! The replicator and the diff: the embedded replicator's state (rows/s, batches, applied LSN,
//! dead letters, each replica), the last diff's result per replica (diverged, in flight, and the
//! rows), and what the sink reports whoever replicates (the console's tables, applied LSNs from
//! `cdc.progress`).
//!
//! ```text
//! ┌ Replicator ───────────────────────────────┐
//! │ state, rate, batches, LSN, dead letters   │
//! │ one line per replica                      │
//! ├ Diff ─────────────────────────────────────┤
//! │ per table: diverged / in flight / work    │
//! │ the differing rows                        │
//! ├ Sink: cdc schema ─────────────────────────┤
//! └───────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Wrap};

use crate::store::Health;
use crate::store::snapshots::{Retrying, RowDiff};
use crate::ui::style::Roles;
use crate::ui::widgets::common::{
    block, column_width, header, render_selectable, render_table, staleness, waiting_for_topics,
};
use crate::ui::{View, age};
use crate::units::millis;

fn replicator_lines<'a>(view: &View<'a>) -> Vec<Line<'a>> {
    let t = view.theme;
    let r = &view.embedded.replicator;
    let (dim, text) = (t.dim(), t.text());
    let state = match (&r.error, r.running) {
        _ if r.retrying.is_some() => retrying(view, r.retrying.as_ref()),
        (_, true) => Span::styled("● running", t.ok().bold()),
        (Some(_), false) => Span::styled("● stopped (failed)", t.error().bold()),
        (None, false) => Span::styled("○ stopped", t.dim().bold()),
    };
    let letters = if r.dead_letters > 0 { t.warn() } else { text };
    let mut lines = vec![Line::from(vec![
        state,
        Span::styled(format!("  {:.0} rows/s", r.rows_per_sec), text),
        Span::styled(format!("  {} events in {} batches", r.events, r.batches), dim),
        Span::styled(format!("  applied LSN {}", r.applied_lsn.as_deref().unwrap_or("-")), text),
        Span::styled(format!("  {} dead letters", r.dead_letters), letters),
    ])];
    lines.extend(waiting_for_topics(view, &r.waiting_for));
    let l = r.commit_latency_ms;
    if l.count > 0 {
        lines.push(Line::from(vec![
            Span::styled("source commit → replica commit, last minute: ", dim),
            Span::styled(
                format!("p50 {}  p99 {}  max {}", millis(l.p50), millis(l.p99), millis(l.max)),
                text,
            ),
            Span::styled(format!("  ({} events)", l.count), dim),
        ]));
    }
    if let Some(e) = &r.error {
        lines.push(Line::styled(e.clone(), t.error()));
    }
    for rep in &r.replicas {
        let mut spans = vec![
            Span::styled(format!("{} → {}", rep.name, rep.sink), text),
            Span::styled(format!("  {} applied", rep.applied_events), dim),
        ];
        if let Some(e) = &rep.error {
            spans.push(Span::styled(format!("  STOPPED: {e}"), t.error()));
        }
        lines.push(Line::from(spans));
    }
    if r.replicas.is_empty() && !r.running {
        lines.push(Line::styled(
            "not started in this console (headless `cdc-console replicate` shows below)",
            dim,
        ));
    }
    lines
}

/// Most keys listed per table; the counts in its verdict row cover the rest.
const KEYS_PER_TABLE: usize = 20;

/// One row per diffed table: diverged, in flight, the work done.
fn verdict_rows<'a>(view: &View<'a>) -> Vec<[Span<'a>; 4]> {
    let t = view.theme;
    let (dim, text) = (t.dim(), t.text());
    let mut rows = Vec::new();
    for r in &view.embedded.diff.reports {
        let style = if r.differences.is_empty() { t.ok() } else { t.error() };
        rows.push([
            Span::styled(format!("{} = {}", r.source_table, r.sink_table), text),
            Span::styled(format!("{} diverged", r.differences.len()), style),
            Span::styled(
                format!("{} in flight", r.in_flight.len()),
                if r.in_flight.is_empty() { dim } else { t.warn() },
            ),
            Span::styled(
                format!(
                    "{} segments, {} rows fetched, {} ms",
                    r.stats.segments_checked, r.stats.rows_fetched, r.stats.elapsed_ms
                ),
                dim,
            ),
        ]);
    }
    rows
}

/// The diff's rows for a table body of `room` rows, and which of them is the selected key (the
/// `ui.selected`-th of [`crate::store::Embedded::diff_keys`], when it is shown).
fn diff_rows<'a>(view: &View<'a>, room: usize) -> (Vec<[Span<'a>; 4]>, Option<usize>) {
    let t = view.theme;
    let (dim, text) = (t.dim(), t.text());
    // Every table's verdict first, so a long list of keys never pushes another table's
    // verdict off the screen; then each table's keys, diverged before in flight.
    let mut rows = verdict_rows(view);
    // The room left after the verdicts, shared by the tables with keys (each also takes a name
    // row and a "more" row).
    let listed: Vec<_> = view
        .embedded
        .diff
        .reports
        .iter()
        .filter(|r| !r.differences.is_empty() || !r.in_flight.is_empty())
        .collect();
    let share = room.saturating_sub(rows.len()) / listed.len().max(1);
    let (mut first_key, mut selected) = (0, None);
    for r in listed {
        let keys = r.differences.len() + r.in_flight.len();
        // All of them when they fit beside the name row, else room for the "more" row too.
        let per_table = if keys < share && keys <= KEYS_PER_TABLE {
            keys
        } else {
            share.saturating_sub(2).clamp(1, KEYS_PER_TABLE)
        };
        rows.push([
            Span::styled(format!("{}:", r.sink_table), dim),
            Span::raw(""),
            Span::raw(""),
            Span::raw(""),
        ]);
        let shown = r
            .differences
            .iter()
            .map(|d| ("diverged", d))
            .chain(r.in_flight.iter().map(|d| ("in flight", d)));
        for (i, (state, d)) in shown.take(per_table).enumerate() {
            if first_key + i == view.ui.selected {
                selected = Some(rows.len());
            }
            let (kind, cols) = match d {
                RowDiff::Missing { .. } => ("missing in sink", String::new()),
                RowDiff::Extra { .. } => ("extra in sink", String::new()),
                RowDiff::Changed { columns, .. } => ("changed", columns.join(", ")),
            };
            rows.push([
                Span::styled(format!("  {}={}", r.key_columns.join(","), d.key().join(",")), text),
                Span::styled(state, if state == "diverged" { t.error() } else { t.warn() }),
                Span::styled(kind, dim),
                Span::styled(cols, text),
            ]);
        }
        first_key += keys;
        let more = keys.saturating_sub(per_table);
        if more > 0 {
            rows.push([
                Span::styled(format!("  … {more} more keys"), dim),
                Span::raw(""),
                Span::raw(""),
                Span::raw(""),
            ]);
        }
    }
    for e in &view.embedded.diff.errors {
        rows.push([
            Span::styled("error", t.error()),
            Span::raw(""),
            Span::raw(""),
            Span::styled(e.clone(), t.error()),
        ]);
    }
    (rows, selected)
}

#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let (dim, text) = (t.dim(), t.text());
    let rep = replicator_lines(view);
    // Lines wrap: count the rows they take inside the borders.
    let inner = area.width.saturating_sub(2).max(1) as usize;
    let height: usize = rep.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let [top, diff_area, sink, tables] = Layout::vertical([
        Constraint::Length(height as u16 + 2),
        Constraint::Fill(2),
        Constraint::Length(3),
        Constraint::Fill(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(rep).wrap(Wrap { trim: false }).block(block("Replicator", view, None)),
        top,
    );

    let d = &view.embedded.diff;
    let title = match (d.running, d.started, d.finished) {
        (true, Some(s), _) => format!("Diff: running for {}", age(s, view.now)),
        (false, Some(s), Some(f)) => {
            format!(
                "Diff: {} ago, took {:.1} s",
                age(f, view.now),
                f.duration_since(s).unwrap_or_default().as_secs_f64()
            )
        }
        _ => "Diff".to_string(),
    };
    // Inside the borders, below the header row.
    let (rows, selected) = diff_rows(view, diff_area.height.saturating_sub(3) as usize);
    let headers = ["TABLE / KEY", "STATE", "", "WORK / COLUMNS"];
    let mut widths: Vec<Constraint> = (0..4).map(|i| column_width(&headers, &rows, i)).collect();
    // The table (or key) first, at most half the width; the work or columns take the rest.
    if let Constraint::Length(w) = widths[0] {
        widths[0] = Constraint::Length(w.min(area.width / 2));
    }
    widths[3] = Constraint::Fill(1);
    let rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
    let empty = if d.running {
        "diffing the replicas against the source…"
    } else {
        "no diff run yet: press d"
    };
    match selected {
        // A differing key is selected: highlighted, its story one key away.
        Some(i) => {
            let title = format!("{title} · {} opens the selected row's story", story_keys(view));
            let table = ratatui::widgets::Table::new(rows, widths)
                .header(header(view, headers))
                .block(block(&title, view, None));
            render_selectable(frame, diff_area, view, table, i);
        }
        None => render_table(
            frame,
            diff_area,
            view,
            rows,
            &widths,
            header(view, headers),
            block(&title, view, None),
            empty,
        ),
    }

    let s = &view.store.sink;
    let stale = staleness(s, view);
    let status = match &s.health {
        Health::Unknown => Line::styled("not polled yet", t.unknown()),
        Health::Up { since } => Line::from(vec![
            Span::styled(format!("reachable, up {}", age(*since, view.now)), t.ok()),
            Span::styled(format!("  {}", s.endpoint), dim),
        ]),
        Health::Down { since, reason, .. } => {
            Line::styled(format!("down {}: {reason}", age(*since, view.now)), t.error())
        }
    };
    frame.render_widget(Paragraph::new(status).block(block("Sink", view, stale.clone())), sink);

    let snap = s.snapshot.as_ref();
    let mut rows: Vec<[Span; 3]> = snap
        .iter()
        .flat_map(|p| &p.console_tables)
        .map(|c| {
            [
                Span::styled(c.name.clone(), text),
                Span::raw("table"),
                Span::raw(format!("{} rows", c.live_rows)),
            ]
        })
        .collect();
    rows.extend(snap.iter().flat_map(|p| &p.applied).map(|a| {
        [Span::styled(a.consumer.clone(), text), Span::raw("applied LSN"), Span::raw(a.lsn.clone())]
    }));
    let headers = ["NAME", "KIND", "VALUE"];
    let widths: Vec<Constraint> = (0..3).map(|i| column_width(&headers, &rows, i)).collect();
    let rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
    let empty = if snap.is_some() {
        "no console tables in the sink's cdc schema yet, no applied LSNs"
    } else {
        "nothing from the sink yet"
    };
    render_table(
        frame,
        tables,
        view,
        rows,
        &widths,
        header(view, headers),
        block("Sink: cdc schema", view, stale),
        empty,
    );
}

/// The keys bound to the row story in this view ("w").
fn story_keys(view: &View) -> String {
    view.keymap
        .keys_for(crate::action::Scope::Replication, crate::action::Action::RowStory)
        .join("/")
}

/// `◐ retrying (attempt N, next in Ns): reason`, for a stage waiting to try again.
pub(super) fn retrying(view: &View, r: Option<&Retrying>) -> Span<'static> {
    let what = r.map(|r| r.describe(view.now)).unwrap_or_default();
    Span::styled(format!("◐ {what}"), view.theme.warn().bold())
}

//! The embedded processor's job: running, paused or stopped, events/s, the job watermark and how
//! far it trails the wall clock, open and fired windows, late events, checkpoint age and the
//! firing delay; the newest output rows (the job's results, as its output table holds them);
//! then every partition's watermark.
//!
//! ```text
//! ┌ Processor: job NAME ─────────────────────────┐
//! │ state, events/s, checkpoint age              │
//! │ job watermark (behind wall clock), windows   │
//! │ late events, dead letters, firing delay      │
//! ├ Flink (the same jobs on the session cluster) ┤  processor_flink.rs
//! │ JOB STATE UPTIME RESTARTS CHECKPOINT WM…     │
//! ├ Latest windows ──────────────────────────────┤
//! │ WINDOW (UTC) GROUP… AGGREGATE…  (as stored)  │
//! ├ Partitions ──────────────────────────────────┤
//! │ PARTITION WATERMARK BEHIND IDLE NEXT OFFSET… │
//! └──────────────────────────────────────────────┘
//! ```

use std::time::UNIX_EPOCH;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Wrap};

use crate::store::snapshots::{FiredWindow, ProcessorPartitions};
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, column_width, header, render_table, waiting_for_topics};
use crate::ui::{View, age};

/// "12.3 s" behind, from a millisecond epoch and the frame's clock.
fn behind(view: &View, ms: i64) -> String {
    let now = view.now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    format!("{:.1} s", (now - ms).max(0) as f64 / 1000.0)
}

fn summary<'a>(view: &View<'a>) -> Vec<Line<'a>> {
    let t = view.theme;
    let p = &view.embedded.processor;
    let (dim, text) = (t.dim(), t.text());
    let label = |s: &str| Span::styled(format!("{s:<15}"), dim);
    let state = match (&p.error, p.running, p.paused) {
        _ if p.retrying.is_some() => super::replication::retrying(view, p.retrying.as_ref()),
        (_, true, true) => Span::styled("‖ paused", t.warn().bold()),
        (_, true, false) => Span::styled("● running", t.ok().bold()),
        (Some(_), false, _) => Span::styled("● stopped (failed)", t.error().bold()),
        (None, false, _) => Span::styled("○ stopped", t.dim().bold()),
    };
    let checkpoint = match p.last_checkpoint {
        Some(at) => {
            format!("last checkpoint {} ago ({} this run)", age(at, view.now), p.checkpoints)
        }
        None => "no checkpoint this run".into(),
    };
    let mut lines = vec![Line::from(vec![
        label("state"),
        state,
        Span::styled(format!("  {:.0} events/s  {} events", p.events_per_sec, p.events), text),
        Span::styled(format!("  {checkpoint}"), dim),
    ])];
    let s = p.stats.as_ref();
    let watermark = match s.and_then(|s| s.job_watermark) {
        Some(w) => vec![
            Span::styled(crate::units::epoch_ms(w), text),
            Span::styled(format!("  {} behind wall clock", behind(view, w)), dim),
        ],
        None if s.is_some_and(|s| s.idle) => {
            vec![Span::styled("idle (every partition idle)", t.warn())]
        }
        None => vec![Span::styled("-", dim)],
    };
    lines.push(Line::from([vec![label("job watermark")], watermark].concat()));
    lines.push(Line::from(vec![
        label("windows"),
        Span::styled(
            format!(
                "{} open, {} fired",
                s.map_or(0, |s| s.open_windows),
                s.map_or(0, |s| s.fired_windows)
            ),
            text,
        ),
    ]));
    let warn_if = |n: u64| if n > 0 { t.warn() } else { text };
    lines.push(Line::from(vec![
        label("late events"),
        Span::styled(p.late_events.to_string(), warn_if(p.late_events)),
        Span::styled("  (cdc.late_events)   dead letters ", dim),
        Span::styled(p.dead_letters.to_string(), warn_if(p.dead_letters)),
        Span::styled("   truncates ", dim),
        Span::styled(p.truncates.to_string(), warn_if(p.truncates)),
    ]));
    let f = p.firing_delay_ms;
    let delay = if f.count == 0 {
        "-".to_string()
    } else {
        format!(
            "p50 {} ms  p99 {} ms  max {} ms  ({} windows, last minute)",
            f.p50, f.p99, f.max, f.count
        )
    };
    lines.push(Line::from(vec![label("firing delay"), Span::styled(delay, text)]));
    lines.extend(waiting_for_topics(view, &p.waiting_for));
    if let Some(e) = &p.error {
        lines.push(Line::styled(e.clone(), t.error()));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let p = &view.embedded.processor;
    let lines = summary(view);
    let inner = area.width.saturating_sub(2).max(1) as usize;
    let height: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let shown = p.latest_windows.len().max(1) as u16;
    let [top, flink, windows, parts] = Layout::vertical([
        Constraint::Length(height as u16 + 2),
        Constraint::Length(super::processor_flink::height(view)),
        Constraint::Length(shown + 3),
        Constraint::Fill(1),
    ])
    .areas(area);
    let title =
        if p.job.is_empty() { "Processor".into() } else { format!("Processor: job {}", p.job) };
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(&title, view, None)),
        top,
    );
    super::processor_flink::draw(frame, flink, view);
    draw_windows(frame, windows, view, &p.latest_windows);
    let (dim, text) = (t.dim(), t.text());
    let rows: Vec<[Span; 8]> = p
        .stats
        .iter()
        .flat_map(|s| &s.partitions)
        .map(|ps| {
            // One topic: its partition number; several: topic/partition.
            let (topic, partition) = p.topic_partition(ps.partition);
            let name = match p.topics.len() {
                1 => partition.to_string(),
                _ => format!("{}/{partition}", topic.unwrap_or("?")),
            };
            // The time of day (UTC) is enough next to the summary's full job watermark.
            let wm = ps.watermark.map_or("-".to_string(), |w| {
                crate::units::epoch_ms(w).get(11..23).unwrap_or_default().to_string()
            });
            let lag = ps.watermark.map_or("-".to_string(), |w| behind(view, w));
            [
                Span::styled(name, text),
                Span::styled(wm, text),
                Span::styled(lag, text),
                if ps.idle { Span::styled("idle", t.warn()) } else { Span::styled("active", dim) },
                Span::raw(ps.next_offset.to_string()),
                Span::raw(format!("{} / {}", ps.open_windows, ps.fired_windows)),
                Span::styled(
                    ps.late_events.to_string(),
                    if ps.late_events > 0 { t.warn() } else { dim },
                ),
                Span::raw(ps.events_applied.to_string()),
            ]
        })
        .collect();
    let headers = [
        "PARTITION",
        "WATERMARK (UTC)",
        "BEHIND",
        "STATE",
        "NEXT OFFSET",
        "OPEN / FIRED",
        "LATE",
        "EVENTS",
    ];
    let widths: Vec<Constraint> = (0..8).map(|i| column_width(&headers, &rows, i)).collect();
    let rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
    let empty = if p.running {
        "no partition assigned yet"
    } else {
        "not running: s starts the first configured job"
    };
    render_table(
        frame,
        parts,
        view,
        rows,
        &widths,
        header(view, headers),
        block("Partitions", view, None),
        empty,
    );
}

/// "09:08:00–09:09:00" (UTC), the date left to the summary's watermark.
fn window_span(w: &FiredWindow) -> String {
    let hms = |ms: i64| crate::units::epoch_ms(ms).get(11..19).unwrap_or_default().to_string();
    format!("{}–{}", hms(w.window_start), hms(w.window_end))
}

/// The newest output rows: window, group values, aggregates, as the output table holds them.
fn draw_windows(frame: &mut Frame, area: Rect, view: &View, latest: &[FiredWindow]) {
    let (dim, text) = (view.theme.dim(), view.theme.text());
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "NULL".into());
    let mut headers: Vec<String> = vec!["WINDOW (UTC)".into()];
    if let Some(first) = latest.first() {
        headers.extend(first.group.iter().chain(&first.aggregates).map(|(c, _)| c.to_uppercase()));
    }
    let rows: Vec<Vec<Span>> = latest
        .iter()
        .map(|w| {
            let mut cells = vec![Span::styled(window_span(w), text)];
            cells.extend(w.group.iter().map(|(_, v)| Span::styled(value(v), text)));
            if w.deleted {
                cells.push(Span::styled("(emptied: row deleted)", dim));
            } else {
                cells.extend(w.aggregates.iter().map(|(_, v)| Span::styled(value(v), text)));
            }
            cells
        })
        .collect();
    let widths: Vec<Constraint> = (0..headers.len())
        .map(|i| {
            let w = rows.iter().filter_map(|r| r.get(i)).map(Span::width);
            Constraint::Length(w.chain([headers[i].len()]).max().unwrap_or(0) as u16)
        })
        .collect();
    let rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
    render_table(
        frame,
        area,
        view,
        rows,
        &widths,
        header(view, headers.iter().map(String::as_str)),
        block("Latest windows", view, None),
        "no window fired yet",
    );
}

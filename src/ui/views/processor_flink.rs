//! The Flink jobs beside the embedded one, in the processor view: per job its state, uptime,
//! restarts, last checkpoint (age, duration, size, failed count), the slowest vertex's
//! watermark delay, the worst backpressure, records in/out per second and the source's lag;
//! the selected job's vertices below when there is room. Flink not running is a hint, not an
//! error; once seen and lost, the reason and since when, over the last good jobs.

use std::time::UNIX_EPOCH;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::store::Health;
use crate::store::rows::Table;
use crate::store::snapshots::{Backpressure, FlinkJob};
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, render_fitted, staleness};
use crate::ui::{View, age};

/// Most job rows the block grows to before it scrolls.
const MOST_ROWS: usize = 6;

/// The rows the Flink block needs: its jobs' table, or one line of hint or reason.
pub fn height(view: &View) -> u16 {
    let flink = &view.store.flink;
    let jobs = flink.snapshot().map_or(0, |s| s.jobs.len());
    if jobs == 0 { 3 } else { jobs.min(MOST_ROWS) as u16 + 3 }
}

fn now_ms(view: &View) -> i64 {
    view.now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn ms(v: Option<i64>) -> String {
    v.map_or("-".into(), |v| crate::units::millis(v.max(0) as u64))
}

/// An age or an uptime: "42s", "5m12s".
fn secs(v: Option<i64>) -> String {
    v.map_or("-".into(), |v| crate::units::seconds((v.max(0) / 1000) as u64))
}

fn rate(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}

/// A job's last checkpoint: "12s ago 85 ms 1.2K" and ", 2 failed" when any did.
fn checkpoint(j: &FlinkJob, now: i64) -> String {
    let failed = match j.failed_checkpoints() {
        0 => String::new(),
        n => format!(" {n} failed"),
    };
    match j.last_checkpoint() {
        Some(c) => format!(
            "{} ago {} {}{failed}",
            secs(c.trigger_ms.map(|t| now - t)),
            ms(c.duration_ms.map(|d| d as i64)),
            c.state_size.map_or("-".into(), |s| crate::units::bytes(s as i64, false)),
        ),
        None if j.summary.is_live() => format!("none yet{failed}"),
        None => "-".into(),
    }
}

fn job_row<'a>(view: &View, j: &'a FlinkJob, now: i64) -> [Span<'a>; 11] {
    let t = view.theme;
    let state_style = match j.summary.state.as_str() {
        "RUNNING" => t.ok(),
        "FAILED" | "FAILING" => t.error(),
        "RESTARTING" | "CANCELLING" | "CREATED" | "INITIALIZING" => t.warn(),
        _ => t.dim(),
    };
    let restarts = j.restarts.unwrap_or(0);
    let bp = j.backpressure();
    let bp_style = match bp {
        Some(Backpressure::High) => t.error(),
        Some(Backpressure::Low) => t.warn(),
        _ => t.dim(),
    };
    let name = j.console_job.clone().unwrap_or_else(|| j.summary.name.clone());
    [
        Span::styled(name, t.text()),
        Span::styled(j.summary.state.clone(), state_style),
        Span::raw(secs(j.uptime_ms(now))),
        Span::styled(
            j.restarts.map_or("-".into(), |r| r.to_string()),
            if restarts > 0 { t.warn() } else { t.dim() },
        ),
        Span::styled(
            checkpoint(j, now),
            if j.failed_checkpoints() > 0 { t.warn() } else { t.text() },
        ),
        Span::raw(ms(j.max_watermark_delay_ms(now))),
        Span::styled(bp.map_or("-".into(), |b| format!("{b:?}").to_lowercase()), bp_style),
        Span::raw(rate(j.records_in_per_sec())),
        Span::raw(rate(j.records_out_per_sec())),
        Span::raw(rate(j.source_lag())),
        Span::styled(j.summary.id.get(..8).unwrap_or(&j.summary.id).to_string(), t.dim()),
    ]
}

const HEADERS: [&str; 11] = [
    "FLINK JOB",
    "STATE",
    "UPTIME",
    "RESTARTS",
    "LAST CHECKPOINT",
    "WM DELAY",
    "BACKPRESSURE",
    "IN/S",
    "OUT/S",
    "SOURCE LAG",
    "ID",
];

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let t = view.theme;
    let flink = &view.store.flink;
    let title = match flink.snapshot() {
        Some(s) if !s.overview.flink_version.is_empty() => format!(
            "Flink {}: {} taskmanagers, {}/{} slots free",
            s.overview.flink_version,
            s.overview.taskmanagers,
            s.overview.slots_available,
            s.overview.slots_total
        ),
        _ => "Flink".to_string(),
    };
    let mut b = block(&title, view, staleness(&flink.backend, view));
    if let (Health::Down { since, reason, .. }, Some(_)) = (&flink.backend.health, flink.snapshot())
    {
        // Over the last good jobs, on the block's bottom edge.
        b = b.title_bottom(down(view, *since, reason));
    }
    let message = if flink.not_running {
        Some(Line::from(vec![
            Span::styled("not running", t.dim()),
            Span::styled("  (start it: compose/local/stack up flink)", t.dim()),
        ]))
    } else {
        match (&flink.backend.health, flink.snapshot()) {
            (Health::Unknown, None) => Some(Line::styled("not polled yet", t.dim())),
            (Health::Down { since, reason, .. }, None) => Some(down(view, *since, reason)),
            (_, Some(s)) if s.jobs.is_empty() => Some(Line::styled("no jobs", t.dim())),
            _ => None,
        }
    };
    if let Some(line) = message {
        frame.render_widget(Paragraph::new(line).block(b), area);
        return;
    }
    // The rows the app acts on, in its order and after its filter.
    let ids = view.store.rows(Some(Table::FlinkJobs), &view.ui.filter, None);
    let all = flink.snapshot().map(|s| s.jobs.as_slice()).unwrap_or_default();
    let jobs: Vec<&FlinkJob> =
        ids.iter().filter_map(|id| all.iter().find(|j| j.summary.id == *id)).collect();
    let now = now_ms(view);
    let rows: Vec<[Span; 11]> = jobs.iter().map(|j| job_row(view, j, now)).collect();
    let selected = Some(view.ui.selected);
    render_fitted(frame, area, view, HEADERS, rows, 2, b, "no job matches the filter", selected);
}

fn down<'a>(view: &View, since: std::time::SystemTime, reason: &str) -> Line<'a> {
    Line::styled(
        format!(" down {} ago: {} ", age(since, view.now), view.store.flink.backend.cause(reason)),
        view.theme.error(),
    )
}

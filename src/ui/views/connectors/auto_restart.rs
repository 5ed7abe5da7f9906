//! How auto-restart shows for an opted-in connector: a short cell in the list ("3× · next in
//! 8s") and a line in the detail with the reason of the last restart. The column is there only
//! when some listed connector is opted in, so a console without auto-restart looks as before.

use std::time::Duration;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::store::snapshots::{AutoRestartStatus, Connector};
use crate::ui::View;
use crate::ui::style::Roles;
use crate::units::seconds;

/// The list's AUTO-RESTART cell; empty for a connector that is not opted in.
pub(super) fn cell(view: &View, c: &Connector) -> Span<'static> {
    let Some(s) = &c.auto_restart else { return Span::raw("") };
    let (text, style) = short(view, s);
    Span::styled(text, style)
}

fn short(view: &View, s: &AutoRestartStatus) -> (String, Style) {
    let t = view.theme;
    if !s.active {
        return ("off (read-only)".into(), t.dim());
    }
    let count = (s.restarts > 0).then(|| format!("{}×", s.restarts));
    match (s.next_in(view.now), s.last_restart_ago(view.now)) {
        (Some(next), _) => {
            let next = format!("next in {}", in_seconds(next));
            let style = if s.last_error.is_some() { t.error() } else { t.warn() };
            (count.map_or(next.clone(), |c| format!("{c} · {next}")), style)
        }
        (None, Some(ago)) => {
            (format!("{} · {} ago", count.unwrap_or_default(), seconds(ago.as_secs())), t.dim())
        }
        (None, None) => ("on".into(), t.dim()),
    }
}

/// The detail's lines: `auto-restart 3× · next in 8s · last 8s ago`, the reason of the last
/// restart under it, and the worker's answer when the last request was refused. None for a
/// connector that is not opted in.
pub(super) fn detail(view: &View, c: &Connector) -> Vec<Line<'static>> {
    let Some(s) = &c.auto_restart else { return Vec::new() };
    let t = view.theme;
    let label = |text: &str| Span::styled(format!("{text:<8}"), t.dim());
    if !s.active {
        let off = "auto-restart off: --read-only changes nothing";
        return vec![Line::from(vec![label("restart"), Span::styled(off, t.warn())])];
    }
    let mut parts = vec![format!("auto-restart {}×", s.restarts)];
    let next = s.next_in(view.now);
    if let Some(next) = next {
        parts.push(format!("next in {}", in_seconds(next)));
    }
    if let Some(ago) = s.last_restart_ago(view.now) {
        parts.push(format!("last {} ago", seconds(ago.as_secs())));
    }
    let style = if next.is_some() { t.warn() } else { t.text() };
    let mut lines =
        vec![Line::from(vec![label("restart"), Span::styled(parts.join(" · "), style)])];
    if let Some(reason) = &s.last_reason {
        lines
            .push(Line::from(vec![label(""), Span::styled(format!("because: {reason}"), t.dim())]));
    }
    if let Some(e) = &s.last_error {
        lines.push(Line::from(vec![label(""), Span::styled(format!("refused: {e}"), t.error())]));
    }
    lines
}

/// Whole seconds, rounded up while waiting (a restart "next in 0s" would already be due).
fn in_seconds(d: Duration) -> String {
    seconds(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

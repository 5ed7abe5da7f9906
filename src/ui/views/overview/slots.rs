//! The overview's replication slots under the slot guard: status, retained WAL and its growth,
//! time to `max_slot_wal_keep_size`, each row amber or red by the guard, with its first reason.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

use crate::store::{GuardLevel, SlotGuard};
use crate::ui::View;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, render_fitted, staleness};
use crate::units::bytes;

pub fn guard_style(view: &View, level: GuardLevel) -> Style {
    match level {
        GuardLevel::Ok => view.theme.text(),
        GuardLevel::Amber => view.theme.warn(),
        GuardLevel::Red => view.theme.error(),
    }
}

/// The slot figure of the source box: the worst slot's verdict in a few words.
pub fn slot_figure(view: &View, guards: &[SlotGuard]) -> Option<(String, Style)> {
    let worst = guards.iter().max_by_key(|g| g.level)?;
    let slots = view.store.source.snapshot.as_ref().map_or(&[][..], |s| &s.slots[..]);
    let slot = slots.iter().find(|s| s.name == worst.slot)?;
    let words = match (worst.level, worst.time_to_limit_secs) {
        (_, _) if worst.time_to_limit == "lost" => "slot LOST".to_string(),
        (GuardLevel::Ok, _) => {
            let lag = slots.iter().filter_map(|s| s.lag_bytes).max().unwrap_or(0);
            format!("slot lag {}", bytes(lag, false))
        }
        (_, Some(_)) => format!("slot lost in {}", worst.time_to_limit),
        _ if worst.idle_source.is_some() => "slot idle".into(),
        _ if !slot.active => "slot inactive".into(),
        _ => format!("slot {}", slot.wal_status.as_deref().unwrap_or("?")),
    };
    Some((words, guard_style(view, worst.level)))
}

pub fn draw_slots(frame: &mut Frame, area: Rect, view: &View) {
    let src = &view.store.source;
    let guards = view.store.slot_guards(view.now);
    let t = view.theme;
    let rows: Vec<[Span; 8]> = src
        .snapshot
        .iter()
        .flat_map(|s| &s.slots)
        .zip(&guards)
        .map(|(s, g)| {
            let style = guard_style(view, g.level);
            let state = match (s.wal_status.as_deref(), s.active) {
                (Some("lost"), _) => ("LOST", t.error()),
                (_, true) => ("active", t.ok()),
                (_, false) => ("inactive", t.warn()),
            };
            let growth = s.retained_bytes_per_sec.map(|r| format!("{}/s", bytes(r as i64, false)));
            let size = |b: Option<i64>| b.map(|b| bytes(b, false)).unwrap_or_default();
            [
                Span::styled(s.name.clone(), style),
                Span::styled(state.0, state.1),
                Span::raw(size(s.lag_bytes)),
                Span::raw(size(s.retained_bytes)),
                Span::styled(g.time_to_limit.clone(), style),
                Span::styled(shortened(g.reasons.first().map_or("", String::as_str)), style),
                Span::raw(growth.unwrap_or_default()),
                Span::styled(s.wal_status.clone().unwrap_or_default(), style),
            ]
        })
        .collect();
    // Name, state, lag and retained always; the guard's figures while they fit.
    let headers = ["SLOT", "STATE", "LAG", "RETAINED", "LIMIT IN", "GUARD", "GROWTH", "WAL"];
    render_fitted(
        frame,
        area,
        view,
        headers,
        rows,
        4,
        block("Replication slots", view, staleness(src, view)),
        "no replication slots",
        None,
    );
}

/// A reason cut to fit beside the figures (the source box and `slots` give it whole).
fn shortened(reason: &str) -> String {
    const MAX: usize = 48;
    match reason.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &reason[..at]),
        None => reason.to_string(),
    }
}

//! Dead letters in the sink, per consumer (`replica:<name>`, `job:<name>`): how many each
//! refused and when, their reasons grouped with counts, and the newest letters.
//!
//! ```text
//! ┌ Dead letters · sink ─────────────────────────────────────────────┐
//! │CONSUMER             LETTERS  FIRST   LAST                        │
//! │job:orders_by_status    9000  2h04m   12s                         │
//! └──────────────────────────────────────────────────────────────────┘
//! ┌ Reasons ─────────────────────────────────────────────────────────┐
//! │CONSUMER             COUNT  LAST  REASON                          │
//! └──────────────────────────────────────────────────────────────────┘
//! ┌ Newest letters ──────────────────────────────────────────────────┐
//! │ID  CONSUMER  TOPIC  PART  OFFSET  AGE  REASON                    │
//! └──────────────────────────────────────────────────────────────────┘
//! ```
//! `cdc-console dead-letters show ID` prints a letter's key and payload.

use std::time::{Duration, UNIX_EPOCH};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::store::snapshots::DeadLetters;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, column_width, empty_reason, render_fitted, staleness};
use crate::ui::{View, age};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let b = &view.store.sink;
    let stale = staleness(b, view);
    let empty = DeadLetters::default();
    let letters = b.snapshot.as_ref().map_or(&empty, |s| &s.dead_letters);
    let none = empty_reason(b, "no dead letters: every event so far was applied");
    if letters.consumers.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("({none})"), view.theme.dim())).block(block(
                "Dead letters · sink",
                view,
                stale,
            )),
            area,
        );
        return;
    }
    let reasons: usize = letters.consumers.iter().map(|c| c.reasons.len()).sum();
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Length(letters.consumers.len().max(1) as u16 + 3),
        // Many reasons leave the newest letters at least half the screen.
        Constraint::Length((reasons.max(1) as u16 + 3).min(area.height / 2)),
        Constraint::Fill(1),
    ])
    .areas(area);
    let when =
        |ms: i64| age(UNIX_EPOCH + Duration::from_millis(ms.max(0).unsigned_abs()), view.now);
    let name = |c: &str| if c.is_empty() { "(unnamed)".to_string() } else { c.to_string() };
    let warn = view.theme.warn();
    let consumers: Vec<[Span; 4]> = letters
        .consumers
        .iter()
        .map(|c| {
            [
                Span::raw(name(&c.consumer)),
                Span::styled(c.count.to_string(), warn),
                Span::raw(when(c.first_ms)),
                Span::raw(when(c.last_ms)),
            ]
        })
        .collect();
    let title = "Dead letters · sink";
    let headers = ["CONSUMER", "LETTERS", "FIRST", "LAST"];
    let tb = block(title, view, stale.clone());
    render_fitted(frame, top, view, headers, consumers, 2, tb, &none, None);
    let mut grouped: Vec<[Span; 4]> = letters
        .consumers
        .iter()
        .flat_map(|c| {
            c.reasons.iter().map(|r| {
                [
                    Span::raw(name(&c.consumer)),
                    Span::styled(r.count.to_string(), warn),
                    Span::raw(when(r.last_ms)),
                    Span::raw(r.reason.clone()),
                ]
            })
        })
        .collect();
    let headers = ["CONSUMER", "COUNT", "LAST", "REASON"];
    fit_last(&headers, &mut grouped, middle.width);
    let rb = block("Reasons (numbers as N)", view, stale.clone());
    render_fitted(frame, middle, view, headers, grouped, 2, rb, &none, None);
    draw_newest(frame, bottom, view, letters, stale, &none);
}

fn draw_newest(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    letters: &DeadLetters,
    stale: Option<String>,
    none: &str,
) {
    let dim = view.theme.dim();
    let rows: Vec<[Span; 7]> = letters
        .newest
        .iter()
        .map(|l| {
            let at = UNIX_EPOCH + Duration::from_millis(l.recorded_ms.max(0).unsigned_abs());
            [
                Span::raw(l.id.to_string()),
                Span::raw(if l.consumer.is_empty() {
                    "(unnamed)".into()
                } else {
                    l.consumer.clone()
                }),
                Span::raw(l.topic.clone()),
                Span::raw(l.partition.to_string()),
                Span::raw(l.offset.to_string()),
                Span::styled(age(at, view.now), dim),
                Span::raw(l.reason.clone()),
            ]
        })
        .collect();
    let headers = ["ID", "CONSUMER", "TOPIC", "PART", "OFFSET", "AGE", "REASON"];
    let mut rows = rows;
    fit_last(&headers, &mut rows, area.width);
    let nb = block("Newest letters · dead-letters show ID", view, stale);
    render_fitted(frame, area, view, headers, rows, 3, nb, none, None);
}

/// Cuts the last column (a reason: the widest, the one that matters) to what the others leave
/// of a bordered `width`, so that it is shortened with `…` rather than dropped.
fn fit_last<const N: usize>(headers: &[&str; N], rows: &mut [[Span; N]], width: u16) {
    let others: u16 = (0..N - 1)
        .map(|i| match column_width(headers, rows, i) {
            Constraint::Length(w) => w + 1,
            _ => 1,
        })
        .sum();
    let room = usize::from(width.saturating_sub(2 + others)).max(8);
    for r in rows.iter_mut() {
        let text = &r[N - 1].content;
        if text.chars().count() > room {
            let cut: String = text.chars().take(room - 1).collect();
            r[N - 1].content = format!("{cut}…").into();
        }
    }
}

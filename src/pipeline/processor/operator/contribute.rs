//! One contribution applied to the windows it belongs to: the hash-map entry of each fixed
//! window, or the group's sessions; what lateness refuses becomes one late event.

use std::sync::Arc;

use super::decimal::Decimal;
use super::late::{LateEvent, LateReason};
use super::operator::Operator;
use super::state::WindowEntry;
use super::window::{Window, WindowShape};
use crate::pipeline::processor::{Image, Op};

/// A contribution: add (+1) or retract (−1) an image at an event time.
pub(super) struct Contribution<'c, 'a> {
    pub image: &'c Image<'a>,
    pub time: Option<i64>,
    pub sign: i8,
    pub unknown: LateReason,
}

impl Operator {
    /// Applies one contribution to every window it belongs to; true if any took it.
    // ~80 lines: the per-event hot path (session or fixed windows, then the refusal), kept whole.
    pub(super) fn contribute(
        &mut self,
        partition: i32,
        offset: i64,
        op: Op,
        c: &Contribution<'_, '_>,
        late: &mut Vec<LateEvent>,
    ) -> bool {
        let key = self.keys.intern(&c.image.key);
        let Some(t) = c.time else {
            let values = c.image.values.as_slice().into();
            late.push(self.late(partition, offset, op, c, key, &values, None, 0, c.unknown));
            return false;
        };
        let Some(p) = self.partitions.get_mut(&partition) else {
            return false;
        };
        let watermark = match (self.clock.job().value, p.floor) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        // The floor is what this partition was judged against, checkpointed with it: a
        // partition first seen (or restored) since the last advance is judged against the job
        // watermark before any `emit` raises its floor, and a restart must not judge its next
        // records (a retraction of an image refused here) against less.
        p.floor = watermark;
        let too_late =
            |w: &Window| watermark.is_some_and(|wm| w.end.saturating_add(self.lateness_ms) <= wm);
        self.shape.assign(t, &mut self.scratch);
        let mut applied = false;
        let mut refused = std::mem::take(&mut self.refused);
        refused.clear();
        if let WindowShape::Session { gap } = self.shape {
            let own = Window { start: t, end: t.saturating_add(gap) };
            if too_late(&own) {
                refused.push((own, LateReason::TooLate));
            } else if p.purged_until.get(&key).is_some_and(|&until| t <= until) {
                refused.push((own, LateReason::SessionPurged));
            } else if c.sign > 0 {
                super::session::add(p, &self.columns, key, own, &c.image.values);
                applied = true;
            } else if super::session::retract(p, key, t, gap, &c.image.values) {
                applied = true;
            } else {
                refused.push((own, LateReason::NoSession));
            }
        } else {
            for w in &self.scratch {
                if too_late(w) {
                    refused.push((*w, LateReason::TooLate));
                    continue;
                }
                let entry = p.windows.entry((key, w.start)).or_insert_with(|| WindowEntry {
                    end: w.end,
                    acc: super::aggregate::Accumulators::new(&self.columns),
                    fired: false,
                    changed: false,
                    dirty: true,
                });
                entry.acc.apply(&c.image.values, c.sign);
                entry.changed = true;
                entry.dirty = true;
                applied = true;
            }
        }
        if let Some(&(first, reason)) = refused.first() {
            // Fixed windows are refused only as too late, the oldest first: one late event
            // spanning them. A session contribution is refused in its one window.
            let span = refused.iter().fold(first, |span, (w, _)| span.cover(w));
            let values: Arc<[Option<Decimal>]> = c.image.values.as_slice().into();
            let n = refused.len() as u32;
            late.push(self.late(
                partition,
                offset,
                op,
                c,
                key,
                &values,
                Some((t, span)),
                n,
                reason,
            ));
        }
        self.refused = refused;
        applied
    }
}

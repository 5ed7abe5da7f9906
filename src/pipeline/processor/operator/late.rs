//! Contributions the operator refused: never dropped silently, they go to a late-events table.

use std::sync::Arc;

use serde::Serialize;

use super::contribute::Contribution;
use super::decimal::Decimal;
use super::key::{GroupKey, KeyId};
use super::operator::Operator;
use super::window::Window;
use crate::pipeline::processor::Op;

/// Why a contribution was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LateReason {
    /// Its window ended more than the allowed lateness before the watermark (state purged).
    TooLate,
    /// A `source.ts_ms` job retracting a row whose current version it never saw (the row
    /// predates what this job consumed): its window cannot be known, and is not guessed.
    BeforeTimeUnknown,
    /// The image has no event time (only for hand-built changes; the decoder refuses these).
    EventTimeUnknown,
    /// A session job: the event reaches back into a session already purged.
    SessionPurged,
    /// A session job: a retraction that falls in no open session of its group.
    NoSession,
}

impl std::fmt::Display for LateReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::TooLate => "window closed beyond allowed lateness",
            Self::BeforeTimeUnknown => "before image time unknown",
            Self::EventTimeUnknown => "event time unknown",
            Self::SessionPurged => "session already purged",
            Self::NoSession => "no session holds the retracted event",
        })
    }
}

/// One refused contribution (an image of one change), a row of the late-events table. As
/// Flink's late side output holds an element once, not once per window: a hopping
/// contribution refused in several windows is one late event that names their span.
#[derive(Debug, Clone, PartialEq)]
pub struct LateEvent {
    pub partition: i32,
    pub offset: i64,
    /// The change's op; with `retraction` it says which image (before: true, after: false).
    pub op: Op,
    pub retraction: bool,
    /// Shared with the operator's key table and with the other windows the contribution was
    /// refused in: a late event costs no copy of its group key or values.
    pub key: Arc<GroupKey>,
    /// The contribution's event time and the window it was refused in (None: time unknown).
    /// With `windows` > 1, the span from the first refused window's start to the last one's
    /// end: the windows refused are the oldest of the contribution's, consecutive.
    pub event_time: Option<i64>,
    pub window: Option<Window>,
    /// How many windows refused it (0 when its time is unknown).
    pub windows: u32,
    /// The aggregated column values it carried (`aggregate::value_columns` order).
    pub values: Arc<[Option<Decimal>]>,
    pub reason: LateReason,
}

impl LateEvent {
    /// Whether window `w` is one this contribution was refused in.
    pub fn refused_in(&self, w: &Window) -> bool {
        self.window.is_some_and(|span| span.start <= w.start && w.end <= span.end)
    }

    /// Debezium's op letter (`c`, `r`, `u`, `d`, `t`).
    pub fn op_code(&self) -> &'static str {
        match self.op {
            Op::Create => "c",
            Op::Read => "r",
            Op::Update => "u",
            Op::Delete => "d",
            Op::Truncate => "t",
        }
    }
}

impl Operator {
    /// The late event for contribution `c` of group `key`, refused at time `at.0` in the
    /// `windows` windows spanned by `at.1` (None: its time is unknown).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn late(
        &self,
        partition: i32,
        offset: i64,
        op: Op,
        c: &Contribution<'_, '_>,
        key: KeyId,
        values: &Arc<[Option<Decimal>]>,
        at: Option<(i64, Window)>,
        windows: u32,
        reason: LateReason,
    ) -> LateEvent {
        LateEvent {
            partition,
            offset,
            op,
            retraction: c.sign < 0,
            key: self.keys.shared(key),
            event_time: at.map(|a| a.0),
            window: at.map(|a| a.1),
            windows,
            values: Arc::clone(values),
            reason,
        }
    }
}

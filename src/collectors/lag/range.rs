//! A committed offset outside the partition's log: data lost, never "caught up".
//!
//! A consumer resumes at its committed offset. When that offset is beyond the log end, the topic
//! was deleted and recreated (or its log truncated): the consumer waits for offsets that will not
//! come for a long time, and every record written meanwhile is skipped, while log end − committed
//! floors at 0 and would read as caught up. When it is before the log start, retention deleted
//! records the group had not consumed yet. Either is an ERR, with the reason in words.

use serde::Serialize;

/// How a committed offset lies outside `[log start, log end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OutOfRange {
    /// Committed beyond the log end: the topic was recreated or its log truncated.
    BeyondEnd { committed: i64, log_end: i64 },
    /// Committed before the log start: retention deleted records before they were consumed.
    BeforeStart { committed: i64, log_start: i64 },
}

impl OutOfRange {
    /// Where `committed` lies against the log's start (when known) and end; None when within.
    pub fn check(committed: i64, log_start: Option<i64>, log_end: i64) -> Option<Self> {
        if committed > log_end {
            return Some(Self::BeyondEnd { committed, log_end });
        }
        match log_start {
            Some(log_start) if committed < log_start => {
                Some(Self::BeforeStart { committed, log_start })
            }
            _ => None,
        }
    }

    /// Records deleted before they were consumed; None when the count is unknown (a recreated
    /// topic: how much was written to the old one after the commit is gone with it).
    pub fn lost(self) -> Option<u64> {
        match self {
            Self::BeyondEnd { .. } => None,
            Self::BeforeStart { committed, log_start } => {
                u64::try_from(log_start.saturating_sub(committed)).ok()
            }
        }
    }

    /// The reason in words, as `lag` and the groups view show it.
    pub fn reason(self) -> String {
        match self {
            Self::BeyondEnd { committed, log_end } => format!(
                "committed offset {committed} is beyond the log end {log_end}: the topic was \
                 recreated or truncated; records written since are not being consumed"
            ),
            Self::BeforeStart { committed, log_start } => format!(
                "committed offset {committed} is before the log start {log_start}: {} records \
                 were deleted by retention before they were consumed",
                log_start.saturating_sub(committed)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OutOfRange;

    #[test]
    fn within_the_log_is_in_range() {
        assert_eq!(OutOfRange::check(10, Some(0), 10), None);
        assert_eq!(OutOfRange::check(5000, Some(5000), 6000), None);
        assert_eq!(OutOfRange::check(7, None, 10), None, "unknown start: only the end is checked");
    }

    #[test]
    fn beyond_the_log_end_is_a_recreated_topic() {
        let o = OutOfRange::check(91_418, Some(0), 33_479).expect("out of range");
        assert_eq!(o, OutOfRange::BeyondEnd { committed: 91_418, log_end: 33_479 });
        assert_eq!(o.lost(), None);
        assert_eq!(
            o.reason(),
            "committed offset 91418 is beyond the log end 33479: the topic was recreated or \
             truncated; records written since are not being consumed"
        );
    }

    #[test]
    fn before_the_log_start_counts_the_records_lost() {
        let o = OutOfRange::check(120, Some(5000), 9000).expect("out of range");
        assert_eq!(o, OutOfRange::BeforeStart { committed: 120, log_start: 5000 });
        assert_eq!(o.lost(), Some(4880));
        assert_eq!(
            o.reason(),
            "committed offset 120 is before the log start 5000: 4880 records were deleted by \
             retention before they were consumed"
        );
    }
}

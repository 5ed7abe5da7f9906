//! A stored next offset outside its partition's log, checked when the replicator or the
//! processor takes a partition: above the high watermark (the topic was recreated or truncated:
//! every record written since would be skipped) or below the low watermark (retention deleted
//! records before they were consumed). Data lost either way; the replica's or job's
//! `on_offset_out_of_range` says whether to stop (the default) or go on from a watermark.

use crate::config::OnOffsetOutOfRange;

/// What a running stage says when the broker refuses its fetch offset (the consumers run with
/// `auto.offset.reset = error`): it restarts, and the restart's check of the stored offsets
/// stops it or moves them by `on_offset_out_of_range`.
pub const REPORTED: &str = "the broker refused a fetch offset as out of its partition's range \
     (the topic recreated, or records deleted): checking the stored offsets again";

/// Why a stage stopped on an out-of-range stored offset. Never worth a retry: the offset stays
/// out of range until an operator resets it or chooses `earliest`/`latest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{owner}: stored offset {stored} of {topic}[{partition}] is {} (low watermark {low}, high \
     watermark {high}): {}; set on_offset_out_of_range = \"earliest\" or \"latest\" to go on \
     from a watermark",
    if .stored > .high { "beyond the log end" } else { "before the log start" },
    if .stored > .high {
        "the topic was recreated or truncated, records written since would be skipped".to_string()
    } else {
        format!("{} records were deleted by retention before they were consumed", .low - .stored)
    }
)]
pub struct OffsetOutOfRange {
    /// `replica NAME` or `job NAME`.
    pub owner: String,
    pub topic: String,
    pub partition: i32,
    pub stored: i64,
    pub low: i64,
    pub high: i64,
}

/// Where to start a partition whose stored next offset is `stored`, given its watermarks:
/// `Ok(None)` when the offset is within `[low, high]`; `Ok(Some(at))` when out of range and the
/// policy moves it (a warning is logged); `Err` with `fail`.
pub fn resolve(
    policy: OnOffsetOutOfRange,
    owner: &str,
    (topic, partition): (&str, i32),
    stored: i64,
    (low, high): (i64, i64),
) -> Result<Option<i64>, OffsetOutOfRange> {
    if (low..=high).contains(&stored) {
        return Ok(None);
    }
    let e = OffsetOutOfRange {
        owner: owner.to_string(),
        topic: topic.to_string(),
        partition,
        stored,
        low,
        high,
    };
    let at = match policy {
        OnOffsetOutOfRange::Fail => return Err(e),
        OnOffsetOutOfRange::Earliest => low,
        OnOffsetOutOfRange::Latest => high,
    };
    tracing::warn!("{e}; on_offset_out_of_range = {policy:?}: going on from offset {at}");
    Ok(Some(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TP: (&str, i32) = ("t", 2);

    #[test]
    fn within_the_watermarks_nothing_moves() {
        for stored in [0, 5, 10] {
            assert_eq!(
                resolve(OnOffsetOutOfRange::Fail, "replica r", TP, stored, (0, 10)),
                Ok(None)
            );
        }
    }

    #[test]
    fn fail_names_topic_partition_offset_and_watermarks() {
        let e = resolve(OnOffsetOutOfRange::Fail, "replica r", TP, 91_418, (0, 33_479))
            .expect_err("beyond the end");
        assert_eq!(
            e.to_string(),
            "replica r: stored offset 91418 of t[2] is beyond the log end (low watermark 0, high \
             watermark 33479): the topic was recreated or truncated, records written since would \
             be skipped; set on_offset_out_of_range = \"earliest\" or \"latest\" to go on from a \
             watermark"
        );
        let e = resolve(OnOffsetOutOfRange::Fail, "job j", TP, 120, (5000, 9000))
            .expect_err("before the start");
        assert!(
            e.to_string().contains(
                "is before the log start (low watermark 5000, high watermark 9000): 4880 records \
                 were deleted by retention"
            ),
            "{e}"
        );
    }

    #[test]
    fn earliest_and_latest_go_on_from_a_watermark() {
        let r = |p, stored| resolve(p, "job j", TP, stored, (5000, 9000));
        assert_eq!(r(OnOffsetOutOfRange::Earliest, 120), Ok(Some(5000)));
        assert_eq!(r(OnOffsetOutOfRange::Latest, 120), Ok(Some(9000)));
        assert_eq!(r(OnOffsetOutOfRange::Earliest, 9500), Ok(Some(5000)));
        assert_eq!(r(OnOffsetOutOfRange::Latest, 9500), Ok(Some(9000)));
    }
}

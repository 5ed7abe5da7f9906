//! Whether a replica's row will settle, from facts already read: does it equal the source, is
//! the source ahead of the topic (a change Debezium has not emitted yet), and has the replica
//! applied the key's last event. Pure.

use serde::Serialize;

/// A replica's row against the source, worst last (so the worst of several is their `max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The replica holds what the source holds (both without the row counts).
    InSync,
    /// It differs, but what would bring it in line exists and is not applied yet: it will settle.
    InFlight,
    /// It differs and what would tell whether it settles could not be read.
    Unknown,
    /// It differs although the replica applied past the key's last event: it will not settle.
    Diverged,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::InSync => "in sync",
            Verdict::InFlight => "in flight",
            Verdict::Unknown => "unknown",
            Verdict::Diverged => "diverged",
        }
    }
}

/// A replica's applied position on one partition of its topic (`cdc.progress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub partition: i32,
    /// The next offset it will apply: everything below is applied.
    pub next_offset: i64,
    /// The newest source LSN it applied there.
    pub source_lsn: Option<String>,
}

/// The key's newest change event, as the verdict needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastEvent {
    pub partition: i32,
    pub offset: i64,
    /// A delete (or its tombstone): the row should be gone.
    pub deletes: bool,
    /// From the initial snapshot (op r): its txId is the snapshot's, not the row's writer.
    pub snapshot: bool,
    pub tx_id: Option<i64>,
}

/// What the judgement reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    /// The replica's rows equal what the source holds for it (none where the source, through
    /// the replica's filter, has none).
    pub equal: bool,
    /// The row is in the source (whatever the replica's filter).
    pub in_source: bool,
    pub source_xmin: Option<i64>,
    /// `None` when the key has no event on the topic.
    pub last: Option<&'a LastEvent>,
    /// Why the events could not be read, if they could not.
    pub events_error: Option<&'a str>,
    pub applied: &'a [Position],
}

/// The verdict and why, in a sentence.
pub fn judge(f: &Facts<'_>) -> (Verdict, String) {
    if f.equal {
        return (Verdict::InSync, "the replica holds what the source holds".into());
    }
    let Some(last) = f.last else {
        return match f.events_error {
            Some(e) => (
                Verdict::Unknown,
                format!("differs; the key's events could not be read ({e}): whether it settles is unknown"),
            ),
            None => (
                Verdict::Diverged,
                "differs, and the key has no change event on the topic: nothing will bring it in line".into(),
            ),
        };
    };
    if let Some(why) = source_ahead(f, last) {
        return (Verdict::InFlight, why);
    }
    let at = format!("partition {} offset {}", last.partition, last.offset);
    match f.applied.iter().find(|p| p.partition == last.partition) {
        None => (
            Verdict::InFlight,
            format!(
                "the replica has applied nothing on partition {} yet; the key's last event is at {at}: it will settle once applied",
                last.partition
            ),
        ),
        Some(p) if p.next_offset <= last.offset => (
            Verdict::InFlight,
            format!(
                "the replica has applied up to offset {} on partition {}; the key's last event is at {at}: it will settle once applied",
                p.next_offset - 1,
                last.partition
            ),
        ),
        Some(p) => (
            Verdict::Diverged,
            format!(
                "the replica applied past the key's last event ({at}; it is at offset {}) and still differs: it will not settle (changed in the sink, or an event lost)",
                p.next_offset - 1
            ),
        ),
    }
}

/// The source changed after the key's last event (a change not on the topic yet), in words.
fn source_ahead(f: &Facts<'_>, last: &LastEvent) -> Option<String> {
    if !f.in_source {
        return (!last.deletes).then(|| {
            "the row is gone from the source but its delete is not on the topic yet: it will settle once Debezium emits it".into()
        });
    }
    if last.deletes {
        return Some("the row is back in the source after its last event (a delete): it will settle once Debezium emits the insert".into());
    }
    let (xmin, tx) = (f.source_xmin?, last.tx_id?);
    // The row's writer is the xid of its last change; a snapshot event's txId is the snapshot's.
    (!last.snapshot && xmin != tx & 0xffff_ffff).then(|| {
        format!("the source row was last written by transaction {xmin}, which is not on the topic yet (the key's last event is transaction {tx}): it will settle once Debezium emits it")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last(offset: i64, tx: i64) -> LastEvent {
        LastEvent { partition: 1, offset, deletes: false, snapshot: false, tx_id: Some(tx) }
    }

    fn at(next_offset: i64) -> Vec<Position> {
        vec![Position { partition: 1, next_offset, source_lsn: None }]
    }

    fn facts<'a>(equal: bool, last: Option<&'a LastEvent>, applied: &'a [Position]) -> Facts<'a> {
        Facts { equal, in_source: true, source_xmin: Some(700), last, events_error: None, applied }
    }

    #[test]
    fn equal_is_in_sync_whatever_else() {
        assert_eq!(judge(&facts(true, None, &[])).0, Verdict::InSync);
    }

    #[test]
    fn differing_before_the_last_event_is_applied_is_in_flight_after_it_diverged() {
        let e = last(41, 700);
        let (v, why) = judge(&facts(false, Some(&e), &at(41)));
        assert_eq!(v, Verdict::InFlight, "{why}");
        assert!(why.contains("applied up to offset 40 on partition 1"), "{why}");
        assert_eq!(judge(&facts(false, Some(&e), &[])).0, Verdict::InFlight);
        let (v, why) = judge(&facts(false, Some(&e), &at(42)));
        assert_eq!(v, Verdict::Diverged, "{why}");
        assert!(why.contains("applied past the key's last event (partition 1 offset 41"), "{why}");
    }

    #[test]
    fn a_source_change_not_on_the_topic_yet_is_in_flight() {
        let e = last(41, 650);
        let (v, why) = judge(&facts(false, Some(&e), &at(42)));
        assert_eq!(v, Verdict::InFlight, "{why}");
        assert!(why.contains("transaction 700, which is not on the topic yet"), "{why}");
        // A snapshot event's txId says nothing of the row's writer.
        let snap = LastEvent { snapshot: true, ..e.clone() };
        assert_eq!(judge(&facts(false, Some(&snap), &at(42))).0, Verdict::Diverged);
        // Gone from the source, the delete not emitted yet.
        let applied = at(42);
        let gone = Facts { in_source: false, ..facts(false, Some(&e), &applied) };
        assert_eq!(judge(&gone).0, Verdict::InFlight);
        let deleted = LastEvent { deletes: true, ..e };
        let gone = Facts { in_source: false, ..facts(false, Some(&deleted), &applied) };
        assert_eq!(judge(&gone).0, Verdict::Diverged, "deleted and applied, still in the sink");
    }

    #[test]
    fn without_events_it_diverged_unless_they_could_not_be_read() {
        assert_eq!(judge(&facts(false, None, &at(3))).0, Verdict::Diverged);
        let applied = at(3);
        let unread = Facts { events_error: Some("timed out"), ..facts(false, None, &applied) };
        assert_eq!(judge(&unread).0, Verdict::Unknown);
    }
}

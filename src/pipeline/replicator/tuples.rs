//! One replica's staged tuples for a batch, keeping only the last event per key (highest source
//! LSN, then latest in the batch) where keys compare exactly as their binary values: integers,
//! uuids, dates, times and timestamps. The server then neither sorts the batch nor COPYs the
//! events an update or delete superseded; with any other key (text under a collation, numeric
//! scales) the merge keeps its `DISTINCT ON` (see `apply::merge_sql`).

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use super::apply::{self, Event};
use super::copy_binary::{self, Encoding};
use super::copy_text::FieldError;
use super::schema::Plan;
use crate::pipeline::envelope::RawRow;

#[derive(Default)]
pub struct Tuples {
    buf: Vec<u8>,
    /// Each tuple's bytes in `buf`, and whether a later event for its key superseded it.
    spans: Vec<(usize, usize, bool)>,
    /// (segment, key) → (tuple, its event's LSN and place in the batch).
    last: FxHashMap<(i32, Vec<u8>), (usize, u64, i64)>,
    /// A key that does not compare exactly as bytes was staged: the merge picks the last event.
    inexact: bool,
    key: Vec<u8>,
}

/// Keys of these encodings are equal exactly when their binary values are.
fn exact(enc: Encoding) -> bool {
    matches!(
        enc,
        Encoding::Int2
            | Encoding::Int4
            | Encoding::Int8
            | Encoding::Uuid
            | Encoding::Date
            | Encoding::Time { .. }
            | Encoding::Timestamp { .. }
            | Encoding::TimestampTz
    )
}

impl Tuples {
    /// Stages the tuple of one event (see [`apply::copy_line`]); on error nothing is staged.
    pub fn push(&mut self, e: Event, plan: &Plan, row: &RawRow<'_>) -> Result<(), FieldError> {
        let start = self.buf.len();
        apply::copy_line(&mut self.buf, e, plan, row)?;
        let index = self.spans.len();
        self.spans.push((start, self.buf.len(), false));
        if self.inexact || !self.key_of(plan, row) {
            self.inexact = true;
            return Ok(());
        }
        match self.last.entry((e.segment, std::mem::take(&mut self.key))) {
            Entry::Occupied(mut last) => {
                let (earlier, lsn, seq) = *last.get();
                if (e.lsn, e.seq) >= (lsn, seq) {
                    self.spans[earlier].2 = true;
                    last.insert((index, e.lsn, e.seq));
                } else {
                    // An older change arriving later (a redelivery): the merge would skip it too.
                    self.spans[index].2 = true;
                }
            }
            Entry::Vacant(v) => {
                v.insert((index, e.lsn, e.seq));
            }
        }
        Ok(())
    }

    /// The event's key as binary values into `self.key`; false when a key column is not of an
    /// exact encoding or its value went to the text twin.
    fn key_of(&mut self, plan: &Plan, row: &RawRow<'_>) -> bool {
        self.key.clear();
        for &k in &plan.key {
            let m = &plan.columns[k];
            if !exact(m.encoding) {
                return false;
            }
            let value = row.iter().find(|(n, _)| n.0 == m.source).map(|(_, v)| *v);
            let start = self.key.len();
            if copy_binary::column(&mut self.key, m.encoding, &m.source, value).is_err() {
                return false;
            }
            // The typed field is NULL when the value went to the twin (or was null).
            if self.key[start..start + 4] == (-1i32).to_be_bytes() {
                return false;
            }
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The staged tuples without superseded ones, and whether the merge must still pick the last
    /// event per key.
    pub fn finish(self) -> (Vec<u8>, bool) {
        if !self.spans.iter().any(|s| s.2) {
            return (self.buf, self.inexact);
        }
        let mut out = Vec::with_capacity(self.buf.len());
        for &(start, end, superseded) in &self.spans {
            if !superseded {
                out.extend_from_slice(&self.buf[start..end]);
            }
        }
        (out, self.inexact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::envelope;
    use crate::pipeline::replicator::apply::Kind;
    use crate::pipeline::replicator::schema::Mapped;

    fn plan(key_type: &str) -> Plan {
        Plan {
            columns: vec![Mapped::new("id", "id", key_type), Mapped::new("v", "v", "text")],
            key: vec![0],
            source_columns: vec!["id".into(), "v".into()],
        }
    }

    /// Stages (segment, seq, lsn, image) events; returns the tuples left and what a stage of
    /// only `kept` (indexes into `events`) writes.
    fn stage(plan: &Plan, events: &[(i32, u64, &str)], kept: &[usize]) -> (Vec<u8>, bool, Vec<u8>) {
        let images: Vec<Box<serde_json::value::RawValue>> =
            events.iter().map(|e| serde_json::from_str(e.2).unwrap()).collect();
        let event = |i: usize| Event {
            segment: events[i].0,
            seq: i as i64,
            kind: Kind::Upsert,
            lsn: events[i].1,
        };
        let mut t = Tuples::default();
        for (i, image) in images.iter().enumerate() {
            t.push(event(i), plan, &envelope::columns(image).unwrap()).unwrap();
        }
        let (buf, distinct) = t.finish();
        let mut want = Vec::new();
        for &i in kept {
            apply::copy_line(&mut want, event(i), plan, &envelope::columns(&images[i]).unwrap())
                .unwrap();
        }
        (buf, distinct, want)
    }

    #[test]
    fn the_last_event_per_key_and_segment_is_kept_by_lsn_then_place() {
        let events = [
            (0, 10, r#"{"id":1,"v":"a"}"#),
            (0, 20, r#"{"id":2,"v":"b"}"#),
            (0, 30, r#"{"id":1,"v":"c"}"#),   // supersedes the first
            (0, 25, r#"{"id":1,"v":"old"}"#), // an older change delivered late: dropped
            (1, 5, r#"{"id":1,"v":"after a truncate"}"#), // another segment: kept
            (0, 20, r#"{"id":2,"v":"same lsn, later"}"#), // same LSN, later in the batch: wins
        ];
        let (buf, distinct, want) = stage(&plan("bigint"), &events, &[2, 4, 5]);
        assert_eq!(buf, want);
        assert!(!distinct, "integer keys compare exactly: no DISTINCT ON");
    }

    #[test]
    fn text_keys_and_keys_in_other_forms_are_left_to_the_merge() {
        let events = [(0, 10, r#"{"id":"a","v":"x"}"#), (0, 20, r#"{"id":"a","v":"y"}"#)];
        let (buf, distinct, want) = stage(&plan("text"), &events, &[0, 1]);
        assert_eq!(buf, want);
        assert!(distinct);
        // An integer key written as a string goes to the text twin: not compared here.
        let events = [(0, 10, r#"{"id":"7","v":"x"}"#), (0, 20, r#"{"id":7,"v":"y"}"#)];
        let (buf, distinct, want) = stage(&plan("bigint"), &events, &[0, 1]);
        assert_eq!(buf, want);
        assert!(distinct);
    }
}

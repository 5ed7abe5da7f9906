//! What a change is to the superseded check: the row key the replica's merge matches on (as the
//! text PostgreSQL's input functions take, so that spellings of one value compare alike) and the
//! source LSN; and, among the later changes of a partition, the first that supersedes a letter.
//!
//! A later change supersedes a letter when it is of the same row key with a source LSN not older
//! (an older one is a redelivery: the letter is still the newer change), or is a TRUNCATE with an
//! LSN not older (it removed the row, whatever came before).

use std::collections::{HashMap, HashSet};

use super::super::copy_text;
use crate::pipeline::envelope::{self, Op};

/// A row key: each key column's value as input text (`None`: SQL NULL).
pub type RowKey = Vec<Option<String>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// An upsert (the after image) or a delete (the before image) of this row key.
    Row {
        key: RowKey,
        lsn: u64,
    },
    Truncate {
        lsn: u64,
    },
    /// A tombstone (no value): no change at all.
    Tombstone,
    /// Not decodable as far as the check needs (no JSON, no LSN, no image, no key): the staging
    /// says why when it refuses the event again.
    Undecodable,
}

/// The identity of the change in `payload` for a replica keyed by `key_columns` (source names).
pub fn identify(payload: Option<&[u8]>, key_columns: &[String]) -> Identity {
    let env = match envelope::decode_raw(payload) {
        Ok(Some(env)) => env,
        Ok(None) => return Identity::Tombstone,
        Err(_) => return Identity::Undecodable,
    };
    let Some(lsn) = env.source.lsn else { return Identity::Undecodable };
    let image = match env.op {
        Op::Truncate => return Identity::Truncate { lsn },
        Op::Create | Op::Update | Op::Read => env.after,
        Op::Delete => env.before,
    };
    let Some(row) = image.and_then(|raw| envelope::columns(raw).ok()) else {
        return Identity::Undecodable;
    };
    let mut key = Vec::with_capacity(key_columns.len());
    for k in key_columns {
        let Some((name, value)) = row.iter().find(|(n, _)| n.0 == *k) else {
            return Identity::Undecodable;
        };
        match copy_text::text(&name.0, value) {
            Ok(Some(text)) => key.push(Some(text.into_owned())),
            Ok(None) | Err(_) => return Identity::Undecodable,
        }
    }
    Identity::Row { key, lsn }
}

/// The changes of one partition range that can supersede the letters' keys, in offset order.
#[derive(Debug, Default)]
pub struct Later {
    /// Only the keys asked for: row key → (offset, LSN) of each of its changes.
    rows: HashMap<RowKey, Vec<(i64, u64)>>,
    truncates: Vec<(i64, u64)>,
    wanted: HashSet<RowKey>,
}

impl Later {
    /// Collects the later changes of these keys.
    pub fn of(wanted: HashSet<RowKey>) -> Self {
        Self { wanted, ..Self::default() }
    }

    /// Records the change at `offset` (called in offset order).
    pub fn saw(&mut self, offset: i64, change: Identity) {
        match change {
            Identity::Row { key, lsn } if self.wanted.contains(&key) => {
                self.rows.entry(key).or_default().push((offset, lsn));
            }
            Identity::Truncate { lsn } => self.truncates.push((offset, lsn)),
            _ => {}
        }
    }

    /// The first offset after `offset` whose change supersedes the change of `key` at `lsn`.
    pub fn superseding(&self, offset: i64, key: &RowKey, lsn: u64) -> Option<i64> {
        let first = |changes: &[(i64, u64)]| {
            changes.iter().find(|&&(o, l)| o > offset && l >= lsn).map(|&(o, _)| o)
        };
        let row = self.rows.get(key).and_then(|c| first(c));
        let truncate = first(&self.truncates);
        row.into_iter().chain(truncate).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(op: &str, image: &str, lsn: u64) -> Vec<u8> {
        let (before, after) = if op == "d" { (image, "null") } else { ("null", image) };
        format!(r#"{{"before":{before},"after":{after},"source":{{"ts_ms":1,"lsn":{lsn}}},"op":"{op}"}}"#)
            .into_bytes()
    }

    fn key(id: &str) -> RowKey {
        vec![Some(id.into())]
    }

    #[test]
    fn a_change_is_its_row_key_and_lsn() {
        let keys = ["id".to_string()];
        let up = event("u", r#"{"id":7,"v":"a"}"#, 30);
        assert_eq!(identify(Some(&up), &keys), Identity::Row { key: key("7"), lsn: 30 });
        let del = event("d", r#"{"id":"7"}"#, 40);
        assert_eq!(identify(Some(&del), &keys), Identity::Row { key: key("7"), lsn: 40 });
        let t = br#"{"before":null,"after":null,"source":{"ts_ms":1,"lsn":50},"op":"t"}"#;
        assert_eq!(identify(Some(t), &keys), Identity::Truncate { lsn: 50 });
        assert_eq!(identify(None, &keys), Identity::Tombstone);
        assert_eq!(identify(Some(b"{oops"), &keys), Identity::Undecodable);
        let keyless = event("c", r#"{"v":"a"}"#, 30);
        assert_eq!(identify(Some(&keyless), &keys), Identity::Undecodable);
    }

    #[test]
    fn a_later_change_of_the_key_or_a_truncate_supersedes() {
        let mut later = Later::of([key("1"), key("2")].into());
        later.saw(11, Identity::Row { key: key("1"), lsn: 5 }); // a redelivery: older
        later.saw(12, Identity::Row { key: key("3"), lsn: 60 }); // another key
        later.saw(13, Identity::Row { key: key("1"), lsn: 50 });
        later.saw(20, Identity::Truncate { lsn: 90 });
        assert_eq!(later.superseding(10, &key("1"), 40), Some(13));
        assert_eq!(later.superseding(13, &key("1"), 50), Some(20), "only the truncate is later");
        assert_eq!(later.superseding(10, &key("2"), 40), Some(20));
        assert_eq!(later.superseding(10, &key("1"), 95), None, "everything later is older");
        assert_eq!(later.superseding(20, &key("2"), 40), None);
    }
}

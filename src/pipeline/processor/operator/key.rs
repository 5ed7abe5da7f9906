//! Group keys: owned values for results and checkpoints, small interned ids inside the operator.
//!
//! Interning turns the per-event key lookup into one hash of a few bytes built in a reused
//! buffer, with no allocation once a key has been seen. Keys no window holds any more are
//! dropped from time to time ([`KeyInterner::retain`]), so a job grouping by a column of many
//! values (a user id) does not keep every key it ever saw.

use std::io::Write;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::pipeline::processor::KeyPart;

/// One group-by column value in a result.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KeyValue {
    Null,
    Bool(bool),
    Int(i64),
    /// A non-integer JSON number, in its shortest decimal form.
    Number(String),
    Text(String),
}

/// The group-by values of a result, in the job's `group_by` order.
pub type GroupKey = Vec<KeyValue>;

/// An interned group key.
pub type KeyId = u32;

#[derive(Debug, Default)]
pub struct KeyInterner {
    ids: FxHashMap<Box<[u8]>, KeyId>,
    /// Shared, so a late event names its group without copying it.
    keys: Vec<Arc<GroupKey>>,
    scratch: Vec<u8>,
}

impl KeyInterner {
    /// The id of a decoded key (allocates only the first time a key is seen).
    pub fn intern(&mut self, parts: &[KeyPart<'_>]) -> KeyId {
        self.scratch.clear();
        for p in parts {
            match p {
                KeyPart::Null => self.scratch.push(0),
                KeyPart::Bool(b) => self.scratch.extend_from_slice(&[1, u8::from(*b)]),
                KeyPart::Int(n) => {
                    self.scratch.push(2);
                    self.scratch.extend_from_slice(&n.to_le_bytes());
                }
                KeyPart::Float(f) => {
                    self.scratch.push(3);
                    let at = self.scratch.len();
                    self.scratch.extend_from_slice(&[0; 4]);
                    let _ = write!(self.scratch, "{f}");
                    let len = (self.scratch.len() - at - 4) as u32;
                    self.scratch[at..at + 4].copy_from_slice(&len.to_le_bytes());
                }
                KeyPart::Text(t) => {
                    self.scratch.push(4);
                    self.scratch.extend_from_slice(&(t.len() as u32).to_le_bytes());
                    self.scratch.extend_from_slice(t.as_bytes());
                }
            }
        }
        if let Some(id) = self.ids.get(self.scratch.as_slice()) {
            return *id;
        }
        let owned: GroupKey = parts.iter().map(owned).collect();
        let id = self.keys.len() as KeyId;
        self.keys.push(Arc::new(owned));
        self.ids.insert(self.scratch.clone().into_boxed_slice(), id);
        id
    }

    /// The id of a key read back from a checkpoint.
    pub fn intern_owned(&mut self, key: &GroupKey) -> KeyId {
        let parts: Vec<KeyPart<'_>> = key
            .iter()
            .map(|v| match v {
                KeyValue::Null => KeyPart::Null,
                KeyValue::Bool(b) => KeyPart::Bool(*b),
                KeyValue::Int(n) => KeyPart::Int(*n),
                KeyValue::Number(s) => s.parse().map_or(KeyPart::Text(s.into()), KeyPart::Float),
                KeyValue::Text(s) => KeyPart::Text(s.into()),
            })
            .collect();
        self.intern(&parts)
    }

    pub fn key(&self, id: KeyId) -> GroupKey {
        self.keys.get(id as usize).map(|k| k.as_ref().clone()).unwrap_or_default()
    }

    /// Keys interned.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Keeps the keys `live` holds, renumbered in their order; returns each old id's new one.
    pub fn retain(&mut self, live: &[bool]) -> Vec<Option<KeyId>> {
        let mut renumbered = vec![None; self.keys.len()];
        let mut kept = Vec::new();
        for (old, key) in std::mem::take(&mut self.keys).into_iter().enumerate() {
            if live.get(old).copied().unwrap_or(false) {
                renumbered[old] = Some(kept.len() as KeyId);
                kept.push(key);
            }
        }
        self.keys = kept;
        self.ids.retain(|_, id| match renumbered.get(*id as usize).copied().flatten() {
            Some(new) => {
                *id = new;
                true
            }
            None => false,
        });
        renumbered
    }

    /// The key without a copy (late events: hopping jobs refuse a contribution per window).
    pub fn shared(&self, id: KeyId) -> Arc<GroupKey> {
        self.keys.get(id as usize).cloned().unwrap_or_default()
    }
}

fn owned(p: &KeyPart<'_>) -> KeyValue {
    match p {
        KeyPart::Null => KeyValue::Null,
        KeyPart::Bool(b) => KeyValue::Bool(*b),
        KeyPart::Int(n) => KeyValue::Int(*n),
        KeyPart::Float(f) => KeyValue::Number(f.to_string()),
        KeyPart::Text(t) => KeyValue::Text(t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_share_an_id_and_round_trip() {
        let mut k = KeyInterner::default();
        let paid = k.intern(&[KeyPart::Text("paid".into()), KeyPart::Int(7)]);
        let other = k.intern(&[KeyPart::Text("paid".into()), KeyPart::Int(8)]);
        // "a" + "b" must not collide with "ab" + "".
        let split1 = k.intern(&[KeyPart::Text("a".into()), KeyPart::Text("b".into())]);
        let split2 = k.intern(&[KeyPart::Text("ab".into()), KeyPart::Text("".into())]);
        assert_ne!(paid, other);
        assert_ne!(split1, split2);
        let owned = k.key(paid);
        assert_eq!(owned, vec![KeyValue::Text("paid".into()), KeyValue::Int(7)]);
        assert_eq!(k.intern_owned(&owned), paid);
        let f = k.intern(&[KeyPart::Float(1.5), KeyPart::Null]);
        assert_eq!(k.intern_owned(&k.key(f)), f);
    }

    #[test]
    fn retained_keys_are_renumbered_and_the_others_forgotten() {
        let mut k = KeyInterner::default();
        let ids: Vec<KeyId> = (0..4).map(|n| k.intern(&[KeyPart::Int(n)])).collect();
        let map = k.retain(&[false, true, false, true]);
        assert_eq!(map, vec![None, Some(0), None, Some(1)]);
        assert_eq!(k.len(), 2);
        assert_eq!(k.key(0), vec![KeyValue::Int(1)]);
        assert_eq!(k.intern(&[KeyPart::Int(3)]), 1);
        // A forgotten key comes back under a new id.
        assert_eq!(k.intern(&[KeyPart::Int(0)]), 2);
        assert_eq!(ids.len(), 4);
    }
}

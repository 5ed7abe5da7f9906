//! The keymap file's format: per scope, `action = "key"` or `action = ["key", …]`, read in file
//! order so that an unknown action or key is an error pointing at its line.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::keymap::{action_names, parse_key};
use crate::action::{Action, Key, Scope};

pub(super) fn action_named(name: &str) -> Option<Action> {
    use de::IntoDeserializer;
    let d: de::value::StrDeserializer<'_, de::value::Error> = name.into_deserializer();
    Action::deserialize(d).ok()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KeymapFile {
    #[serde(default)]
    global: ScopeBindings,
    #[serde(default)]
    connectors: ScopeBindings,
    #[serde(default)]
    generator: ScopeBindings,
    #[serde(default)]
    processor: ScopeBindings,
    #[serde(default)]
    replication: ScopeBindings,
    #[serde(default)]
    events: ScopeBindings,
    #[serde(default)]
    alerts: ScopeBindings,
}

impl KeymapFile {
    pub(super) fn scopes(self) -> [(Scope, ScopeBindings); 7] {
        [
            (Scope::Global, self.global),
            (Scope::Connectors, self.connectors),
            (Scope::Generator, self.generator),
            (Scope::Processor, self.processor),
            (Scope::Replication, self.replication),
            (Scope::Events, self.events),
            (Scope::Alerts, self.alerts),
        ]
    }
}

/// One scope's table, in file order.
#[derive(Default)]
pub(super) struct ScopeBindings(pub(super) Vec<(Action, Vec<Key>)>);

impl<'de> Deserialize<'de> for ScopeBindings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ScopeBindings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of action = key or [keys]")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ScopeBindings, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let (action, keys) = map.next_value_seed(ActionKeys { name: &name })?;
                    out.push((action, keys));
                }
                Ok(ScopeBindings(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The value of `action = …`; the action name is checked here so the error points at its line.
struct ActionKeys<'a> {
    name: &'a str,
}

impl<'de> DeserializeSeed<'de> for ActionKeys<'_> {
    type Value = (Action, Vec<Key>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl ActionKeys<'_> {
    fn action<E: de::Error>(&self) -> Result<Action, E> {
        action_named(self.name).ok_or_else(|| {
            E::custom(format!(
                "unknown action `{}`; actions: {}",
                self.name,
                action_names().join(", ")
            ))
        })
    }
}

impl<'de> Visitor<'de> for ActionKeys<'_> {
    type Value = (Action, Vec<Key>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key label or an array of key labels")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let action = self.action()?;
        Ok((action, vec![parse_key(v).map_err(E::custom)?]))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let action = self.action()?;
        let mut keys = Vec::new();
        while let Some(KeyLabel(k)) = seq.next_element()? {
            keys.push(k);
        }
        Ok((action, keys))
    }
}

struct KeyLabel(Key);

impl<'de> Deserialize<'de> for KeyLabel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_key(&s).map(KeyLabel).map_err(de::Error::custom)
    }
}

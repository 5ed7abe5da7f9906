//! The serde visitors behind [`ChangeDecoder::decode`](super::change::ChangeDecoder::decode):
//! one pass over the envelope, keeping only the job's columns, borrowing their strings.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::change::ChangeDecoder;

/// A column value as found in the JSON, before the job gives it a meaning.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw<'a> {
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Cow<'a, str>),
    Nested,
}

/// The envelope fields a job reads.
#[derive(Default)]
pub(super) struct RawEnvelope<'a> {
    pub op: Option<Cow<'a, str>>,
    pub source_ts_ms: Option<i64>,
    /// One slot per decoder column; None for a null (or missing) image.
    pub before: Option<Vec<Raw<'a>>>,
    pub after: Option<Vec<Raw<'a>>>,
}

pub(super) struct EnvelopeSeed<'s>(pub &'s ChangeDecoder);

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = RawEnvelope<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = RawEnvelope<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Debezium change event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = RawEnvelope::default();
        let names: &[&str] = &["before", "after", "source", "op"];
        while let Some(field) = map.next_key_seed(NameSeed(names))? {
            match field {
                Some(0) => out.before = map.next_value_seed(ImageSeed(self.0))?,
                Some(1) => out.after = map.next_value_seed(ImageSeed(self.0))?,
                Some(2) => out.source_ts_ms = map.next_value_seed(SourceSeed)?,
                Some(3) => out.op = Some(map.next_value::<Text<'de>>()?.0),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Matches a key against known names without allocating (escaped keys included).
struct NameSeed<'n>(&'n [&'n str]);

impl<'de> DeserializeSeed<'de> for NameSeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NameSeed<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|n| *n == v))
    }
}

/// `source`: only `ts_ms` is kept.
struct SourceSeed;

impl<'de> DeserializeSeed<'de> for SourceSeed {
    type Value = Option<i64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SourceSeed {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the source block")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut ts = None;
        while let Some(field) = map.next_key_seed(NameSeed(&["ts_ms"]))? {
            match field {
                Some(_) => ts = map.next_value::<Option<i64>>()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ts)
    }
}

/// A before/after image: null, or an object whose wanted columns land in their slots.
struct ImageSeed<'s>(&'s ChangeDecoder);

impl<'de> DeserializeSeed<'de> for ImageSeed<'_> {
    type Value = Option<Vec<Raw<'de>>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ImageSeed<'_> {
    type Value = Option<Vec<Raw<'de>>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row image object or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut slots = vec![Raw::Absent; self.0.columns.len()];
        while let Some(field) = map.next_key_seed(ColumnSeed(&self.0.columns))? {
            match field {
                Some(i) => slots[i] = map.next_value::<RawValue<'de>>()?.0,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(slots))
    }
}

struct ColumnSeed<'c>(&'c [String]);

impl<'de> DeserializeSeed<'de> for ColumnSeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ColumnSeed<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a column name")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|n| n == v))
    }
}

/// A string, borrowed unless it had escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor).and_then(|r| match r {
            Raw::Text(t) => Ok(Text(t)),
            _ => Err(serde::de::Error::custom("expected a string")),
        })
    }
}

struct RawValue<'a>(Raw<'a>);

impl<'de> serde::Deserialize<'de> for RawValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor).map(RawValue)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw<'de>, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw<'de>, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw<'de>, E> {
        // Beyond i64 only as a float; a group key or amount that large is not a real case.
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw<'de>, E> {
        Ok(Raw::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Raw<'de>, E> {
        Ok(Raw::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw<'de>, E> {
        Ok(Raw::Text(Cow::Owned(v.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Raw::Nested)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Raw::Nested)
    }
}

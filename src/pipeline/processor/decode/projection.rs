//! Raw JSON values of an image turned into what the job computes with: group-key parts,
//! exact decimals, event times in epoch milliseconds. Every value that cannot serve the job is a
//! [`ChangeError`] naming the image and column.

use std::borrow::Cow;

use super::change::{ChangeDecoder, ChangeError, Image, KeyPart};
use super::event_time;
use super::scan::Raw;
use crate::pipeline::processor::{Decimal, DecimalError};

impl ChangeDecoder {
    pub(super) fn project<'a>(
        &self,
        slots: &[Raw<'a>],
        image: &'static str,
    ) -> Result<Image<'a>, ChangeError> {
        let missing =
            |slot: usize| ChangeError::MissingColumn { image, column: self.columns[slot].clone() };
        let bad = |slot: usize, reason: String| ChangeError::BadValue {
            image,
            column: self.columns[slot].clone(),
            reason,
        };
        let mut key = Vec::with_capacity(self.group_slots.len());
        for &s in &self.group_slots {
            key.push(match &slots[s] {
                Raw::Absent => return Err(missing(s)),
                Raw::Null => KeyPart::Null,
                Raw::Bool(b) => KeyPart::Bool(*b),
                Raw::Int(n) => KeyPart::Int(*n),
                Raw::Number(n) => {
                    n.parse().map_or(KeyPart::Text(Cow::Borrowed(*n)), KeyPart::Float)
                }
                Raw::Text(t) => KeyPart::Text(t.clone()),
                Raw::Str(b) => match std::str::from_utf8(b) {
                    Ok(t) => KeyPart::Text(Cow::Borrowed(t)),
                    Err(_) => return Err(bad(s, "invalid UTF-8 in string".into())),
                },
                Raw::Nested => return Err(bad(s, "a group-by value must be a scalar".into())),
            });
        }
        let mut values = Vec::with_capacity(self.value_slots.len());
        for &s in &self.value_slots {
            let parsed: Result<Option<Decimal>, DecimalError> = match &slots[s] {
                Raw::Absent => return Err(missing(s)),
                Raw::Null => Ok(None),
                Raw::Int(n) => Ok(Some(Decimal::from_int(*n))),
                Raw::Number(n) => Decimal::parse(n).map(Some),
                Raw::Text(t) => Decimal::parse(t).map(Some),
                Raw::Str(b) => Decimal::parse_bytes(b).map(Some),
                Raw::Bool(_) | Raw::Nested => return Err(bad(s, "not a number".into())),
            };
            values.push(parsed.map_err(|e| bad(s, e.to_string()))?);
        }
        let event_time = match self.time_slot {
            None => None,
            Some(s) => Some(match &slots[s] {
                Raw::Absent => return Err(missing(s)),
                Raw::Int(n) => event_time::from_epoch_number(*n),
                Raw::Text(t) => event_time::parse_iso8601(t)
                    .ok_or_else(|| bad(s, format!("`{t}` is not an ISO-8601 timestamp")))?,
                Raw::Str(b) => event_time::parse_iso8601_bytes(b).ok_or_else(|| {
                    let t = String::from_utf8_lossy(b);
                    bad(s, format!("`{t}` is not an ISO-8601 timestamp"))
                })?,
                Raw::Null => return Err(bad(s, "the event time is NULL".into())),
                _ => return Err(bad(s, "not a timestamp".into())),
            }),
        };
        Ok(Image { key, values, event_time })
    }
}

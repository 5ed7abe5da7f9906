//! A Debezium change event projected onto what one job reads, decoded without building a tree.
//!
//! The I/O layer decodes every record of the topic, so this is the hot path: serde visitors walk
//! the JSON once, borrow strings from the input, and skip every field the job does not need with
//! `IgnoredAny` (the `source` block except `ts_ms`, and every column outside the group key, the
//! aggregated columns and the event-time column). Any record that cannot serve the job is an
//! error with a reason, for the dead-letter table.

use std::borrow::Cow;

use super::decimal::{Decimal, DecimalError};
use super::event_time;
use super::scan::{Raw, ScanResult, Scanner};
use crate::config::job::JobConfig;
pub use crate::pipeline::envelope::Op;

/// One group-by column value, borrowed from the record when possible.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyPart<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Cow<'a, str>),
}

/// The projection of a before or after image.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Image<'a> {
    /// The group-by columns, in the job's order.
    pub key: Vec<KeyPart<'a>>,
    /// The aggregated columns (`aggregate::value_columns` order); None is NULL.
    pub values: Vec<Option<Decimal>>,
    /// Epoch ms of the event-time column; None when the job uses `source.ts_ms`.
    pub event_time: Option<i64>,
}

/// What a job needs from one change event.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<'a> {
    pub op: Op,
    /// Commit time in the source database (epoch ms).
    pub source_ts_ms: i64,
    pub before: Option<Image<'a>>,
    pub after: Option<Image<'a>>,
}

/// Why a record cannot be processed (sent to the dead-letter table with this text).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChangeError {
    #[error("not a Debezium change event: {0}")]
    Json(String),
    #[error("unknown op `{0}`")]
    UnknownOp(String),
    #[error("no `op` field")]
    NoOp,
    #[error("no `source.ts_ms`, the job's event time")]
    NoSourceTime,
    #[error("op `{op}` has no {image} image{hint}")]
    MissingImage {
        op: &'static str,
        image: &'static str,
        hint: &'static str,
    },
    #[error("{image} image has no column `{column}`")]
    MissingColumn { image: &'static str, column: String },
    #[error("{image} image column `{column}`: {reason}")]
    BadValue {
        image: &'static str,
        column: String,
        reason: String,
    },
}

/// Columns one job may read (group-by + aggregated + event time, distinct): enough for real
/// jobs, and it keeps an image's slots on the stack.
pub const MAX_COLUMNS: usize = 12;

type Slots<'a> = [Raw<'a>; MAX_COLUMNS];

/// The envelope fields a job reads; filled in place (the slots are too big to move around).
struct RawEnvelope<'a> {
    op: Option<Cow<'a, str>>,
    source_ts_ms: Option<i64>,
    /// One slot per decoder column, and whether the image was there (not null or missing).
    before: (Slots<'a>, bool),
    after: (Slots<'a>, bool),
}

/// `source`: only `ts_ms` is kept.
fn source_ts_ms(s: &mut Scanner<'_>) -> ScanResult<Option<i64>> {
    let mut ts = None;
    if s.null()? {
        return Ok(None);
    }
    s.object(|s, key| {
        if key != b"ts_ms" {
            return s.skip();
        }
        if let Raw::Int(n) = s.value()? {
            ts = Some(n);
        }
        Ok(())
    })?;
    Ok(ts)
}

const FULL_HINT: &str = " (set REPLICA IDENTITY FULL on the source table)";

/// Knows the columns of one job and decodes records for it.
#[derive(Debug, Clone)]
pub struct ChangeDecoder {
    /// Distinct columns read, matched against the image's field names.
    pub(super) columns: Vec<String>,
    pub(super) group_slots: Vec<usize>,
    pub(super) value_slots: Vec<usize>,
    pub(super) time_slot: Option<usize>,
}

impl ChangeDecoder {
    pub fn new(
        group_by: &[String],
        value_columns: &[String],
        event_time_column: Option<&str>,
    ) -> Self {
        let mut columns: Vec<String> = Vec::new();
        let mut slot = |name: &str| match columns.iter().position(|c| c == name) {
            Some(i) => i,
            None => {
                columns.push(name.to_string());
                columns.len() - 1
            }
        };
        let group_slots = group_by.iter().map(|c| slot(c)).collect();
        let value_slots = value_columns.iter().map(|c| slot(c)).collect();
        let time_slot = event_time_column.map(&mut slot);
        Self {
            columns,
            group_slots,
            value_slots,
            time_slot,
        }
    }

    pub fn for_job(job: &JobConfig) -> Self {
        let values: Vec<String> = super::aggregate::value_columns(&job.aggregates)
            .into_iter()
            .map(|c| c.name)
            .collect();
        Self::new(&job.group_by, &values, job.event_time_column())
    }

    /// Decodes a record value; `Ok(None)` for a tombstone (no value, empty, or JSON null).
    pub fn decode<'a>(&self, value: Option<&'a [u8]>) -> Result<Option<Change<'a>>, ChangeError> {
        let bytes = match value {
            None => return Ok(None),
            Some(b) if b.trim_ascii().is_empty() || b.trim_ascii() == b"null" => return Ok(None),
            Some(b) => b,
        };
        let absent = || (std::array::from_fn(|_| Raw::Absent), false);
        let mut raw = RawEnvelope {
            op: None,
            source_ts_ms: None,
            before: absent(),
            after: absent(),
        };
        let mut s = Scanner::new(bytes);
        s.object(|s, key| {
            match key {
                b"before" => raw.before.1 = self.image(s, &mut raw.before.0)?,
                b"after" => raw.after.1 = self.image(s, &mut raw.after.0)?,
                b"source" => raw.source_ts_ms = source_ts_ms(s)?,
                b"op" => {
                    if !s.null()? {
                        raw.op = Some(s.string()?);
                    }
                }
                _ => s.skip()?,
            }
            Ok(())
        })
        .and_then(|()| {
            if s.at_end() {
                Ok(())
            } else {
                Err("trailing characters".into())
            }
        })
        .map_err(ChangeError::Json)?;
        let op = match raw.op.as_deref() {
            Some("c") => Op::Create,
            Some("r") => Op::Read,
            Some("u") => Op::Update,
            Some("d") => Op::Delete,
            Some("t") => Op::Truncate,
            Some(other) => return Err(ChangeError::UnknownOp(other.to_string())),
            None => return Err(ChangeError::NoOp),
        };
        let source_ts_ms = match (raw.source_ts_ms, self.time_slot) {
            (Some(t), _) => t,
            (None, Some(_)) => 0,
            (None, None) => return Err(ChangeError::NoSourceTime),
        };
        let (needs_before, needs_after, name) = match op {
            Op::Create => (false, true, "c"),
            Op::Read => (false, true, "r"),
            Op::Update => (true, true, "u"),
            Op::Delete => (true, false, "d"),
            Op::Truncate => (false, false, "t"),
        };
        let image =
            |(slots, present): &(Slots<'a>, bool), needed: bool, image: &'static str| match present
            {
                true if needed => self.project(slots, image).map(Some),
                false if needed => {
                    let hint = if image == "before" { FULL_HINT } else { "" };
                    Err(ChangeError::MissingImage {
                        op: name,
                        image,
                        hint,
                    })
                }
                _ => Ok(None),
            };
        let before = image(&raw.before, needs_before, "before")?;
        let after = image(&raw.after, needs_after, "after")?;
        Ok(Some(Change {
            op,
            source_ts_ms,
            before,
            after,
        }))
    }

    /// A before/after image: null, or an object whose wanted columns land in their slots.
    fn image<'a>(&self, s: &mut Scanner<'a>, slots: &mut Slots<'a>) -> ScanResult<bool> {
        if s.null()? {
            return Ok(false);
        }
        if self.columns.len() > MAX_COLUMNS {
            return Err(format!("the job reads more than {MAX_COLUMNS} columns"));
        }
        s.object(|s, key| {
            match self.columns.iter().position(|c| c.as_bytes() == key) {
                Some(i) => slots[i] = s.value()?,
                None => s.skip()?,
            }
            Ok(())
        })?;
        Ok(true)
    }

    fn project<'a>(
        &self,
        slots: &[Raw<'a>],
        image: &'static str,
    ) -> Result<Image<'a>, ChangeError> {
        let missing = |slot: usize| ChangeError::MissingColumn {
            image,
            column: self.columns[slot].clone(),
        };
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
                Raw::Number(n) => n
                    .parse()
                    .map_or(KeyPart::Text(Cow::Borrowed(*n)), KeyPart::Float),
                Raw::Text(t) => KeyPart::Text(t.clone()),
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
                Raw::Null => return Err(bad(s, "the event time is NULL".into())),
                _ => return Err(bad(s, "not a timestamp".into())),
            }),
        };
        Ok(Image {
            key,
            values,
            event_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder(time: Option<&str>) -> ChangeDecoder {
        ChangeDecoder::new(&["status".into()], &["amount".into()], time)
    }

    const UPDATE: &[u8] = br#"{"before":{"order_id":1,"user_id":7,"customer_name":"Ann \"A\"","amount":"12.34","status":"pending","updated_at":"2026-11-21T09:08:40.123456Z"},
        "after":{"order_id":1,"user_id":7,"customer_name":"Ann","amount":"15.00","status":"paid","updated_at":"2026-11-21T09:08:41Z","extra":{"x":[1,2]}},
        "source":{"version":"3.0.7.Final","connector":"postgresql","ts_ms":1795252122000,"snapshot":"false","sequence":"[\"1\",\"2\"]","lsn":26812345,"xmin":null},
        "op":"u","ts_ms":1795252122100,"transaction":null}"#;

    #[test]
    fn projects_an_update_onto_the_job_columns() {
        let c = decoder(Some("updated_at"))
            .decode(Some(UPDATE))
            .unwrap()
            .unwrap();
        assert_eq!(c.op, Op::Update);
        assert_eq!(c.source_ts_ms, 1_795_252_122_000);
        let before = c.before.unwrap();
        assert_eq!(before.key, [KeyPart::Text("pending".into())]);
        assert!(
            matches!(before.key[0], KeyPart::Text(Cow::Borrowed(_))),
            "borrowed, not copied"
        );
        assert_eq!(before.values, [Some(Decimal::parse("12.34").unwrap())]);
        assert_eq!(before.event_time, Some(1_795_252_120_123));
        let after = c.after.unwrap();
        assert_eq!(after.event_time, Some(1_795_252_121_000));
        assert_eq!(after.values, [Some(Decimal::from_int(15))]);
    }

    #[test]
    fn source_time_jobs_need_no_column_and_microseconds_work() {
        let c = decoder(None).decode(Some(UPDATE)).unwrap().unwrap();
        assert_eq!(c.after.unwrap().event_time, None);
        let micros = br#"{"before":null,"after":{"status":"new","amount":3,"updated_at":1795252120123456},"source":{"ts_ms":1},"op":"r"}"#;
        let c = decoder(Some("updated_at"))
            .decode(Some(micros))
            .unwrap()
            .unwrap();
        assert_eq!(c.op, Op::Read);
        assert_eq!(c.after.unwrap().event_time, Some(1_795_252_120_123));
    }

    #[test]
    fn tombstones_are_none() {
        let d = decoder(None);
        for t in [None, Some(&b""[..]), Some(&b"null"[..]), Some(&b" "[..])] {
            assert_eq!(d.decode(t).unwrap(), None);
        }
    }

    #[test]
    fn undecodable_records_say_why() {
        let d = decoder(Some("updated_at"));
        let err = |json: &str| d.decode(Some(json.as_bytes())).unwrap_err().to_string();
        assert!(err("{\"op\":").starts_with("not a Debezium change event"));
        assert!(err("[1,2]").starts_with("not a Debezium change event"));
        assert_eq!(err(r#"{"op":"x","source":{"ts_ms":1}}"#), "unknown op `x`");
        assert_eq!(err(r#"{"source":{"ts_ms":1}}"#), "no `op` field");
        assert_eq!(err(r#"{"op":null,"source":{"ts_ms":1}}"#), "no `op` field");
        assert_eq!(
            err(
                r#"{"before":null,"after":{"status":"a","amount":"1","updated_at":"2026-11-21T09:08:40Z"},"op":"u","source":{"ts_ms":1}}"#
            ),
            "op `u` has no before image (set REPLICA IDENTITY FULL on the source table)"
        );
        assert_eq!(
            err(
                r#"{"after":{"status":"a","updated_at":"2026-11-21T09:08:40Z"},"op":"c","source":{"ts_ms":1}}"#
            ),
            "after image has no column `amount`"
        );
        assert_eq!(
            err(
                r#"{"after":{"status":"a","amount":"1x","updated_at":"2026-11-21T09:08:40Z"},"op":"c","source":{"ts_ms":1}}"#
            ),
            "after image column `amount`: `1x` is not a decimal number"
        );
        assert_eq!(
            err(
                r#"{"after":{"status":"a","amount":"1","updated_at":"yesterday"},"op":"c","source":{"ts_ms":1}}"#
            ),
            "after image column `updated_at`: `yesterday` is not an ISO-8601 timestamp"
        );
        assert_eq!(
            decoder(None)
                .decode(Some(
                    br#"{"after":{"status":"a","amount":"1"},"op":"c","source":{}}"#
                ))
                .unwrap_err(),
            ChangeError::NoSourceTime
        );
        assert_eq!(
            d.decode(Some(br#"{"op":"t","source":{"ts_ms":1}}"#))
                .unwrap()
                .unwrap()
                .op,
            Op::Truncate
        );
    }
}

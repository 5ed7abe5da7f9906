//! A windowed aggregation job run by the embedded processor: which topics it reads, how it
//! windows and groups the changes, and where the results go.
//!
//! ```toml
//! [[jobs]]
//! name = "orders_by_status"
//! topics = ["dbserver1.public.orders"]
//! source_tables = ["public.orders"]
//! event_time = "updated_at"
//! window = { kind = "tumbling", size = "10s" }
//! group_by = ["status"]
//! aggregates = [{ fn = "count" }, { fn = "sum", column = "amount" }]
//! allowed_lateness = "1m"
//! output = { table = "cdc.orders_by_status" }
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The event time that means "the commit time in the source database".
pub const SOURCE_TS_MS: &str = "source.ts_ms";

/// One windowed aggregation over CDC changes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// Names the job in the checkpoint table, the late-events table and the console.
    pub name: String,
    /// Debezium topics read by the job (all carry the same table shape).
    pub topics: Vec<String>,
    /// `schema.table` of each captured table: retractions need `REPLICA IDENTITY FULL` there.
    pub source_tables: Vec<String>,
    /// `source.ts_ms` (commit time, the default) or a timestamp column of the table.
    #[serde(default = "default_event_time")]
    pub event_time: String,
    /// How changes are cut into event-time windows.
    pub window: WindowConfig,
    /// Columns forming the group key (none: one group).
    #[serde(default)]
    pub group_by: Vec<String>,
    /// What is computed per group and window.
    pub aggregates: Vec<AggregateConfig>,
    /// How far behind the newest event time an event may still arrive on time.
    #[serde(default = "default_out_of_orderness")]
    pub out_of_orderness: Span,
    /// A partition without events for this long (wall clock) stops holding the watermark back.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout: Span,
    /// How long a fired window stays open for late events (each one re-fires it).
    #[serde(default = "default_allowed_lateness")]
    pub allowed_lateness: Span,
    /// Where the results are written.
    pub output: OutputConfig,
    /// What to do when a checkpointed offset lies outside its partition's log (see
    /// [`OnOffsetOutOfRange`](super::OnOffsetOutOfRange)).
    #[serde(default, skip_serializing_if = "super::OnOffsetOutOfRange::is_fail")]
    pub on_offset_out_of_range: super::OnOffsetOutOfRange,
}

fn default_event_time() -> String {
    SOURCE_TS_MS.into()
}
fn default_out_of_orderness() -> Span {
    Span(Duration::from_secs(2))
}
fn default_idle_timeout() -> Span {
    Span(Duration::from_secs(30))
}
fn default_allowed_lateness() -> Span {
    Span(Duration::ZERO)
}

impl JobConfig {
    /// The demo job: orders per status in 10-second windows by `updated_at`.
    pub fn orders_by_status() -> Self {
        let amount = || "amount".to_string();
        Self {
            name: "orders_by_status".into(),
            topics: vec!["dbserver1.public.orders".into()],
            source_tables: vec!["public.orders".into()],
            event_time: "updated_at".into(),
            window: WindowConfig::Tumbling { size: Span(Duration::from_secs(10)) },
            group_by: vec!["status".into()],
            aggregates: vec![
                AggregateConfig::Count,
                AggregateConfig::Sum { column: amount() },
                AggregateConfig::Avg { column: amount() },
                AggregateConfig::Min { column: amount() },
                AggregateConfig::Max { column: amount() },
            ],
            out_of_orderness: default_out_of_orderness(),
            idle_timeout: default_idle_timeout(),
            allowed_lateness: Span(Duration::from_secs(60)),
            output: OutputConfig { table: "cdc.orders_by_status".into(), topic: None },
            on_offset_out_of_range: Default::default(),
        }
    }

    /// The event-time column, or None for `source.ts_ms`.
    pub fn event_time_column(&self) -> Option<&str> {
        (self.event_time != SOURCE_TS_MS).then_some(self.event_time.as_str())
    }
}

/// Window shapes. Checked when read: no zero durations, a hop's slide divides its size.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "RawWindow")]
pub enum WindowConfig {
    /// Fixed, non-overlapping windows of `size`.
    Tumbling { size: Span },
    /// Windows of `size` starting every `slide`: an event is in size/slide windows.
    Hopping { size: Span, slide: Span },
    /// Per group, events closer than `gap` form one window.
    Session { gap: Span },
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RawWindow {
    Tumbling { size: Span },
    Hopping { size: Span, slide: Span },
    Session { gap: Span },
}

impl TryFrom<RawWindow> for WindowConfig {
    type Error = String;
    fn try_from(raw: RawWindow) -> Result<Self, String> {
        let positive = |name: &str, s: Span| match s.0.as_millis() {
            0 => Err(format!("`{name}` must be at least 1ms")),
            _ => Ok(s),
        };
        Ok(match raw {
            RawWindow::Tumbling { size } => Self::Tumbling { size: positive("size", size)? },
            RawWindow::Session { gap } => Self::Session { gap: positive("gap", gap)? },
            RawWindow::Hopping { size, slide } => {
                let (size, slide) = (positive("size", size)?, positive("slide", slide)?);
                if slide.0 > size.0 {
                    return Err(format!("slide {slide} is longer than size {size}"));
                }
                if size.0.as_millis() % slide.0.as_millis() != 0 {
                    return Err(format!("size {size} is not a multiple of slide {slide}"));
                }
                Self::Hopping { size, slide }
            }
        })
    }
}

/// One aggregate; `count` counts rows, the others read a numeric column.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "fn", rename_all = "snake_case", deny_unknown_fields)]
pub enum AggregateConfig {
    Count,
    Sum { column: String },
    Avg { column: String },
    Min { column: String },
    Max { column: String },
}

impl AggregateConfig {
    /// The numeric column read, None for `count`.
    pub fn column(&self) -> Option<&str> {
        match self {
            Self::Count => None,
            Self::Sum { column }
            | Self::Avg { column }
            | Self::Min { column }
            | Self::Max { column } => Some(column),
        }
    }

    /// The result column: `count`, `sum_amount`, `avg_amount`, `min_amount`, `max_amount`.
    pub fn output_column(&self) -> String {
        let prefix = match self {
            Self::Count => return "count".into(),
            Self::Sum { .. } => "sum",
            Self::Avg { .. } => "avg",
            Self::Min { .. } => "min",
            Self::Max { .. } => "max",
        };
        format!("{prefix}_{}", self.column().unwrap_or_default())
    }
}

/// The sink table (upserted by group key + window start) and an optional topic copy.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// `schema.table` in the sink database.
    pub table: String,
    /// A Kafka topic the results are also produced to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// A duration written the humantime way (`500ms`, `10s`, `1m 30s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl Span {
    /// Whole milliseconds, the processor's time unit (saturating: a span beyond i64 ms is
    /// forever anyway).
    pub fn as_millis(self) -> i64 {
        i64::try_from(self.0.as_millis()).unwrap_or(i64::MAX)
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map(Span).map_err(|e| {
            serde::de::Error::custom(format!("`{text}` is not a duration like \"10s\": {e}"))
        })
    }
}

#[cfg(test)]
#[path = "job_tests.rs"]
mod tests;

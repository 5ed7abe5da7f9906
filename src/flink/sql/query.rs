//! The INSERT: the job's aggregates per group and window.
//!
//! Tumbling and hopping windows are a regular GROUP BY on the window bounds computed from the
//! event time's epoch milliseconds (epoch-aligned, as the processor's): Flink's updating
//! aggregation takes an update's retraction out of the window its old row was counted in, which
//! is what the processor does. A hop's windows come from unnesting each change's array of the
//! size/slide window starts it falls in. Session windows are a group window (`GROUP BY SESSION`), the
//! one session form of Flink's that takes retractions; what still differs is in the notes.

use super::tables::{Names, Source};
use super::{quote, types};
use crate::config::job::{AggregateConfig, JobConfig, WindowConfig};

/// The aggregate expressions, named as the output table's columns.
fn aggregates(job: &JobConfig) -> Vec<String> {
    job.aggregates
        .iter()
        .map(|a| {
            let c = a.column().map(quote).unwrap_or_default();
            let e = match a {
                AggregateConfig::Count => "COUNT(*)".to_string(),
                AggregateConfig::Sum { .. } => format!("SUM({c})"),
                // The processor's avg: the exact sum over the non-null count, rounded half away
                // from zero to 6 decimals (Flink's DECIMAL division rounds HALF_UP to the
                // result's scale, 6 here).
                AggregateConfig::Avg { .. } => format!(
                    "CAST(CAST(SUM({c}) AS DECIMAL(38, 6)) / NULLIF(COUNT({c}), 0) AS DECIMAL(38, 6))"
                ),
                AggregateConfig::Min { .. } => format!("MIN({c})"),
                AggregateConfig::Max { .. } => format!("MAX({c})"),
            };
            format!("{e} AS {}", quote(&a.output_column()))
        })
        .collect()
}

/// `event_ms` aligned down to a multiple of `step` (also before 1970, as the processor's).
fn align(step: i64) -> String {
    format!("event_ms - MOD(MOD(event_ms, {step}) + {step}, {step})")
}

pub fn insert(job: &JobConfig, source: &Source, names: &Names) -> String {
    let group: Vec<String> = source.group.iter().map(|(g, _)| quote(g)).collect();
    let mut passed: Vec<String> = group.clone();
    for (v, _) in &source.values {
        if !source.group.iter().any(|(g, _)| g == v) {
            passed.push(quote(v));
        }
    }
    let mut select = group.clone();
    let (from, keys) = match &job.window {
        WindowConfig::Tumbling { size } => {
            let size = size.as_millis();
            let bounds = bucketed(&passed, &align(size), "window_ms", size, "", names);
            (bounds, with_bounds(&group))
        }
        WindowConfig::Hopping { size, slide } => {
            // Each change in the size/slide windows starting at its latest window's start and
            // every slide before it: a correlated UNNEST, stateless (a constant array would be
            // planned as a join keeping every change).
            let (size, slide) = (size.as_millis(), slide.as_millis());
            let starts: Vec<String> = (0..size / slide)
                .map(|k| {
                    if k == 0 { "last_start".into() } else { format!("last_start - {}", k * slide) }
                })
                .collect();
            let join =
                format!("\n  CROSS JOIN UNNEST(ARRAY[{}]) AS hops (window_ms)", starts.join(", "));
            let bounds = bucketed(&passed, &align(slide), "last_start", size, &join, names);
            (bounds, with_bounds(&group))
        }
        WindowConfig::Session { gap } => {
            let gap = types::interval(gap.as_millis());
            select.push(format!(
                "CAST(SESSION_START(event_time, {gap}) AS TIMESTAMP(3)) AS window_start"
            ));
            select.push(format!(
                "CAST(SESSION_END(event_time, {gap}) AS TIMESTAMP(3)) AS window_end"
            ));
            let mut keys = group.clone();
            keys.push(format!("SESSION(event_time, {gap})"));
            (names.timed.clone(), keys)
        }
    };
    if !matches!(job.window, WindowConfig::Session { .. }) {
        select.extend(["window_start".into(), "window_end".into()]);
    }
    select.extend(aggregates(job));
    format!(
        "INSERT INTO {}\nSELECT\n  {}\nFROM {from}\nGROUP BY {}",
        names.results,
        select.join(",\n  "),
        keys.join(", ")
    )
}

/// The group key with the window bounds, which is also the sink's primary key (so Flink needs
/// no upsert materializer between them).
fn with_bounds(group: &[String]) -> Vec<String> {
    let mut keys = group.to_vec();
    keys.extend(["window_start".into(), "window_end".into()]);
    keys
}

/// The changes with the bounds of each window they fall in, as UTC `TIMESTAMP(3)`: `start`
/// named `name`, then `join` (which gives `window_ms` when `name` is not it).
fn bucketed(
    passed: &[String],
    start: &str,
    name: &str,
    size: i64,
    join: &str,
    names: &Names,
) -> String {
    let mut inner = passed.to_vec();
    inner.push(format!("{start} AS {name}"));
    let mut outer = passed.to_vec();
    outer.push("CAST(TO_TIMESTAMP_LTZ(window_ms, 3) AS TIMESTAMP(3)) AS window_start".into());
    outer.push(format!(
        "CAST(TO_TIMESTAMP_LTZ(window_ms + {size}, 3) AS TIMESTAMP(3)) AS window_end"
    ));
    format!(
        "(\n  SELECT\n    {}\n  FROM (\n    SELECT {}\n    FROM {}\n  ){join}\n)",
        outer.join(",\n    "),
        inner.join(", "),
        names.timed
    )
}

//! The facts of what the console runs itself (the TUI's embedded stages): late events of the
//! processor's job, the last diff's divergence, stages waiting to retry. Headless, there are
//! none: their facts read empty.

use std::time::SystemTime;

use super::facts::{Facts, Reading, Sample, Value};
use crate::store::Embedded;

/// The embedded stages' facts at `now`; `None` (no stages here) reads them all empty.
pub fn read(embedded: Option<&Embedded>, now: SystemTime, facts: &mut Facts) {
    let Some(e) = embedded else {
        for n in ["late_events_growth", "diff_diverged_rows", "stage_retrying_seconds"] {
            facts.set(n, Reading::default());
        }
        return;
    };
    facts.set("late_events_growth", late_events(e));
    facts.set("diff_diverged_rows", diverged(e));
    facts.set("stage_retrying_seconds", retrying(e, now));
}

/// The job's running total of late events, while the processor runs (before, its count is a
/// placeholder 0 that the first read would turn into false growth).
fn late_events(e: &Embedded) -> Reading {
    let p = &e.processor;
    let mut reading = Reading::default();
    if p.running && !p.job.is_empty() {
        let total = p.late_events as f64;
        reading.samples.push(Sample::new(vec![("job", p.job.clone())], Some(Value::Number(total))));
    }
    reading
}

/// Rows the last finished diff confirmed diverged, per table (rows still in flight are not
/// divergence); while a diff runs, the previous one's alerts stand.
fn diverged(e: &Embedded) -> Reading {
    let d = &e.diff;
    if d.running {
        return Reading::unreadable("a diff is running");
    }
    if d.finished.is_none() {
        return Reading::default();
    }
    let samples = d
        .reports
        .iter()
        .map(|r| {
            let rows = r.differences.len() as f64;
            Sample::new(vec![("table", r.sink_table.clone())], Some(Value::Number(rows)))
        })
        .collect();
    Reading { samples, unreadable: Vec::new() }
}

/// Per stage, how long it has been waiting to retry (0 when it is not).
fn retrying(e: &Embedded, now: SystemTime) -> Reading {
    let now_ms = crate::pipeline::retry::epoch_ms(now);
    let stages = [
        ("generator", e.generator.retrying.as_ref()),
        ("replicator", e.replicator.retrying.as_ref()),
        ("processor", e.processor.retrying.as_ref()),
    ];
    let samples = stages
        .into_iter()
        .map(|(stage, r)| {
            let secs = r.map_or(0.0, |r| now_ms.saturating_sub(r.since_ms) as f64 / 1000.0);
            let s = Sample::new(vec![("stage", stage.to_string())], Some(Value::Number(secs)));
            Sample { note: r.map(|r| r.reason.clone()), ..s }
        })
        .collect();
    Reading { samples, unreadable: Vec::new() }
}

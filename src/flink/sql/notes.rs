//! Where the Flink SQL of a job differs from the embedded processor, in words for its header:
//! each difference once, with what it changes in the results.

use super::tables::Source;
use crate::config::job::{AggregateConfig, JobConfig, WindowConfig};

pub fn differences(job: &JobConfig, source: &Source) -> Vec<String> {
    let mut notes = windows(job);
    notes.extend(columns(job, source));
    notes.push(
        "Records that are not Debezium changes are skipped ('debezium-json.ignore-parse-errors'; \
         the processor writes them to its dead-letter table), and so are changes without an \
         event time (the processor reports them as late). A TRUNCATE is not seen by either."
            .into(),
    );
    notes.push(
        "window_start and window_end are written as UTC TIMESTAMP(3) (Flink's JDBC writer has \
         no TIMESTAMP_LTZ): the TaskManagers must run in UTC (-Duser.timezone=UTC) for the \
         timestamptz values to be right. The output table's updated_at is set when Flink first \
         inserts a row, not on each update."
            .into(),
    );
    notes
}

/// How the window shape is expressed, and what that changes.
fn windows(job: &JobConfig) -> Vec<String> {
    let mut notes = Vec::new();
    let lateness = job.allowed_lateness;
    match job.window {
        WindowConfig::Tumbling { .. } | WindowConfig::Hopping { .. } => {
            notes.push(
                "Windows are a regular GROUP BY on the window bounds computed from the event \
                 time's epoch milliseconds, not the TUMBLE/HOP window TVFs: a window TVF fires \
                 once when the watermark passes the window's end and drops what comes later, \
                 while an update of an old row must be retracted from the window it was counted \
                 in whenever it comes. The GROUP BY retracts as the processor does."
                    .into(),
            );
            notes.push(format!(
                "No allowed lateness: the GROUP BY never closes a window, so it counts every \
                 late change (the processor refuses changes more than allowed_lateness = \
                 {lateness} behind the watermark into its late-events table), and it upserts a \
                 window's row on every change instead of when the watermark passes the window's \
                 end. Once every change is consumed with nothing late, both tables hold the \
                 same rows."
            ));
            notes.push(
                "State is never purged (the processor drops a window allowed_lateness after \
                 it closes): for a long run set 'table.exec.state.ttl', knowing that an expired \
                 window then starts again from zero."
                    .into(),
            );
        }
        WindowConfig::Session { .. } => notes.push(format!(
            "Session windows with retractions cannot be expressed faithfully. This is a group \
             window (GROUP BY SESSION), which takes updates and deletes and, like the \
             processor's, never splits or shrinks a session when a row is retracted. But it \
             writes a session once, when the watermark passes its end, and then drops what \
             comes later: no allowed lateness (allowed_lateness = {lateness} in the \
             processor; Flink 2.2 refuses an emit strategy on session windows), so an update \
             of a row whose session was written counts its new row without retracting the \
             old one. A retraction that falls in no open session is not reported as late, as \
             the processor reports it. The SESSION window TVF, which also plans on this \
             changelog, writes each session once just the same."
        )),
    }
    notes
}

/// What the event time, the aggregated columns and the group key change.
fn columns(job: &JobConfig, source: &Source) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(note) = commit_time(job, source) {
        notes.push(note);
    }
    if source.epoch_event_time {
        notes.push(
            "The event time is a timestamp without time zone sent as epoch micro- or \
             milliseconds (read by magnitude as the processor does); before 1970 Flink rounds \
             it toward zero where the processor rounds down."
                .into(),
        );
    }
    if job.aggregates.iter().any(|a| matches!(a, AggregateConfig::Avg { .. })) {
        notes.push(
            "avg: CAST(SUM(x) AS DECIMAL(38, 6)) / COUNT(x), rounded half away from zero to 6 \
             decimals like the processor's, NULL over no value. Compare numerically: Flink \
             writes every decimal at its type's scale (12.500000 where the processor writes \
             12.5)."
                .into(),
        );
    }
    for (column, t) in &source.values {
        if let Some(why) = t.rounded {
            notes.push(format!("Column {column} is {why}: its aggregates may differ there."));
        }
    }
    if !job.group_by.is_empty() {
        notes.push(
            "A NULL group-by value cannot be written: Flink makes a sink's primary-key columns \
             NOT NULL, and 'table.exec.sink.not-null-enforcer' = 'DROP' drops such rows (the \
             processor writes them, its key being UNIQUE NULLS NOT DISTINCT)."
                .into(),
        );
    }
    notes
}

/// How retractions are timed when the event time is the commit time (`source.ts_ms`).
fn commit_time(job: &JobConfig, source: &Source) -> Option<String> {
    if job.event_time_column().is_some() {
        return None;
    }
    Some(if source.normalized {
        "Event time source.ts_ms comes from the 'value.source.timestamp' metadata. An update's \
         old row is retracted at the commit time it was counted at, as the processor does (it \
         remembers each key's last commit time): 'table.exec.source.cdc-events-duplicate' \
         makes Flink keep every row's last version by primary key (ChangelogNormalize, state \
         per key) and retract that version, with its own event time, instead of the update's \
         before image. A row last changed before the job started is retracted by neither."
            .into()
    } else {
        "Event time source.ts_ms comes from the 'value.source.timestamp' metadata. The source \
         table has no primary key to remember rows by, so an update's old row is retracted at \
         the commit time of the update (the processor retracts it at the commit time it was \
         counted at, by Kafka key): windows differ whenever an update crosses a window bound."
            .into()
    })
}

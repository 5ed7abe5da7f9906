//! The windowed operator of one job: changes in, per-partition window partials out.
//!
//! An insert or snapshot read adds the after image at its event time; an update retracts the
//! before image (in the before image's window) and adds the after image (in its own); a delete
//! retracts the before image. A truncate cannot be retracted row by row (the rows are not in
//! the event), so it is only reported ([`Outcome::truncated`]); the I/O layer shows it and the
//! windows keep what they had. Tombstones are skipped by the caller ([`Operator::skip`]).
//!
//! Lateness is judged against the job watermark of the last [`Operator::advance`] (never
//! below what this partition's state was purged at): a contribution whose window end +
//! allowed lateness ≤ that watermark is not applied and comes back as a [`LateEvent`].

use super::aggregate::{ValueColumn, value_columns};
use super::contribute::Contribution;
use super::key::KeyInterner;
use super::late::{LateEvent, LateReason};
use super::state::PartitionWindows;
use super::watermark::WatermarkClock;
use super::window::{Window, WindowShape};
use crate::config::job::JobConfig;
use crate::pipeline::processor::{Change, ChangeDecoder, MAX_COLUMNS, Op};
use std::collections::BTreeMap;

/// A job the operator cannot run (checked before any record is read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("job `{0}` has no aggregates")]
    NoAggregates(String),
    #[error(
        "job `{job}` reads {columns} columns; at most {MAX_COLUMNS} (group-by, aggregated and event time together)"
    )]
    TooManyColumns { job: String, columns: usize },
}

/// What one change did.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Contributions not applied, for the late-events table.
    pub late: Vec<LateEvent>,
    /// The change was a TRUNCATE: nothing applied, the windows may now overcount.
    pub truncated: bool,
    /// The offset was already applied (a replay before the checkpoint's offset): ignored.
    pub duplicate: bool,
}

/// One job's windows over the partitions this instance owns.
#[derive(Debug)]
pub struct Operator {
    pub(super) job: JobConfig,
    pub(super) shape: WindowShape,
    pub(super) lateness_ms: i64,
    pub(super) columns: Vec<ValueColumn>,
    pub(super) clock: WatermarkClock,
    pub(super) partitions: BTreeMap<i32, PartitionWindows>,
    pub(super) keys: KeyInterner,
    /// The job reads an event-time column (else `source.ts_ms`), decided once.
    by_column: bool,
    /// Reused per contribution: its windows, and those refused as late.
    /// Interned keys at which [`Operator::compact_keys`] runs next.
    pub(super) compact_keys_at: usize,
    pub(super) scratch: Vec<Window>,
    pub(super) refused: Vec<(Window, LateReason)>,
}

impl Operator {
    /// An operator for `job`, refused when the job cannot run (see [`JobError`]).
    pub fn try_new(job: &JobConfig) -> Result<Self, JobError> {
        Self::check(job)?;
        Ok(Self::new(job))
    }

    /// Whether `job` can run: it has aggregates and reads at most [`MAX_COLUMNS`] columns
    /// (beyond that every record would be refused by the decoder).
    pub fn check(job: &JobConfig) -> Result<(), JobError> {
        if job.aggregates.is_empty() {
            return Err(JobError::NoAggregates(job.name.clone()));
        }
        let columns = ChangeDecoder::for_job(job).column_count();
        if columns > MAX_COLUMNS {
            return Err(JobError::TooManyColumns { job: job.name.clone(), columns });
        }
        Ok(())
    }

    /// An operator for `job` without [`check`](Self::check)ing it: a job that cannot run
    /// sends every record to the dead-letter output.
    pub fn new(job: &JobConfig) -> Self {
        Self {
            job: job.clone(),
            shape: WindowShape::from_config(&job.window),
            lateness_ms: job.allowed_lateness.as_millis(),
            columns: value_columns(&job.aggregates),
            clock: WatermarkClock::new(
                job.out_of_orderness.as_millis(),
                job.idle_timeout.as_millis(),
            ),
            partitions: BTreeMap::new(),
            keys: KeyInterner::default(),
            by_column: job.event_time_column().is_some(),
            compact_keys_at: super::emit::COMPACT_KEYS_MIN,
            scratch: Vec::new(),
            refused: Vec::new(),
        }
    }

    pub fn job(&self) -> &JobConfig {
        &self.job
    }

    /// Applies the change at `offset` of `partition`; `record_key` is the Kafka key (the row's
    /// primary key), `now_ms` the wall clock (for idleness).
    pub fn on_change(
        &mut self,
        partition: i32,
        offset: i64,
        record_key: &[u8],
        change: &Change<'_>,
        now_ms: i64,
    ) -> Outcome {
        let mut out = Outcome::default();
        let p = self.partition(partition, now_ms);
        if offset < p.next_offset {
            out.duplicate = true;
            return out;
        }
        p.next_offset = offset + 1;
        let by_column = self.by_column;
        let own_time = match (by_column, &change.after, &change.before) {
            (false, _, _) => Some(change.source_ts_ms),
            (true, Some(a), _) => a.event_time,
            (true, None, Some(b)) => b.event_time,
            (true, None, None) => None,
        };
        match own_time {
            Some(t) => self.clock.observe(partition, t, now_ms),
            None => self.clock.touch(partition, now_ms),
        }
        if change.op == Op::Truncate {
            out.truncated = true;
            return out;
        }
        let before_time = match (&change.before, by_column) {
            (Some(b), true) => b.event_time,
            (Some(_), false) => {
                self.partitions.get(&partition).and_then(|p| p.row_times.get(record_key).copied())
            }
            (None, _) => None,
        };
        let after_time =
            if by_column { change.after.as_ref().and_then(|a| a.event_time) } else { own_time };
        let mut applied = false;
        if let (Some(before), Op::Update | Op::Delete) = (&change.before, change.op) {
            let unknown = if by_column {
                LateReason::EventTimeUnknown
            } else {
                LateReason::BeforeTimeUnknown
            };
            let c = Contribution { image: before, time: before_time, sign: -1, unknown };
            applied |= self.contribute(partition, offset, change.op, &c, &mut out.late);
        }
        if let (Some(after), Op::Create | Op::Read | Op::Update) = (&change.after, change.op) {
            let c = Contribution {
                image: after,
                time: after_time,
                sign: 1,
                unknown: LateReason::EventTimeUnknown,
            };
            applied |= self.contribute(partition, offset, change.op, &c, &mut out.late);
        }
        if let Some(p) = self.partitions.get_mut(&partition) {
            if !by_column {
                match (change.op, after_time) {
                    (Op::Delete, _) => {
                        p.row_times.remove(record_key);
                    }
                    (_, Some(t)) => match p.row_times.get_mut(record_key) {
                        Some(slot) => *slot = t,
                        None => {
                            p.row_times.insert(record_key.into(), t);
                        }
                    },
                    _ => {}
                }
            }
            p.events_applied += u64::from(applied);
            p.late_events += out.late.len() as u64;
        }
        out
    }

    /// Records an offset consumed without a change (tombstone, dead letter): a restart resumes
    /// after it, and the partition counts as active.
    pub fn skip(&mut self, partition: i32, offset: i64, now_ms: i64) {
        let p = self.partition(partition, now_ms);
        p.next_offset = p.next_offset.max(offset + 1);
        self.clock.touch(partition, now_ms);
    }

    fn partition(&mut self, partition: i32, now_ms: i64) -> &mut PartitionWindows {
        if !self.partitions.contains_key(&partition) {
            self.clock.assign(partition, None, now_ms);
        }
        self.partitions.entry(partition).or_default()
    }
}

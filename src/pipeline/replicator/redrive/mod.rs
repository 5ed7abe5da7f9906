//! Redriving a replica's dead letters once their cause is fixed (in the config or in the code):
//! each chosen letter goes through the replica's own path as the replicator applies it, and is
//! marked redriven in the transaction that applies it, so a second redrive applies nothing.
//!
//! Exactly once, and never over newer state. The replica is claimed as a replicator claims it
//! (a running replicator refuses the redrive, and none starts meanwhile), so the replica's stored
//! offsets stand still while the letters are checked and applied. The merge's source LSN guard
//! keeps an old upsert from overwriting a newer row; but a row deleted by a later change is
//! gone, guard and all, and the old event would bring it back. So each letter is first checked
//! against what the replica applied after it: the records of its partition from the letter up
//! to the stored next offset (`scan.rs`); a later change of the same row key (or a TRUNCATE)
//! supersedes the letter, which is then marked "superseded by offset N" with nothing applied.
//! Changes past the stored offset are applied later by the replicator, in order, after the
//! redriven one: the LSN guard orders those.

mod commit;
mod error;
mod identity;
mod scan;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

pub use error::RedriveError;

use super::{Replica, offsets, prepare, staging};
use crate::config::{Config, ReplicaConfig};
use crate::pipeline::deadletter::{self, Consumer, Letter, redrive::Chosen};

/// Letters staged and committed in one transaction.
const CHUNK: usize = 5_000;

/// What a redrive says while it works (on stderr, in the CLI).
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Reading a partition for later changes of the letters' keys.
    Scanning { topic: &'a str, partition: i32, scanned: u64, of: u64 },
    /// Letters staged and committed so far.
    Committed { done: usize, of: usize },
}

pub struct Options {
    /// Most records read per letter for the superseded check; a letter that needs more is left
    /// outstanding, saying so.
    pub max_scan: u64,
    pub progress: Arc<dyn Fn(Progress<'_>) + Send + Sync>,
}

/// What became of a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Staged and merged (the merge's LSN guard decides whether the row changes).
    Applied,
    /// A later change of its row key was applied (or refused) after it: nothing applied.
    Superseded { by_offset: i64 },
    /// Redriven before: nothing applied.
    AlreadyRedriven { redriven_ms: i64, was: String },
    /// Refused again: still outstanding, with this reason.
    Refused { reason: String },
    /// Not redriven, letter unchanged: whether a later change supersedes it cannot be told.
    Unverified { why: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Redriven {
    pub id: i64,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub consumer: String,
    pub letters: Vec<Redriven>,
    pub rows_upserted: u64,
    pub rows_deleted: u64,
    /// Records read for the superseded check, and the seconds it took.
    pub records_scanned: u64,
    pub scan_seconds: f64,
    pub seconds: f64,
}

impl Report {
    /// Every chosen letter applied, superseded or redriven before.
    pub fn complete(&self) -> bool {
        self.letters
            .iter()
            .all(|l| !matches!(l.outcome, Outcome::Refused { .. } | Outcome::Unverified { .. }))
    }
}

/// A letter's way through the redrive before it is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Checked: no later change supersedes it.
    Go,
    /// Its key cannot be read: staged only to learn why it is refused again.
    Probe,
    Superseded(i64),
    Unverified(String),
    Refused(String),
}

/// Redrives `chosen` letters of `consumer` (`replica:<name>`) through the replica as `config`
/// configures it now.
pub async fn redrive(
    config: &Config,
    consumer: &str,
    chosen: Chosen<'_>,
    opts: &Options,
) -> Result<Report, RedriveError> {
    let started = Instant::now();
    let cfg = replica_of(config, consumer)?;
    let name = cfg.name.as_str();
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    let connect = |ep| crate::pipeline::connect(ep, timeout, "redrive");
    let mut sink = connect(&config.sink).await.map_err(RedriveError::sink("connecting"))?;
    crate::pipeline::create_if_missing(&sink, &[offsets::DDL, deadletter::DDL].join(";\n"))
        .await
        .map_err(RedriveError::sink("creating the cdc tables"))?;
    let (letters, missing) = deadletter::redrive::chosen(&sink, consumer, chosen)
        .await
        .map_err(RedriveError::sink("reading the letters"))?;
    if !missing.is_empty() {
        return Err(RedriveError::NoSuchLetters { consumer: consumer.into(), ids: missing });
    }
    let mut report = Report { consumer: consumer.to_string(), ..Report::default() };
    let mut outcomes: Vec<Option<Outcome>> = letters.iter().map(already).collect();
    if outcomes.iter().any(Option::is_none) {
        let source = connect(&config.source).await.map_err(RedriveError::source("connecting"))?;
        let failed = |e| RedriveError::Replica { replica: name.into(), source: Arc::new(e) };
        staging::claim(&sink, name, timeout).await.map_err(|e| failed(e.into()))?;
        // No stored offsets: the replica wants every letter's offset again.
        let mut replica = Replica {
            cfg: cfg.clone(),
            plan: None,
            merge: Default::default(),
            offsets: offsets::Offsets::new(),
            error: None,
            applied: 0,
        };
        prepare(&source, &sink, &mut replica).await;
        if let Some(e) = replica.error.clone() {
            return Err(RedriveError::Replica { replica: name.into(), source: e });
        }
        let stored =
            offsets::load(&sink, name).await.map_err(RedriveError::sink("loading offsets"))?;
        let todo: Vec<usize> = (0..letters.len()).filter(|&i| outcomes[i].is_none()).collect();
        let keys = key_columns(&replica);
        let scanning = Instant::now();
        let (verdicts, read) =
            scan::check(config, (&cfg.topic, &keys), &letters, &todo, &stored, opts).await?;
        (report.records_scanned, report.scan_seconds) = (read, scanning.elapsed().as_secs_f64());
        let mut done = 0;
        for part in todo.chunks(CHUNK) {
            let work: Vec<(usize, &Letter, Verdict)> =
                part.iter().map(|&i| (i, &letters[i], verdicts[i].clone())).collect();
            let committed = commit::chunk(&mut sink, &source, &mut replica, &work).await?;
            for (i, o) in committed.outcomes {
                outcomes[i] = Some(o);
            }
            report.rows_deleted += committed.deleted;
            report.rows_upserted += committed.upserted;
            done += part.len();
            (opts.progress)(Progress::Committed { done, of: todo.len() });
        }
    }
    report.letters = letters
        .iter()
        .zip(outcomes)
        .map(|(l, o)| Redriven {
            id: l.id,
            topic: l.topic.clone(),
            partition: l.partition,
            offset: l.offset,
            outcome: o.unwrap_or(Outcome::Unverified { why: "not reached".into() }),
        })
        .collect();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The configured replica whose letters `consumer` names; refuses a job's letters (saying what
/// to do instead) and letters of no replica.
pub fn replica_of<'a>(
    config: &'a Config,
    consumer: &str,
) -> Result<&'a ReplicaConfig, RedriveError> {
    let name = match Consumer::parse(consumer) {
        Consumer::Replica(name) => name,
        Consumer::Job(job) => return Err(RedriveError::JobLetters { job: job.to_string() }),
        Consumer::Other(c) => return Err(RedriveError::NotAReplica { consumer: c.to_string() }),
    };
    config
        .replicas
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| RedriveError::NotConfigured(name.to_string()))
}

/// The replica's key columns by their source names (its merge matches rows on them).
fn key_columns(r: &Replica) -> Vec<String> {
    r.plan.iter().flat_map(|p| p.key.iter().map(|&k| p.columns[k].source.clone())).collect()
}

/// The outcome of a letter redriven before; `None` for an outstanding one.
fn already(l: &Letter) -> Option<Outcome> {
    l.redriven_ms.map(|redriven_ms| Outcome::AlreadyRedriven {
        redriven_ms,
        was: l.redrive_outcome.clone().unwrap_or_default(),
    })
}

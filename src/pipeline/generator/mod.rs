//! The workload: a seeded mix of inserts, updates and deletes on `public.orders`, at a set rate.
//!
//! Changes are planned in batches (one batch per ~10 ms tick) and each batch is one transaction
//! of at most three set-based statements (insert via `unnest`, update via `unnest`, delete via
//! `ANY`), so the rate is bounded by the server, not by round trips.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::PostgresEndpoint;

mod apply;
mod workload;

use apply::{apply, live_orders};
pub use workload::{Batch, NewOrder, Workload};

/// Relative weights of the three kinds of change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mix {
    pub insert: u32,
    pub update: u32,
    pub delete: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Self { insert: 50, update: 35, delete: 15 }
    }
}

impl std::str::FromStr for Mix {
    type Err = String;

    /// `insert=50,update=35,delete=15`; a kind left out weighs 0.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut mix = Mix { insert: 0, update: 0, delete: 0 };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) =
                part.split_once('=').ok_or_else(|| format!("`{part}`: expected kind=weight"))?;
            let v: u32 =
                v.trim().parse().map_err(|_| format!("`{part}`: weight is not a whole number"))?;
            match k.trim() {
                "insert" => mix.insert = v,
                "update" => mix.update = v,
                "delete" => mix.delete = v,
                other => return Err(format!("`{other}`: kind must be insert, update or delete")),
            }
        }
        if mix.insert == 0 {
            return Err("insert weight must be above 0, or the table empties and stalls".into());
        }
        Ok(mix)
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Changes per second.
    pub rate: u32,
    /// None runs until stopped.
    pub duration: Option<Duration>,
    pub seed: u64,
    pub mix: Mix,
}

/// The embedded generator as the screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratorSnapshot {
    pub running: bool,
    pub target_rate: u32,
    /// Changes per second written over the last seconds.
    pub achieved_rate: f64,
    pub mix: Mix,
    pub inserts: u64,
    pub updates: u64,
    pub deletes: u64,
    /// Waiting to try again after an error worth retrying (the supervisor's, `pipeline::retry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrying: Option<crate::pipeline::retry::Retrying>,
    /// Why the last run stopped, when it failed.
    pub error: Option<String>,
}

impl Default for GeneratorSnapshot {
    fn default() -> Self {
        Self {
            running: false,
            target_rate: 100,
            achieved_rate: 0.0,
            mix: Mix::default(),
            inserts: 0,
            updates: 0,
            deletes: 0,
            retrying: None,
            error: None,
        }
    }
}

/// What a run did. `changes` counts rows the server reports as written, not plans.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub target_rate: u32,
    pub inserts: u64,
    pub updates: u64,
    pub deletes: u64,
    pub changes: u64,
    pub transactions: u64,
    pub elapsed_seconds: f64,
    pub achieved_rate: f64,
    /// Waiting to try again (set by the supervisor, `pipeline::retry`, on the progress channel;
    /// the next attempt's first report clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrying: Option<crate::pipeline::retry::Retrying>,
}

#[derive(Debug, thiserror::Error)]
pub enum GeneratorError {
    #[error("source {endpoint}: {}", crate::pg::message(source))]
    Source { endpoint: String, source: tokio_postgres::Error },
    #[error("rate must be above 0")]
    ZeroRate,
}

impl GeneratorError {
    /// A dropped or refused connection, or a server busy for the moment, may come back (the
    /// same rule as the replicator's and the processor's: [`crate::pg::retryable`]); a refused
    /// statement or a zero rate will not.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Source { source, .. } => crate::pg::retryable(source),
            Self::ZeroRate => false,
        }
    }
}

const TICK: Duration = Duration::from_millis(10);
const MAX_BATCH: u64 = 2_000;

/// Runs the workload until the duration ends or `stop` resolves.
pub async fn run(
    endpoint: &PostgresEndpoint,
    settings: &Settings,
    stop: impl Future<Output = ()>,
) -> Result<Report, GeneratorError> {
    let (_keep, rate) = tokio::sync::watch::channel(settings.rate);
    run_steered(endpoint, settings, rate, stop, None).await
}

/// [`run`], with the rate read from `rate` as it changes (the schedule restarts from the new
/// rate, so a change takes effect at once without a burst to "catch up"), and a report sent
/// to `progress` twice a second with the rate achieved over the last seconds.
pub async fn run_steered(
    endpoint: &PostgresEndpoint,
    settings: &Settings,
    mut rate: tokio::sync::watch::Receiver<u32>,
    stop: impl Future<Output = ()>,
    progress: Option<tokio::sync::watch::Sender<Report>>,
) -> Result<Report, GeneratorError> {
    let err = |source| GeneratorError::Source { endpoint: endpoint.to_string(), source };
    let mut target = *rate.borrow_and_update();
    if target == 0 {
        return Err(GeneratorError::ZeroRate);
    }
    let (mut client, conn) =
        crate::pg::connect(endpoint, Duration::from_secs(5)).await.map_err(err)?;
    let conn = tokio::spawn(conn);
    let mut workload = Workload::new(settings, live_orders(&client).await.map_err(err)?);
    let start = Instant::now();
    let (mut base, mut planned) = (start, 0u64);
    let mut report = Report { target_rate: target, ..Report::default() };
    let mut recent = RecentRate::default();
    let mut published = start;
    tokio::pin!(stop);
    loop {
        if settings.duration.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
        if rate.has_changed().unwrap_or(false) {
            target = (*rate.borrow_and_update()).max(1);
            (base, planned) = (Instant::now(), 0);
            report.target_rate = target;
        }
        let due = (f64::from(target) * base.elapsed().as_secs_f64()) as u64;
        let n = due.saturating_sub(planned).min(MAX_BATCH);
        // `biased`: a stop is seen even when the server cannot keep up and work is always due.
        tokio::select! {
            biased;
            () = &mut stop => break,
            () = tokio::time::sleep(TICK), if n == 0 => continue,
            done = async { apply(&mut client, &workload.plan(n)).await }, if n > 0 => {
                let done = done.map_err(err)?;
                planned += n;
                workload.inserted(done.new_ids);
                report.inserts += done.inserts;
                report.updates += done.updates;
                report.deletes += done.deletes;
                report.transactions += 1;
            }
        }
        if let Some(p) = &progress
            && published.elapsed() >= Duration::from_millis(500)
        {
            published = Instant::now();
            report.changes = report.inserts + report.updates + report.deletes;
            report.elapsed_seconds = start.elapsed().as_secs_f64();
            report.achieved_rate = recent.update(published, report.changes);
            p.send_replace(report.clone());
        }
    }
    drop(client);
    let _ = conn.await;
    report.changes = report.inserts + report.updates + report.deletes;
    report.elapsed_seconds = start.elapsed().as_secs_f64();
    report.achieved_rate = report.changes as f64 / report.elapsed_seconds.max(1e-9);
    Ok(report)
}

/// Changes per second over the last few seconds, from (time, total) samples.
#[derive(Default)]
struct RecentRate {
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl RecentRate {
    fn update(&mut self, at: Instant, total: u64) -> f64 {
        self.samples.push_back((at, total));
        while self.samples.len() > 2
            && at.duration_since(self.samples[0].0) > Duration::from_secs(3)
        {
            self.samples.pop_front();
        }
        match (self.samples.front(), self.samples.back()) {
            (Some((t0, c0)), Some((t1, c1))) if t1 > t0 => {
                (c1 - c0) as f64 / t1.duration_since(*t0).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_parses_and_rejects_nonsense() {
        assert_eq!(
            "insert=2,update=1".parse::<Mix>().unwrap(),
            Mix { insert: 2, update: 1, delete: 0 }
        );
        assert!("insert=1,upsert=2".parse::<Mix>().unwrap_err().contains("upsert"));
        assert!("update=1".parse::<Mix>().is_err());
    }
}

//! The workload: a seeded mix of inserts, updates and deletes on `public.orders`, at a set rate.
//!
//! Changes are planned in batches (one batch per ~10 ms tick) and each batch is one transaction
//! of at most three set-based statements (insert via `unnest`, update via `unnest`, delete via
//! `ANY`), so the rate is bounded by the server, not by round trips.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use tokio_postgres::{Client, NoTls};

use crate::config::PostgresEndpoint;

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
            let (k, v) = part.split_once('=').ok_or_else(|| format!("`{part}`: expected kind=weight"))?;
            let v: u32 = v.trim().parse().map_err(|_| format!("`{part}`: weight is not a whole number"))?;
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
    /// Why the last run stopped, when it failed.
    pub error: Option<String>,
}

impl Default for GeneratorSnapshot {
    fn default() -> Self {
        Self { running: false, target_rate: 100, achieved_rate: 0.0, mix: Mix::default(), inserts: 0, updates: 0, deletes: 0, error: None }
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
}

#[derive(Debug, thiserror::Error)]
pub enum GeneratorError {
    #[error("source {endpoint}: {source}")]
    Source { endpoint: String, source: tokio_postgres::Error },
    #[error("rate must be above 0")]
    ZeroRate,
}

impl GeneratorError {
    /// A dropped connection may come back; a refused statement will not.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Source { source, .. } if source.as_db_error().is_none())
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
    let (mut client, conn) = endpoint.pg_config(Duration::from_secs(5)).connect(NoTls).await.map_err(err)?;
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
        let due = (target as f64 * base.elapsed().as_secs_f64()) as u64;
        let n = due.saturating_sub(planned).min(MAX_BATCH);
        // `biased`: a stop is seen even when the server cannot keep up and work is always due.
        tokio::select! {
            biased;
            _ = &mut stop => break,
            _ = tokio::time::sleep(TICK), if n == 0 => continue,
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
        while self.samples.len() > 2 && at.duration_since(self.samples[0].0) > Duration::from_secs(3) {
            self.samples.pop_front();
        }
        match (self.samples.front(), self.samples.back()) {
            (Some((t0, c0)), Some((t1, c1))) if t1 > t0 => (c1 - c0) as f64 / t1.duration_since(*t0).as_secs_f64(),
            _ => 0.0,
        }
    }
}

async fn live_orders(c: &Client) -> Result<Vec<i64>, tokio_postgres::Error> {
    let rows = c.query("SELECT order_id FROM public.orders ORDER BY order_id DESC LIMIT 100000", &[]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// One transaction's worth of changes.
#[derive(Debug, Default, PartialEq)]
pub struct Batch {
    pub inserts: Vec<NewOrder>,
    /// (order id, new status, new amount); ids distinct within a batch.
    pub updates: Vec<(i64, &'static str, String)>,
    pub deletes: Vec<i64>,
}

#[derive(Debug, PartialEq)]
pub struct NewOrder {
    pub user_id: i64,
    pub customer_name: String,
    pub amount: String,
    pub status: &'static str,
}

const STATUSES: [&str; 5] = ["pending", "paid", "shipped", "delivered", "cancelled"];
const FIRST: [&str; 8] = ["Ada", "Grace", "Linus", "Edsger", "Barbara", "Donald", "Margaret", "Ken"];
const LAST: [&str; 8] = ["Lovelace", "Hopper", "Torvalds", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson"];

/// The seeded planner, apart from I/O so a seed always plans the same changes.
pub struct Workload {
    rng: StdRng,
    mix: Mix,
    live: Vec<i64>,
}

impl Workload {
    pub fn new(settings: &Settings, live: Vec<i64>) -> Self {
        Self { rng: StdRng::seed_from_u64(settings.seed), mix: settings.mix, live }
    }

    pub fn plan(&mut self, n: u64) -> Batch {
        let mut b = Batch::default();
        let mut touched = HashSet::new();
        let total = self.mix.insert + self.mix.update + self.mix.delete;
        for _ in 0..n {
            let roll = self.rng.random_range(0..total);
            let target = if roll >= self.mix.insert { self.pick(&touched) } else { None };
            match target {
                Some(i) if roll < self.mix.insert + self.mix.update => {
                    let id = self.live[i];
                    touched.insert(id);
                    let status = STATUSES[self.rng.random_range(0..STATUSES.len())];
                    b.updates.push((id, status, self.amount()));
                }
                Some(i) => {
                    let id = self.live.swap_remove(i);
                    touched.insert(id);
                    b.deletes.push(id);
                }
                // An insert, or an update/delete with no free row to touch.
                None => b.inserts.push(NewOrder {
                    user_id: self.rng.random_range(1..10_000),
                    customer_name: format!(
                        "{} {}",
                        FIRST[self.rng.random_range(0..FIRST.len())],
                        LAST[self.rng.random_range(0..LAST.len())]
                    ),
                    amount: self.amount(),
                    status: "pending",
                }),
            }
        }
        b
    }

    /// A live row not yet touched in this batch (a few tries, then give up).
    fn pick(&mut self, touched: &HashSet<i64>) -> Option<usize> {
        if self.live.is_empty() {
            return None;
        }
        (0..4).map(|_| self.rng.random_range(0..self.live.len())).find(|&i| !touched.contains(&self.live[i]))
    }

    fn amount(&mut self) -> String {
        format!("{}.{:02}", self.rng.random_range(1..1000), self.rng.random_range(0..100))
    }

    pub fn inserted(&mut self, ids: Vec<i64>) {
        self.live.extend(ids);
    }
}

struct Applied {
    new_ids: Vec<i64>,
    inserts: u64,
    updates: u64,
    deletes: u64,
}

async fn apply(client: &mut Client, b: &Batch) -> Result<Applied, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let mut new_ids = Vec::new();
    if !b.inserts.is_empty() {
        let users: Vec<i64> = b.inserts.iter().map(|o| o.user_id).collect();
        let names: Vec<&str> = b.inserts.iter().map(|o| o.customer_name.as_str()).collect();
        let amounts: Vec<&str> = b.inserts.iter().map(|o| o.amount.as_str()).collect();
        let statuses: Vec<&str> = b.inserts.iter().map(|o| o.status).collect();
        let rows = tx
            .query(
                "INSERT INTO public.orders (user_id, customer_name, amount, status)
                 SELECT u, n, a::numeric, s FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[]) AS t(u, n, a, s)
                 RETURNING order_id",
                &[&users, &names, &amounts, &statuses],
            )
            .await?;
        new_ids = rows.iter().map(|r| r.get(0)).collect();
    }
    let mut updates = 0;
    if !b.updates.is_empty() {
        let ids: Vec<i64> = b.updates.iter().map(|u| u.0).collect();
        let statuses: Vec<&str> = b.updates.iter().map(|u| u.1).collect();
        let amounts: Vec<&str> = b.updates.iter().map(|u| u.2.as_str()).collect();
        updates = tx
            .execute(
                "UPDATE public.orders o SET status = t.s, amount = t.a::numeric, updated_at = now()
                   FROM unnest($1::int8[], $2::text[], $3::text[]) AS t(id, s, a) WHERE o.order_id = t.id",
                &[&ids, &statuses, &amounts],
            )
            .await?;
    }
    let mut deletes = 0;
    if !b.deletes.is_empty() {
        deletes = tx.execute("DELETE FROM public.orders WHERE order_id = ANY($1)", &[&b.deletes]).await?;
    }
    tx.commit().await?;
    Ok(Applied { inserts: new_ids.len() as u64, new_ids, updates, deletes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(seed: u64, mix: Mix) -> Settings {
        Settings { rate: 1, duration: None, seed, mix }
    }

    #[test]
    fn the_same_seed_plans_the_same_changes() {
        let mut a = Workload::new(&settings(7, Mix::default()), (1..=100).collect());
        let mut b = Workload::new(&settings(7, Mix::default()), (1..=100).collect());
        assert_eq!(a.plan(500), b.plan(500));
        let mut c = Workload::new(&settings(8, Mix::default()), (1..=100).collect());
        assert_ne!(a.plan(50), c.plan(50));
    }

    #[test]
    fn the_mix_is_respected_and_rows_are_touched_once_per_batch() {
        let mut w = Workload::new(&settings(1, Mix::default()), (1..=100_000).collect());
        let b = w.plan(10_000);
        let (i, u, d) = (b.inserts.len(), b.updates.len(), b.deletes.len());
        assert_eq!(i + u + d, 10_000);
        assert!((4_700..5_300).contains(&i) && (3_200..3_800).contains(&u) && (1_200..1_800).contains(&d), "{i} {u} {d}");
        let mut seen = HashSet::new();
        assert!(b.updates.iter().map(|x| x.0).chain(b.deletes.iter().copied()).all(|id| seen.insert(id)));
    }

    #[test]
    fn with_no_rows_every_change_is_an_insert() {
        let mut w = Workload::new(&settings(3, Mix { insert: 1, update: 1, delete: 1 }), vec![]);
        let b = w.plan(100);
        assert_eq!((b.inserts.len(), b.updates.len(), b.deletes.len()), (100, 0, 0));
    }

    #[test]
    fn mix_parses_and_rejects_nonsense() {
        assert_eq!("insert=2,update=1".parse::<Mix>().unwrap(), Mix { insert: 2, update: 1, delete: 0 });
        assert!("insert=1,upsert=2".parse::<Mix>().unwrap_err().contains("upsert"));
        assert!("update=1".parse::<Mix>().is_err());
    }
}

//! Stages that retry: a backoff policy ([`Policy`], [`Backoff`]) and the supervisor
//! ([`supervise`]) that goes around a stage's `run`.
//!
//! On an error worth retrying (the stage's `retryable()`, through [`Retryable`]) the supervisor
//! reports [`Retrying`] (attempt, reason, when the next attempt is due), waits the backoff, and
//! calls `run` again, which resumes from the stage's stored offsets or checkpoints: exactly once
//! is the stage's, the supervisor only decides when to start it again. A stop request during
//! the wait ends it at once; an error not worth retrying ends it with that error.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::watch;

mod stages;
pub use stages::{generator, processor, replicator};

/// How long to wait before each attempt: `initial`, doubling each time, at most `max`, less
/// up to `jitter` of it at random (so stages that failed together do not retry together).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub initial: Duration,
    pub max: Duration,
    /// The fraction of a delay that may be taken off at random, 0 to 1.
    pub jitter: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Self { initial: Duration::from_secs(1), max: Duration::from_secs(30), jitter: 0.2 }
    }
}

impl Policy {
    /// The delay before retry number `attempt` (1 the first), without jitter.
    pub fn base(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial.saturating_mul(1 << doublings).min(self.max)
    }
}

/// The attempts made since the last successful stretch, and the delay before the next one.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: Policy,
    attempt: u32,
}

impl Backoff {
    pub fn new(policy: Policy) -> Self {
        Self { policy, attempt: 0 }
    }

    /// Retries counted since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Counts one more retry and says how long to wait before it.
    pub fn next_delay(&mut self) -> Duration {
        self.next_delay_with(rand::random::<f64>())
    }

    /// [`next_delay`](Self::next_delay) with the random draw given, `unit` in [0, 1): the delay
    /// is the policy's base less `unit × jitter` of it.
    pub fn next_delay_with(&mut self, unit: f64) -> Duration {
        self.attempt = self.attempt.saturating_add(1);
        let base = self.policy.base(self.attempt);
        let off = (self.policy.jitter.clamp(0.0, 1.0) * unit.clamp(0.0, 1.0)).min(1.0);
        base.mul_f64(1.0 - off)
    }

    /// A successful stretch: the next retry waits `initial` again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A stage waiting to try again, as its snapshot shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retrying {
    /// Retries since the stage last ran well (1 the first).
    pub attempt: u32,
    /// Why the last attempt failed.
    pub reason: String,
    /// When the next attempt starts, milliseconds since the epoch.
    pub next_attempt_at_ms: u64,
    /// Since when the stage has been failing (its first failure of this stretch), milliseconds
    /// since the epoch.
    pub since_ms: u64,
}

impl Retrying {
    /// Seconds until the next attempt, as seen at `now` (0 when due).
    pub fn next_in(&self, now: SystemTime) -> Duration {
        Duration::from_millis(self.next_attempt_at_ms.saturating_sub(epoch_ms(now)))
    }

    /// `retrying (attempt N, next in Ns): reason`.
    pub fn describe(&self, now: SystemTime) -> String {
        format!(
            "retrying (attempt {}, next in {}s): {}",
            self.attempt,
            self.next_in(now).as_secs_f64().ceil(),
            self.reason
        )
    }
}

/// Milliseconds since the epoch.
pub fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A stage's error that says whether trying again may help.
pub trait Retryable: std::fmt::Display {
    fn retryable(&self) -> bool;
}

/// What each attempt gets as its stop: resolves once a stop was requested (at once if it was
/// before the attempt started).
pub type Stopped = Pin<Box<dyn Future<Output = ()> + Send>>;

fn stopped(rx: &watch::Receiver<bool>) -> Stopped {
    let mut rx = rx.clone();
    Box::pin(async move {
        // The sender lives as long as the supervisor, which outlives its attempts.
        let _ = rx.wait_for(|s| *s).await;
    })
}

/// How a supervised stage ended.
#[derive(Debug)]
pub enum Ended<T, E> {
    /// An attempt ended well (stopped, caught up, out of time): what it returned.
    Ran(T),
    /// An error not worth retrying, or any error with `fail_fast`.
    Failed(E),
    /// Stopped while waiting to retry after this error.
    Stopped(E),
}

impl<T, E: std::fmt::Display> Ended<T, E> {
    /// What the app reports: the value, the error's text, or, stopped while waiting to retry,
    /// what `stopped` makes of it.
    pub fn into_result(self, stopped: impl FnOnce() -> T) -> Result<T, String> {
        match self {
            Self::Ran(v) => Ok(v),
            Self::Failed(e) => Err(e.to_string()),
            Self::Stopped(_) => Ok(stopped()),
        }
    }
}

/// How the supervisor retries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Supervision {
    pub policy: Policy,
    /// End at the first error, as the stages did before they retried.
    pub fail_fast: bool,
}

/// Runs `attempt` until it ends well, fails for good, or `stop` resolves while it waits to
/// retry. Each retry is reported to `retrying` (and the log) before the wait; `retrying(None)`
/// once an attempt has run longer than the policy's cap, which also resets the backoff.
pub async fn supervise<T, E, F, Fut>(
    how: Supervision,
    stop: impl Future<Output = ()>,
    mut attempt: F,
    mut retrying: impl FnMut(Option<&Retrying>),
) -> Ended<T, E>
where
    E: Retryable,
    F: FnMut(Stopped) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let (tx, rx) = watch::channel(false);
    let signal = async move {
        stop.await;
        let _ = tx.send(true);
        std::future::pending::<()>().await;
    };
    let work = async {
        let mut backoff = Backoff::new(how.policy);
        let mut since = None;
        loop {
            let err = match ran_for_a_while(attempt(stopped(&rx)), how.policy.max, || {
                backoff.reset();
                since = None;
                retrying(None);
            })
            .await
            {
                Ok(v) => return Ended::Ran(v),
                Err(e) => e,
            };
            if how.fail_fast || !err.retryable() {
                return Ended::Failed(err);
            }
            if *rx.borrow() {
                return Ended::Stopped(err);
            }
            let delay = backoff.next_delay();
            let now = SystemTime::now();
            let r = Retrying {
                attempt: backoff.attempt(),
                reason: err.to_string(),
                next_attempt_at_ms: epoch_ms(now + delay),
                since_ms: *since.get_or_insert_with(|| epoch_ms(now)),
            };
            tracing::warn!(
                attempt = r.attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying after: {}",
                r.reason
            );
            retrying(Some(&r));
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = stopped(&rx) => return Ended::Stopped(err),
            }
        }
    };
    tokio::select! {
        ended = work => ended,
        () = signal => unreachable!("the stop signal never ends"),
    }
}

/// Awaits `fut`, calling `stretch` once if it is still running after `cap`.
async fn ran_for_a_while<O>(
    fut: impl Future<Output = O>,
    cap: Duration,
    stretch: impl FnOnce(),
) -> O {
    tokio::pin!(fut);
    tokio::select! {
        out = &mut fut => return out,
        () = tokio::time::sleep(cap) => stretch(),
    }
    fut.await
}

#[cfg(test)]
mod tests;

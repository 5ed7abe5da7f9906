//! When to restart an opted-in connector on its own: the decision and the backoff, without I/O
//! (the collector's `autorestart` sends the requests and logs them).
//!
//! Only FAILED triggers a restart: the connector's own state, or any of its tasks. A connector
//! a user PAUSED or STOPPED is left alone whatever its tasks say (a paused connector keeps a
//! failed task FAILED), and so is one between states (RESTARTING, UNASSIGNED). Under
//! `--read-only` nothing is restarted; the status says so.
//!
//! Restart number n waits `initial × 2^(n-1)`, at most `max`, less up to 20 % at random (so
//! connectors that failed together are not restarted together): the first after the failure
//! is first seen, the next ones after the previous restart. A connector that then stays
//! RUNNING, every task with it, for max(the wait its next restart would take, 60 s) counts as
//! recovered: the next failure waits `initial` again. The 60 s keep a task that fails a minute after each
//! start from resetting its own backoff.
//!
//! Times are wall-clock (`SystemTime`) because they travel in the snapshot to the screen; a
//! clock step can shorten or stretch one wait, never cause a loop of restarts.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::Connector;
use crate::config::AutoRestartConfig;
use crate::pipeline::retry::{self, epoch_ms};

/// How long a restarted connector must stay RUNNING, at least, before its backoff resets.
pub const STABLE: Duration = Duration::from_secs(60);

/// The fraction of a wait that may be taken off at random.
const JITTER: f64 = 0.2;

/// What auto-restart did for one opted-in connector, as the snapshot carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AutoRestartStatus {
    /// False under `--read-only`: opted in, but nothing is restarted.
    pub active: bool,
    /// Restarts the worker accepted since the console started.
    pub restarts: u32,
    /// Restarts since the connector last stayed RUNNING: what the next wait doubles from.
    pub streak: u32,
    /// First line of the failed trace that caused the last restart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reason: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_restart_at_ms: Option<u64>,
    /// While the connector is FAILED: when the next restart is due, ms since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at_ms: Option<u64>,
    /// The worker's answer when the last restart request failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl AutoRestartStatus {
    /// The wait left until the next restart, as seen at `now` (zero when due).
    pub fn next_in(&self, now: SystemTime) -> Option<Duration> {
        self.next_attempt_at_ms.map(|at| Duration::from_millis(at.saturating_sub(epoch_ms(now))))
    }

    /// How long ago the last restart was, as seen at `now`.
    pub fn last_restart_ago(&self, now: SystemTime) -> Option<Duration> {
        self.last_restart_at_ms.map(|at| Duration::from_millis(epoch_ms(now).saturating_sub(at)))
    }
}

/// One restart the policy wants now; it has already counted it (see [`Tracker::observe`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub connector: String,
    /// 1 for the first restart of a failing stretch.
    pub attempt: u32,
    pub reason: String,
    /// The wait before the restart after this one, should it fail again.
    pub next_wait: Duration,
}

/// How a connector looks to the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// PAUSED or STOPPED: a user's decision.
    Held,
    Failed,
    /// RUNNING with every task RUNNING.
    Running,
    /// RESTARTING, UNASSIGNED, UNKNOWN, or RUNNING without tasks yet.
    Between,
}

fn seen(c: &Connector) -> Seen {
    if matches!(c.state.as_str(), "PAUSED" | "STOPPED") {
        Seen::Held
    } else if c.has_failed() {
        Seen::Failed
    } else if c.is_running() {
        Seen::Running
    } else {
        Seen::Between
    }
}

/// The first line of the connector's trace when it FAILED, else of its first FAILED task's.
fn reason(c: &Connector) -> String {
    let first = |t: Option<&str>| t.and_then(|t| t.lines().next()).map(str::to_string);
    if c.state == "FAILED" {
        return first(c.trace.as_deref()).unwrap_or_else(|| "connector FAILED".into());
    }
    c.tasks
        .iter()
        .find(|t| t.state == "FAILED")
        .map(|t| first(t.trace.as_deref()).unwrap_or_else(|| format!("task {} FAILED", t.id)))
        .unwrap_or_default()
}

#[derive(Debug, Clone, Default)]
struct Track {
    status: AutoRestartStatus,
    /// The earliest time of the next restart, set at the first sighting of a failure and at
    /// each restart.
    next_at: Option<SystemTime>,
    failing: bool,
    running_since: Option<SystemTime>,
}

/// A cluster's auto-restart state: one track per opted-in connector in the last poll.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: AutoRestartConfig,
    read_only: bool,
    tracks: BTreeMap<String, Track>,
}

impl Tracker {
    pub fn new(config: AutoRestartConfig, read_only: bool) -> Self {
        Self { config, read_only, tracks: BTreeMap::new() }
    }

    /// The wait before restart number `attempt`, `unit` in [0, 1) the random draw.
    fn wait(&self, attempt: u32, unit: f64) -> Duration {
        let policy = retry::Policy {
            initial: self.config.initial.0,
            max: self.config.max.0,
            jitter: JITTER,
        };
        policy.base(attempt).mul_f64(1.0 - JITTER * unit.clamp(0.0, 1.0))
    }

    /// Takes one poll's connectors at `now` and returns those to restart now. Each returned
    /// restart is counted before it is sent (streak, next wait), so a poll cut short, or a
    /// second poller of the same cluster, cannot restart a connector twice in one wait.
    /// `draw` gives the jitter's random numbers in [0, 1).
    pub fn observe(
        &mut self,
        connectors: &[Connector],
        now: SystemTime,
        mut draw: impl FnMut() -> f64,
    ) -> Vec<Due> {
        let opted: Vec<&Connector> =
            connectors.iter().filter(|c| self.config.covers(&c.name)).collect();
        self.tracks.retain(|name, _| opted.iter().any(|c| c.name == *name));
        let mut due = Vec::new();
        for c in opted {
            let mut track = self.tracks.remove(&c.name).unwrap_or_default();
            track.status.active = !self.read_only;
            if !self.read_only
                && let Some(d) = self.step(&mut track, c, now, &mut draw)
            {
                due.push(d);
            }
            track.status.next_attempt_at_ms =
                track.next_at.filter(|_| track.failing && !self.read_only).map(epoch_ms);
            self.tracks.insert(c.name.clone(), track);
        }
        due
    }

    fn step(
        &self,
        track: &mut Track,
        c: &Connector,
        now: SystemTime,
        draw: &mut impl FnMut() -> f64,
    ) -> Option<Due> {
        let state = seen(c);
        track.failing = state == Seen::Failed;
        if state != Seen::Running {
            track.running_since = None;
        }
        match state {
            Seen::Held => track.next_at = None,
            Seen::Between => {}
            Seen::Running => {
                let since = *track.running_since.get_or_insert(now);
                let held = now.duration_since(since).unwrap_or_default();
                let streak = track.status.streak;
                if streak > 0 && held >= self.wait(streak + 1, 0.0).max(STABLE) {
                    track.status.streak = 0;
                    track.next_at = None;
                }
            }
            Seen::Failed => {
                let next_at = *track
                    .next_at
                    .get_or_insert_with(|| now + self.wait(track.status.streak + 1, draw()));
                if now >= next_at {
                    let attempt = track.status.streak + 1;
                    let next_wait = self.wait(attempt + 1, draw());
                    let reason = reason(c);
                    track.status.streak = attempt;
                    track.status.last_reason = Some(reason.clone());
                    track.status.last_restart_at_ms = Some(epoch_ms(now));
                    track.next_at = Some(now + next_wait);
                    return Some(Due { connector: c.name.clone(), attempt, reason, next_wait });
                }
            }
        }
        None
    }

    /// The worker's answer to a restart [`observe`](Self::observe) asked for: `Err` keeps its
    /// text for the screen, the backoff stays counted (a worker refusing restarts is not asked
    /// faster).
    pub fn record(&mut self, connector: &str, answer: Result<(), String>) {
        let Some(track) = self.tracks.get_mut(connector) else { return };
        match answer {
            Ok(()) => {
                track.status.restarts += 1;
                track.status.last_error = None;
            }
            Err(e) => track.status.last_error = Some(e),
        }
    }

    /// The status of an opted-in connector seen in the last poll; `None` for the others.
    pub fn status(&self, connector: &str) -> Option<AutoRestartStatus> {
        self.tracks.get(connector).map(|t| t.status.clone())
    }
}

#[cfg(test)]
#[path = "restart_policy_tests.rs"]
mod tests;

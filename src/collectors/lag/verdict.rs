//! Burrow's consumer verdicts (linkedin/Burrow, core/internal/evaluator/caching.go).
//!
//! Per partition, Burrow keeps a window of the last commits (offset, time, lag at commit) and
//! applies its rules in this order, the first that matches winning:
//! 1. no commits → OK; current lag within the allowed lag → OK; any commit in the window with
//!    lag within the allowed lag → OK (the consumer reached the log end recently);
//! 2. an offset lower than the one before it → REWIND;
//! 3. now − last commit > last commit − first commit → STOP (silent for longer than the window
//!    spans);
//! 4. every offset in the window equal → STALL (committing, not moving);
//! 5. the lag never decreased from one commit to the next → WARN (moving, but too slowly);
//! 6. otherwise OK.
//!
//! A group is its worst partition, except that STOP, STALL and REWIND count as ERR for the group:
//! Burrow's group status is OK, WARN or ERR, and the partition says which error.
//!
//! Burrow sees every commit in `__consumer_offsets`; a poller sees only the committed offset at
//! each poll. So [`CommitWindow::observe`] records a commit when the offset moved, and when it did
//! not but a live member owns the partition (it is there and not moving: STALL's case). An
//! unowned partition whose offset does not move records nothing, and ages into STOP.

use std::collections::VecDeque;

use serde::Serialize;

/// Ordered as Burrow's status constants, so the worst is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Ok,
    Warn,
    Err,
    Stop,
    Stall,
    Rewind,
}

impl Verdict {
    /// ERR and worse: what makes `lag` exit 1.
    pub fn is_error(self) -> bool {
        self >= Verdict::Err
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::Warn => "WARN",
            Verdict::Err => "ERR",
            Verdict::Stop => "STOP",
            Verdict::Stall => "STALL",
            Verdict::Rewind => "REWIND",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Knobs of the evaluation; the defaults are Burrow's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Commits kept per partition (Burrow's `intervals`).
    pub window: usize,
    /// Fewer commits than this → OK: one or two points cannot tell a stop from a pause.
    pub min_commits: usize,
    /// Lag that still counts as caught up (Burrow: 0).
    pub allowed_lag: u64,
}

impl Default for Rules {
    fn default() -> Self {
        Self { window: 10, min_commits: 3, allowed_lag: 0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Commit {
    pub offset: i64,
    /// Seconds since the Unix epoch.
    pub at: f64,
    /// Log end minus offset when the commit was seen.
    pub lag: u64,
}

/// One partition's last commits, oldest first.
#[derive(Debug, Clone, Default)]
pub struct CommitWindow {
    commits: VecDeque<Commit>,
}

impl CommitWindow {
    pub fn commits(&self) -> impl ExactSizeIterator<Item = &Commit> {
        self.commits.iter()
    }

    /// Records what one poll saw; see the module doc for when that counts as a commit.
    pub fn observe(&mut self, commit: Commit, owned: bool, rules: &Rules) {
        let moved = self.commits.back().is_none_or(|last| last.offset != commit.offset);
        if !moved && !owned {
            return;
        }
        if self.commits.back().is_some_and(|last| commit.at <= last.at) {
            return;
        }
        self.commits.push_back(commit);
        while self.commits.len() > rules.window.max(1) {
            self.commits.pop_front();
        }
    }

    /// The fraction of the window filled, as Burrow's `complete`.
    pub fn complete(&self, rules: &Rules) -> f64 {
        (self.commits.len() as f64 / rules.window.max(1) as f64).min(1.0)
    }

    pub fn verdict(&self, current_lag: u64, now: f64, rules: &Rules) -> Verdict {
        let c: Vec<&Commit> = self.commits.iter().collect();
        let (Some(first), Some(last)) = (c.first(), c.last()) else { return Verdict::Ok };
        if c.len() < rules.min_commits
            || current_lag <= rules.allowed_lag
            || c.iter().any(|x| x.lag <= rules.allowed_lag)
        {
            return Verdict::Ok;
        }
        let pairs = || c.windows(2).map(|w| (w[0], w[1]));
        if pairs().any(|(a, b)| b.offset < a.offset) {
            Verdict::Rewind
        } else if now - last.at > last.at - first.at {
            Verdict::Stop
        } else if pairs().all(|(a, b)| a.offset == b.offset) {
            Verdict::Stall
        } else if !pairs().any(|(a, b)| b.lag < a.lag) {
            Verdict::Warn
        } else {
            Verdict::Ok
        }
    }
}

/// The group's verdict from its partitions': the worst, with STOP, STALL and REWIND as ERR.
pub fn group_verdict(partitions: impl IntoIterator<Item = Verdict>) -> Verdict {
    partitions.into_iter().max().unwrap_or(Verdict::Ok).min(Verdict::Err)
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;

//! Notifications: alert transitions sent to webhook receivers (Slack-compatible or generic
//! JSON) from tasks of their own, so a receiver that is down or slow never holds up the
//! console.
//!
//! The interface the alert evaluation calls; behind it each receiver has its own queue and
//! tasks (`dispatch`): deduplication and reminders (`dedupe`), the rate limit (`rate`), retries
//! (`retry`), the payloads (`payload`) and what the screen shows (`status`).

mod dedupe;
mod dispatch;
mod payload;
mod rate;
mod receiver;
mod retry;
mod status;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::error::TrySendError;

pub use payload::{Message, Status, colour, generic, slack};
pub use receiver::{DEFAULT_PER_MINUTE, DEFAULT_REPEAT, Kind, Receiver};
pub use status::ReceiverStatus;

use crate::alerts::{Alert, Transition};
use crate::config::AlertsConfig;
use crate::pipeline::retry::Policy;

/// The dispatcher's timings; the defaults are the documented behaviour, tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// The rate limit's window (`max_per_minute` messages in it).
    pub window: Duration,
    /// One request's timeout.
    pub timeout: Duration,
    /// The wait between attempts (doubling, with jitter).
    pub backoff: Policy,
    /// Attempts a message gets, at most.
    pub attempts: u32,
    /// How long a message is retried, at most.
    pub budget: Duration,
    /// Transitions (and messages) a receiver's queue holds; more are dropped and counted.
    pub queue: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(60),
            timeout: Duration::from_secs(5),
            backoff: Policy {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(30),
                jitter: 0.3,
            },
            attempts: 5,
            budget: Duration::from_secs(120),
            queue: 256,
        }
    }
}

/// The handle the evaluation offers transitions to. Cheap to clone; `offer` never blocks.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    receivers: Arc<[dispatch::Handle]>,
}

impl Notifier {
    /// Starts the dispatcher for the configured receivers (none: a notifier that drops all).
    /// Must be called inside a tokio runtime (outside one, it notifies nobody and says so).
    pub fn spawn(config: &AlertsConfig) -> Self {
        Self::spawn_with(config, Tuning::default())
    }

    /// [`spawn`](Self::spawn) with other timings.
    pub fn spawn_with(config: &AlertsConfig, tuning: Tuning) -> Self {
        if config.receivers.is_empty() {
            return Self::default();
        }
        if tokio::runtime::Handle::try_current().is_err() {
            tracing::error!("notifications are off: the notifier was started outside a runtime");
            return Self::default();
        }
        let client = match reqwest::Client::builder().timeout(tuning.timeout).build() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e.without_url(), "notifications are off: no HTTP client");
                return Self::default();
            }
        };
        let receivers: Vec<dispatch::Handle> = config
            .receivers
            .iter()
            .filter_map(|c| {
                Receiver::from_config(c)
                    .map_err(|e| tracing::error!(error = %e, "receiver left out"))
                    .ok()
            })
            .map(|r| dispatch::start(r, client.clone(), tuning))
            .collect();
        Self { receivers: receivers.into() }
    }

    /// Hands the transitions of one evaluation to the dispatcher; returns at once. A receiver
    /// whose queue is full loses them: they are counted in its status and logged.
    pub fn offer(&self, transitions: &[Transition]) {
        for t in transitions {
            let severity = alert(t).severity;
            let mut wanted =
                self.receivers.iter().filter(|h| h.receiver.wants(severity)).peekable();
            if wanted.peek().is_none() {
                continue;
            }
            let shared = Arc::new(t.clone());
            for h in wanted {
                if let Err(TrySendError::Full(_)) = h.input.try_send(Arc::clone(&shared)) {
                    let dropped = h.status.dropped();
                    // The first drop and every hundredth: a stuck receiver must not flood the log.
                    if dropped == 1 || dropped % 100 == 0 {
                        tracing::warn!(receiver = %h.receiver, dropped, "notification queue full: transition dropped");
                    }
                }
            }
        }
    }

    /// Each receiver as the screen shows it (a copy; cheap).
    pub fn status(&self) -> Vec<ReceiverStatus> {
        self.receivers.iter().map(|h| h.status.snapshot(h.queued())).collect()
    }
}

fn alert(t: &Transition) -> &Alert {
    match t {
        Transition::Firing(a) | Transition::Resolved(a) => a,
    }
}

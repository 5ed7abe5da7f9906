//! What the alerts view shows of each receiver: messages sent, failed and dropped, what waits,
//! the last error and the last success. The dispatcher updates a shared record under a short
//! lock; reading it is a copy, cheap enough for every frame. Nothing here holds the URL beyond
//! its masked form.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use serde::Serialize;

use super::receiver::{Kind, Receiver};

/// One receiver as the screen, logs and JSON output may show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiverStatus {
    pub name: String,
    pub kind: Kind,
    /// `scheme://host/****`.
    pub url: String,
    /// Messages the receiver accepted.
    pub sent: u64,
    /// Messages given up on (after the retries, or refused with a 4xx).
    pub failed: u64,
    /// Transitions dropped because the receiver's queue was full.
    pub dropped: u64,
    /// Transitions and messages waiting (rate limit, retries, a slow receiver).
    pub queued: usize,
    /// The last failure (an attempt or a message), without the URL.
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::store::ser_opt_time")]
    pub last_error_at: Option<SystemTime>,
    #[serde(serialize_with = "crate::store::ser_opt_time")]
    pub last_success: Option<SystemTime>,
}

/// The record one receiver's tasks update and the notifier reads.
#[derive(Debug, Clone)]
pub struct Shared {
    record: Arc<Mutex<ReceiverStatus>>,
    dropped: Arc<AtomicU64>,
}

impl Shared {
    pub fn new(r: &Receiver) -> Self {
        let record = Arc::new(Mutex::new(ReceiverStatus {
            name: r.name.clone(),
            kind: r.kind,
            url: r.masked_url(),
            sent: 0,
            failed: 0,
            dropped: 0,
            queued: 0,
            last_error: None,
            last_error_at: None,
            last_success: None,
        }));
        Self { record, dropped: Arc::new(AtomicU64::new(0)) }
    }

    fn update(&self, f: impl FnOnce(&mut ReceiverStatus)) {
        // A panic elsewhere while holding the lock leaves counters that are still worth showing.
        let mut s = self.record.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut s);
    }

    /// A copy, with the `offered` transitions not yet read counted as queued.
    pub fn snapshot(&self, offered: usize) -> ReceiverStatus {
        let mut s = self.record.lock().unwrap_or_else(PoisonError::into_inner).clone();
        s.queued += offered;
        s.dropped = self.dropped.load(Ordering::Relaxed);
        s
    }

    pub fn sent(&self) {
        self.update(|s| {
            s.sent += 1;
            s.last_success = Some(SystemTime::now());
        });
    }

    /// An attempt failed (a retry may follow): the error is shown, nothing is counted.
    pub fn attempt_failed(&self, error: &str) {
        self.update(|s| {
            s.last_error = Some(error.to_string());
            s.last_error_at = Some(SystemTime::now());
        });
    }

    /// A message was given up on.
    pub fn failed(&self, error: &str) {
        self.update(|s| {
            s.failed += 1;
            s.last_error = Some(error.to_string());
            s.last_error_at = Some(SystemTime::now());
        });
    }
}

impl Shared {
    /// A message queued for delivery.
    pub fn enqueued(&self) {
        self.update(|s| s.queued += 1);
    }

    /// A message delivered or given up on.
    pub fn dequeued(&self) {
        self.update(|s| s.queued = s.queued.saturating_sub(1));
    }

    /// Counts a dropped transition (without the lock: the offer's path); the new count.
    pub fn dropped(&self) -> u64 {
        self.dropped.fetch_add(1, Ordering::Relaxed) + 1
    }
}

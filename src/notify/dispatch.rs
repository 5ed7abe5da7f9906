//! One receiver's two tasks. The first reads the transitions the notifier offered, keeps the
//! firing set ([`Dedupe`]) and its reminder timer, and queues messages; the second takes them
//! one at a time through the rate limit and the retries. Each receiver has its own queue, so a
//! slow or dead one holds up nobody else; when its queue is full the notifier drops and counts.

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Tuning;
use super::dedupe::Dedupe;
use super::payload::{self, Message};
use super::rate::RateLimit;
use super::receiver::{Kind, Receiver};
use super::retry;
use super::status::Shared;
use crate::alerts::Transition;

/// What the notifier keeps of one receiver: where to offer, and its status.
#[derive(Debug)]
pub struct Handle {
    pub receiver: Arc<Receiver>,
    /// Shared between receivers: the notifier copies a transition once, not once each.
    pub input: mpsc::Sender<Arc<Transition>>,
    pub status: Shared,
}

impl Handle {
    /// Transitions and messages waiting for this receiver.
    pub fn queued(&self) -> usize {
        self.input.max_capacity() - self.input.capacity()
    }
}

/// Starts the receiver's tasks on the current runtime.
pub fn start(receiver: Receiver, client: reqwest::Client, tuning: Tuning) -> Handle {
    let receiver = Arc::new(receiver);
    let status = Shared::new(&receiver);
    let (input, transitions) = mpsc::channel(tuning.queue);
    let (outbox, messages) = mpsc::channel(tuning.queue);
    tokio::spawn(decide(Arc::clone(&receiver), transitions, outbox, status.clone()));
    tokio::spawn(deliver(Arc::clone(&receiver), messages, client, tuning, status.clone()));
    Handle { receiver, input, status }
}

/// Turns transitions (and the passing of time) into messages; ends when the notifier is gone.
async fn decide(
    receiver: Arc<Receiver>,
    mut transitions: mpsc::Receiver<Arc<Transition>>,
    outbox: mpsc::Sender<Message>,
    status: Shared,
) {
    let mut dedupe = Dedupe::new(receiver.repeat, receiver.send_resolved);
    loop {
        let due = dedupe.next_due();
        let messages = tokio::select! {
            t = transitions.recv() => match t {
                Some(t) => dedupe.on(Arc::unwrap_or_clone(t), Instant::now()).into_iter().collect(),
                None => break,
            },
            () = sleep_until(due) => dedupe.reminders(Instant::now()),
        };
        for m in messages {
            status.enqueued();
            // A full outbox holds this task; the notifier then drops (and counts) at its door.
            if outbox.send(m).await.is_err() {
                return;
            }
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Sends the queued messages in order, within the rate limit, each retried as it deserves.
async fn deliver(
    receiver: Arc<Receiver>,
    mut messages: mpsc::Receiver<Message>,
    client: reqwest::Client,
    tuning: Tuning,
    status: Shared,
) {
    let mut rate = RateLimit::new(receiver.max_per_minute, tuning.window);
    while let Some(m) = messages.recv().await {
        rate.acquire().await;
        let body = match receiver.kind {
            Kind::Slack => payload::slack(&m),
            Kind::Webhook => payload::generic(&m, &receiver.name, SystemTime::now()),
        };
        match retry::deliver(&client, &receiver, &body, &tuning, &status).await {
            Ok(attempts) => {
                status.sent();
                tracing::debug!(receiver = %receiver, attempts, title = payload::title(&m), "notified");
            }
            Err(error) => {
                status.failed(&error);
                tracing::warn!(receiver = %receiver, %error, title = payload::title(&m), "notification failed");
            }
        }
        status.dequeued();
    }
}

//! The `:events` view's reader: one topic's newest events, or a key's whole history (a scan
//! with progress), then optionally its live tail, published as owned snapshots on a watch
//! channel. One blocking thread per read; leaving the view, or asking for another read, stops
//! it (between records, or at the scan's next check).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::config::Config;
use crate::pipeline::events::{
    self, ChangeEvent, Filter, Reader, ScanProgress, SearchOptions, Start,
};

/// Events the view keeps (newest first); older ones fall off the end while following.
pub const KEEP: usize = 2_000;
/// Events a plain read starts with.
const NEWEST: u64 = 200;
/// How often a follow publishes what arrived.
const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// What the view shows of its read.
#[derive(Debug, Clone, Default)]
pub struct EventsSnapshot {
    pub topic: String,
    /// The key searched for, as typed.
    pub key: Option<String>,
    pub follow: bool,
    /// Newest first, at most [`KEEP`].
    pub events: Vec<Arc<ChangeEvent>>,
    /// While scanning: how far; the last one stays after the scan (`done`).
    pub scan: Option<ScanProgress>,
    /// Records read by the scan.
    pub scanned: u64,
    /// More matched than were kept.
    pub truncated: bool,
    /// Events that arrived while following.
    pub live: u64,
    /// Why the read stopped, if it failed.
    pub error: Option<String>,
    /// The read (or follow) still runs.
    pub running: bool,
}

/// What to read.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsAsk {
    pub topic: String,
    /// A key (JSON text) to search for; `None` for the newest events.
    pub key: Option<String>,
    pub follow: bool,
}

/// A running read; dropping it stops the read.
pub struct EventsReader {
    pub snapshot: watch::Receiver<EventsSnapshot>,
    stop: Arc<AtomicBool>,
}

impl Drop for EventsReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts reading what `ask` says.
pub fn spawn(config: &Config, ask: EventsAsk) -> EventsReader {
    let first = EventsSnapshot {
        topic: ask.topic.clone(),
        key: ask.key.clone(),
        follow: ask.follow,
        running: true,
        ..Default::default()
    };
    let (tx, snapshot) = watch::channel(first);
    let stop = Arc::new(AtomicBool::new(false));
    let (client, halt) = (crate::kafka::client_config(config), stop.clone());
    let timeout = config.timeouts.request().max(Duration::from_secs(5));
    tokio::task::spawn_blocking(move || {
        let result = run(&client, &ask, timeout, &tx, &halt);
        tx.send_modify(|s| {
            s.running = false;
            s.error = result.err();
        });
    });
    EventsReader { snapshot, stop }
}

fn run(
    client: &rdkafka::ClientConfig,
    ask: &EventsAsk,
    timeout: Duration,
    tx: &watch::Sender<EventsSnapshot>,
    stop: &AtomicBool,
) -> Result<(), String> {
    let key = ask.key.as_deref().map(Filter::parse_key).transpose().map_err(|e| e.to_string())?;
    let opts = SearchOptions {
        start: if key.is_some() { Start::Beginning } else { Start::Last(NEWEST) },
        filter: Filter { key, ..Filter::default() },
        max_events: KEEP,
        timeout,
    };
    let progress = |p: &ScanProgress| tx.send_modify(|s| s.scan = Some(p.clone()));
    let found = events::read_until(client, &ask.topic, &opts, &progress, stop)
        .map_err(|e| e.to_string())?;
    let mut newest: Vec<Arc<ChangeEvent>> = found.events.into_iter().map(Arc::new).collect();
    if !found.newest_first {
        newest.reverse();
    }
    tx.send_modify(|s| {
        s.events = newest;
        s.scanned = found.scanned;
        s.truncated = found.truncated;
    });
    if ask.follow && !stop.load(Ordering::Relaxed) {
        follow(client, &ask.topic, &opts, found.next, tx, stop)?;
    }
    Ok(())
}

/// Tails the topic from `next` until `stop`, publishing what arrived every
/// [`PUBLISH_EVERY`].
fn follow(
    client: &rdkafka::ClientConfig,
    topic: &str,
    opts: &SearchOptions,
    next: std::collections::BTreeMap<i32, i64>,
    tx: &watch::Sender<EventsSnapshot>,
    stop: &AtomicBool,
) -> Result<(), String> {
    let partitions = events::partitions(client, topic, opts.timeout).map_err(|e| e.to_string())?;
    let mut reader = Reader::open(client, topic, &partitions, &Start::At(next), opts.timeout)
        .map_err(|e| e.to_string())?;
    let mut arrived: Vec<Arc<ChangeEvent>> = Vec::new();
    let mut published = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        reader
            .poll(Duration::from_millis(50), Duration::MAX, &mut |m| {
                let e = events::decode_message(m);
                if opts.filter.keeps(&e) {
                    arrived.push(Arc::new(e));
                }
            })
            .map_err(|e| e.to_string())?;
        if !arrived.is_empty() && published.elapsed() >= PUBLISH_EVERY {
            tx.send_modify(|s| publish(s, &mut arrived));
            published = Instant::now();
        }
    }
    Ok(())
}

/// Puts what arrived (oldest first) at the head of the snapshot's newest-first list.
pub fn publish(s: &mut EventsSnapshot, arrived: &mut Vec<Arc<ChangeEvent>>) {
    s.live += arrived.len() as u64;
    let mut events: Vec<Arc<ChangeEvent>> = arrived.drain(..).rev().collect();
    events.extend(s.events.iter().take(KEEP.saturating_sub(events.len())).cloned());
    events.truncate(KEEP);
    s.events = events;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_arrives_goes_on_top_and_the_oldest_fall_off() {
        let e = |o| Arc::new(events::decode(0, o, None, None, None));
        let mut s = EventsSnapshot {
            events: (0..KEEP as i64).rev().map(e).collect(),
            ..Default::default()
        };
        let mut arrived = vec![e(5000), e(5001)];
        publish(&mut s, &mut arrived);
        assert!(arrived.is_empty());
        assert_eq!(s.events.len(), KEEP);
        assert_eq!(s.events[0].offset, 5001);
        assert_eq!(s.events[1].offset, 5000);
        assert_eq!(s.events[2].offset, KEEP as i64 - 1);
        assert_eq!(s.live, 2);
    }
}

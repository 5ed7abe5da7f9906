//! Reading a topic's events into memory: from a point, the newest N, or a key's whole history
//! over every partition. Only the kept events are held (at most `max_events`), so a search over
//! millions of records holds its matches, not the log. A key search reads the key's own
//! partition (Debezium's key → partition) first, then every other partition, in case the
//! topic's partitions changed or a producer keyed differently.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::message::Message;
use serde::Serialize;
use serde_json::Value;

use super::reader::{Reader, Start, partitions};
use super::{ChangeEvent, EventsError, Filter, compact_json, key_partition};

#[derive(Debug, Clone)]
pub struct SearchOptions {
    pub start: Start,
    pub filter: Filter,
    /// Most events kept. From an offset or a time, the first ones (the read stops there); else
    /// the newest ones (the scan goes on and counts the rest).
    pub max_events: usize,
    /// A Kafka request's timeout; a partition silent four times as long fails the read.
    pub timeout: Duration,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            start: Start::Beginning,
            filter: Filter::default(),
            max_events: 10_000,
            timeout: Duration::from_secs(10),
        }
    }
}

/// How far a read is, said about every 100 ms and once at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanProgress {
    pub topic: String,
    /// Per partition: (partition, records read, records to read).
    pub partitions: Vec<(i32, u64, u64)>,
    pub matched: u64,
    pub done: bool,
}

impl ScanProgress {
    /// Records read and to read over all partitions.
    pub fn totals(&self) -> (u64, u64) {
        self.partitions.iter().fold((0, 0), |(s, t), p| (s + p.1, t + p.2))
    }
}

/// What a read found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    /// Oldest first (merged over partitions by record time, each partition in offset order);
    /// newest first for [`Start::Last`].
    pub events: Vec<ChangeEvent>,
    pub newest_first: bool,
    pub scanned: u64,
    /// Events that passed the filter, kept or not.
    pub matched: u64,
    /// More matched than `max_events`: some were not kept.
    pub truncated: bool,
    /// The partition the key hashes to (a key search), read first.
    pub key_partition: Option<i32>,
    /// The next offset per partition when the read ended: where a follow goes on.
    pub next: BTreeMap<i32, i64>,
}

/// Reads `topic` as `opts` say. Blocking.
pub fn read(
    client: &ClientConfig,
    topic: &str,
    opts: &SearchOptions,
    progress: &dyn Fn(&ScanProgress),
) -> Result<Found, EventsError> {
    read_until(client, topic, opts, progress, &AtomicBool::new(false))
}

/// [`read`], ending early (with what it found so far) once `stop` is set: the screen's reader
/// when the user leaves the view mid-scan.
pub fn read_until(
    client: &ClientConfig,
    topic: &str,
    opts: &SearchOptions,
    progress: &dyn Fn(&ScanProgress),
    stop: &AtomicBool,
) -> Result<Found, EventsError> {
    let all = partitions(client, topic, opts.timeout)?;
    let likely = opts.filter.key.as_ref().map(|k| {
        let text = compact_json(&k.to_string());
        key_partition(text.as_bytes(), all.len())
    });
    let phases: Vec<Vec<i32>> = match likely {
        Some(p) if all.contains(&p) => {
            vec![vec![p], all.iter().copied().filter(|q| *q != p).collect()]
        }
        _ => vec![all],
    };
    let mut scan = Scan::new(topic, opts, stop);
    for phase in phases.iter().filter(|p| !p.is_empty()) {
        scan.phase(client, phase, progress)?;
        if scan.full_from_a_point() || stop.load(Ordering::Relaxed) {
            break;
        }
    }
    Ok(scan.finish(likely, progress))
}

/// A key's events over every partition of `topic` (`opts.filter.key` set to `key`). Blocking.
pub fn search_key_blocking(
    client: &ClientConfig,
    topic: &str,
    key: &Value,
    opts: &SearchOptions,
    progress: &dyn Fn(&ScanProgress),
) -> Result<Found, EventsError> {
    let mut opts = opts.clone();
    opts.filter.key = Some(key.clone());
    read(client, topic, &opts, progress)
}

/// [`search_key_blocking`] on a blocking thread.
pub async fn search_key(
    client: ClientConfig,
    topic: String,
    key: Value,
    opts: SearchOptions,
    progress: Arc<dyn Fn(&ScanProgress) + Send + Sync>,
) -> Result<Found, EventsError> {
    tokio::task::spawn_blocking(move || {
        search_key_blocking(&client, &topic, &key, &opts, &*progress)
    })
    .await?
}

/// A read in progress: what is kept per partition, counts, progress.
struct Scan<'a> {
    topic: &'a str,
    opts: &'a SearchOptions,
    kept: BTreeMap<i32, VecDeque<ChangeEvent>>,
    kept_total: usize,
    scanned: u64,
    matched: u64,
    shown: BTreeMap<i32, (u64, u64)>,
    next: BTreeMap<i32, i64>,
    said: Instant,
    stop: &'a AtomicBool,
}

impl<'a> Scan<'a> {
    fn new(topic: &'a str, opts: &'a SearchOptions, stop: &'a AtomicBool) -> Self {
        Self {
            topic,
            opts,
            kept: BTreeMap::new(),
            kept_total: 0,
            scanned: 0,
            matched: 0,
            shown: BTreeMap::new(),
            next: BTreeMap::new(),
            said: Instant::now(),
            stop,
        }
    }

    /// Reading from a point keeps the first `max_events` and stops there.
    fn reads_from_a_point(&self) -> bool {
        matches!(self.opts.start, Start::Offset(_) | Start::Time(_) | Start::At(_))
    }

    fn full_from_a_point(&self) -> bool {
        self.reads_from_a_point() && self.kept_total >= self.opts.max_events
    }

    /// Reads `partitions` to their ends with a consumer of their own.
    fn phase(
        &mut self,
        client: &ClientConfig,
        partitions: &[i32],
        progress: &dyn Fn(&ScanProgress),
    ) -> Result<(), EventsError> {
        let mut reader =
            Reader::open(client, self.topic, partitions, &self.opts.start, self.opts.timeout)?;
        let stall = self.opts.timeout * 4;
        while !reader.caught_up() && !self.full_from_a_point() && !self.stop.load(Ordering::Relaxed)
        {
            reader.poll(Duration::from_millis(100), stall, &mut |m| self.saw(m))?;
            if self.said.elapsed() >= Duration::from_millis(100) {
                self.note(&reader);
                progress(&self.progress(false));
                self.said = Instant::now();
            }
        }
        self.note(&reader);
        self.next.extend(reader.positions());
        Ok(())
    }

    fn note(&mut self, reader: &Reader) {
        for (p, r) in &reader.ranges {
            self.shown.insert(*p, (r.scanned(), r.total()));
        }
    }

    fn saw(&mut self, m: &rdkafka::message::BorrowedMessage<'_>) {
        self.scanned += 1;
        let filter = &self.opts.filter;
        let key = super::decode::decode_key(m.key());
        if !filter.key_matches(key.as_ref()) {
            return;
        }
        let mut e =
            super::decode(m.partition(), m.offset(), m.timestamp().to_millis(), None, m.payload());
        e.key = key;
        if !filter.keeps(&e) {
            return;
        }
        self.matched += 1;
        if self.full_from_a_point() {
            return;
        }
        let q = self.kept.entry(m.partition()).or_default();
        q.push_back(e);
        self.kept_total += 1;
        if self.kept_total > self.opts.max_events {
            // Keep the newest: drop the oldest kept, from the partition with the oldest head.
            let oldest = self
                .kept
                .iter()
                .filter_map(|(p, q)| q.front().map(|e| (e.timestamp_ms, *p)))
                .min()
                .map(|(_, p)| p);
            if let Some(q) = oldest.and_then(|p| self.kept.get_mut(&p)) {
                q.pop_front();
                self.kept_total -= 1;
            }
        }
    }

    fn progress(&self, done: bool) -> ScanProgress {
        ScanProgress {
            topic: self.topic.to_string(),
            partitions: self.shown.iter().map(|(p, (s, t))| (*p, *s, *t)).collect(),
            matched: self.matched,
            done,
        }
    }

    fn finish(self, key_partition: Option<i32>, progress: &dyn Fn(&ScanProgress)) -> Found {
        progress(&self.progress(true));
        let newest_first = matches!(self.opts.start, Start::Last(_));
        let mut events = merge(self.kept);
        if newest_first {
            events.reverse();
            events.truncate(self.opts.max_events);
        }
        Found {
            // The newest N read a little more than N on purpose: not a truncation.
            truncated: !newest_first && self.matched > events.len() as u64,
            events,
            newest_first,
            scanned: self.scanned,
            matched: self.matched,
            key_partition,
            next: self.next,
        }
    }
}

/// Partitions' events (each in offset order) merged oldest first by record time.
fn merge(mut kept: BTreeMap<i32, VecDeque<ChangeEvent>>) -> Vec<ChangeEvent> {
    let mut out = Vec::with_capacity(kept.values().map(VecDeque::len).sum());
    loop {
        let next = kept
            .iter()
            .filter_map(|(p, q)| q.front().map(|e| (e.timestamp_ms, *p)))
            .min()
            .map(|(_, p)| p);
        match next.and_then(|p| kept.get_mut(&p)).and_then(VecDeque::pop_front) {
            Some(e) => out.push(e),
            None => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_partitions_by_time_keeping_offset_order() {
        let e = |p, o, t| super::super::decode(p, o, Some(t), None, None);
        let mut kept = BTreeMap::new();
        kept.insert(0, VecDeque::from([e(0, 0, 10), e(0, 1, 30)]));
        kept.insert(1, VecDeque::from([e(1, 5, 20), e(1, 6, 5)]));
        let got: Vec<(i32, i64)> = merge(kept).iter().map(|e| (e.partition, e.offset)).collect();
        assert_eq!(got, [(0, 0), (1, 5), (1, 6), (0, 1)]);
    }
}

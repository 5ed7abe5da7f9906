//! Batches from the broker for the replicator and the processor. A task fetches into an inbox
//! while the last batch is applied, so fetching overlaps the sink transaction; the applying side
//! takes everything the inbox holds when it is ready for more. A batch is therefore whatever
//! arrived during the previous write (it grows with the load by itself), and a record never
//! waits behind batches queued ahead of it: a queue of collected batches (as a channel would
//! hold) made a record wait for every write before its own.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::consumer::{ConsumerContext, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use tokio::sync::Notify;

/// One consumed record, copied out of librdkafka.
pub struct Record {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    /// When the record reached the console.
    pub received: Instant,
}

/// One batch as taken from the inbox, with the time spent waiting for it.
pub struct Fetched {
    pub records: Vec<Record>,
    pub seconds: f64,
    /// The broker refused a fetch offset as out of its partition's range (a recreated topic, a
    /// log truncated, records deleted before they were read): the consumers run with
    /// `auto.offset.reset = error`, so that this is said instead of a silent jump, and the
    /// applying side checks its stored offsets again (`on_offset_out_of_range`).
    pub out_of_range: bool,
}

/// How long without a record before the fetch task says "idle" (an empty batch).
const IDLE: Duration = Duration::from_millis(500);

/// Records fetched and not yet taken.
#[derive(Default)]
struct Inbox {
    records: Vec<Record>,
    /// Nothing arrived for [`IDLE`] since the last batch was taken.
    idle: bool,
    /// The broker said a fetch offset is out of range (see [`Fetched::out_of_range`]).
    out_of_range: bool,
}

struct Shared {
    inbox: Mutex<Inbox>,
    arrived: Notify,
    taken: Notify,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inbox> {
        // A panic while holding the lock leaves plain data behind: still usable.
        self.inbox.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Fetches into the inbox, holding off while it has `max_batch` records untaken.
async fn fetch<C: ConsumerContext + 'static>(
    consumer: Arc<StreamConsumer<C>>,
    max_batch: usize,
    shared: Arc<Shared>,
) {
    loop {
        while shared.lock().records.len() >= max_batch {
            shared.taken.notified().await;
        }
        match tokio::time::timeout(IDLE, consumer.recv()).await {
            Ok(Ok(m)) => {
                let record = Record {
                    topic: m.topic().to_string(),
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    payload: m.payload().map(<[u8]>::to_vec),
                    received: Instant::now(),
                };
                shared.lock().records.push(record);
                shared.arrived.notify_one();
            }
            Ok(Err(KafkaError::MessageConsumption(RDKafkaErrorCode::AutoOffsetReset))) => {
                tracing::warn!("consume: a fetch offset is out of its partition's range");
                shared.lock().out_of_range = true;
                shared.arrived.notify_one();
            }
            Ok(Err(e)) => tracing::warn!("consume: {e}"),
            Err(_) => {
                let mut inbox = shared.lock();
                if inbox.records.is_empty() {
                    inbox.idle = true;
                    drop(inbox);
                    shared.arrived.notify_one();
                }
            }
        }
    }
}

pub struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The applying side of the inbox (empty batches say "idle"); the fetch task ends when this is
/// dropped.
pub struct Batches {
    shared: Arc<Shared>,
    max_batch: usize,
    linger: Duration,
    task: AbortOnDrop,
}

impl Batches {
    /// What [`recv`](Self::recv) would return now without waiting, if that is a non-empty batch.
    pub fn try_recv(&mut self) -> Option<Fetched> {
        let inbox = self.shared.lock();
        if inbox.out_of_range {
            return None; // `recv` says so
        }
        let first = inbox.records.first()?;
        if Instant::now() < first.received + self.linger && inbox.records.len() < self.max_batch {
            return None;
        }
        Some(Fetched { records: self.take(inbox), seconds: 0.0, out_of_range: false })
    }

    /// Takes up to `max_batch` records out of the inbox and lets the fetch task go on.
    fn take(&self, mut inbox: std::sync::MutexGuard<'_, Inbox>) -> Vec<Record> {
        let n = inbox.records.len().min(self.max_batch);
        let records: Vec<Record> = inbox.records.drain(..n).collect();
        inbox.idle = false;
        drop(inbox);
        self.shared.taken.notify_one();
        records
    }

    /// Everything fetched so far (up to `max_batch` records), once the first of it is `linger`
    /// old; waits for a first record, or returns an empty batch when the fetch task says idle.
    /// None once the fetch task has ended.
    pub async fn recv(&mut self) -> Option<Fetched> {
        let started = Instant::now();
        loop {
            let until = {
                let mut inbox = self.shared.lock();
                if std::mem::take(&mut inbox.out_of_range) {
                    let seconds = started.elapsed().as_secs_f64();
                    return Some(Fetched { records: Vec::new(), seconds, out_of_range: true });
                }
                match inbox.records.first() {
                    Some(first) => {
                        let ready = first.received + self.linger;
                        if Instant::now() >= ready || inbox.records.len() >= self.max_batch {
                            let records = self.take(inbox);
                            return Some(Fetched {
                                records,
                                seconds: started.elapsed().as_secs_f64(),
                                out_of_range: false,
                            });
                        }
                        Some(tokio::time::Instant::from_std(ready))
                    }
                    None if inbox.idle => {
                        inbox.idle = false;
                        return Some(Fetched {
                            records: Vec::new(),
                            seconds: 0.0,
                            out_of_range: false,
                        });
                    }
                    None if self.task.0.is_finished() => return None,
                    None => None,
                }
            };
            match until {
                Some(at) => {
                    let _ = tokio::time::timeout_at(at, self.shared.arrived.notified()).await;
                }
                // Rechecks now and then whether the fetch task is still there.
                None => {
                    let _ = tokio::time::timeout(IDLE, self.shared.arrived.notified()).await;
                }
            }
        }
    }
}

/// Starts fetching: batches of at most `max_batch` records, each handed over once its first
/// record is `linger` old (more records then share its transaction) and the applying side asks.
pub fn spawn<C: ConsumerContext + 'static>(
    consumer: Arc<StreamConsumer<C>>,
    max_batch: usize,
    linger: Duration,
) -> Batches {
    let shared = Arc::new(Shared {
        inbox: Mutex::new(Inbox::default()),
        arrived: Notify::new(),
        taken: Notify::new(),
    });
    let task = AbortOnDrop(tokio::spawn(fetch(consumer, max_batch.max(1), shared.clone())));
    Batches { shared, max_batch: max_batch.max(1), linger, task }
}

//! Batches from the broker for the replicator and the processor: a task collects the next batch
//! while the last one is applied, so fetching overlaps the sink transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::consumer::{ConsumerContext, StreamConsumer};
use tokio::sync::mpsc;

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

/// One batch as the fetch task collected it, with the time spent waiting for it.
pub struct Fetched {
    pub records: Vec<Record>,
    pub seconds: f64,
}

/// Collects batches: waits up to 500 ms for a first record (an empty batch says "idle"), then at
/// most `max_latency` for more, up to `max_batch`. Ends when the receiver is gone.
async fn fetch<C: ConsumerContext + 'static>(consumer: Arc<StreamConsumer<C>>, max_batch: usize, max_latency: Duration, out: mpsc::Sender<Fetched>) {
    loop {
        let mut records: Vec<Record> = Vec::new();
        let mut deadline: Option<tokio::time::Instant> = None;
        let started = Instant::now();
        while records.len() < max_batch {
            let wait = deadline.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_millis(500));
            match tokio::time::timeout_at(wait, consumer.recv()).await {
                Ok(Ok(m)) => {
                    records.push(Record {
                        topic: m.topic().to_string(),
                        partition: m.partition(),
                        offset: m.offset(),
                        key: m.key().map(<[u8]>::to_vec),
                        payload: m.payload().map(<[u8]>::to_vec),
                        received: Instant::now(),
                    });
                    deadline.get_or_insert_with(|| tokio::time::Instant::now() + max_latency);
                }
                Ok(Err(e)) => tracing::warn!("replicator consume: {e}"),
                Err(_) => break,
            }
        }
        let seconds = if records.is_empty() { 0.0 } else { started.elapsed().as_secs_f64() };
        if out.send(Fetched { records, seconds }).await.is_err() {
            return;
        }
    }
}

pub struct AbortOnDrop(tokio::task::JoinHandle<()>);

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

/// A receiver of batches (empty ones say "idle") from a task that ends when the receiver is
/// dropped.
pub struct Batches {
    rx: mpsc::Receiver<Fetched>,
    _task: AbortOnDrop,
}

impl Batches {
    pub async fn recv(&mut self) -> Option<Fetched> {
        self.rx.recv().await
    }
}

pub fn spawn<C: ConsumerContext + 'static>(consumer: Arc<StreamConsumer<C>>, max_batch: usize, max_latency: Duration) -> Batches {
    let (tx, rx) = mpsc::channel(2);
    Batches { rx, _task: AbortOnDrop(tokio::spawn(fetch(consumer, max_batch, max_latency, tx))) }
}

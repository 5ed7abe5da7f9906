//! Log-end offsets (high watermarks) of many partitions in a few requests.
//!
//! `fetch_watermarks` is one round trip per partition: at 10,000 partitions, far too slow.
//! `offsets_for_times` sends ListOffsets with many partitions per request, and its timestamp -1
//! is the protocol's "latest", the log end. Two costs shape how it is called:
//! - librdkafka merges each answer into the request list with a linear search per partition, so
//!   a list of n partitions costs O(n²): 10,000 in one list take ~0.35 s on the mock cluster,
//!   in chunks of [`CHUNK`] ~30 ms;
//! - one call fails as a whole when a leader does not answer, so calls go per leader (leaders
//!   in parallel) and a dead leader costs only its own partitions.
//!
//! The client is built with `isolation.level=read_uncommitted`, so "latest" is the high
//! watermark (what kafka-consumer-groups shows), not the last stable offset.
//! Verified on the mock cluster and on tansu (exact there with one record per batch, STACK.md
//! fault 2).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::error::{GroupsError, blocking};

/// Partitions per ListOffsets call.
pub const CHUNK: usize = 250;

/// Log end per (topic, partition), or why it is unknown.
pub type LogEnds = HashMap<(String, i32), Result<i64, String>>;

/// Reads the log end of every partition in `by_leader` (leader id → partitions).
pub async fn fetch(
    client: Arc<BaseConsumer>,
    by_leader: BTreeMap<i32, Vec<(String, i32)>>,
    timeout: Duration,
) -> LogEnds {
    let asks = by_leader.into_iter().map(|(leader, partitions)| {
        let client = client.clone();
        async move {
            let these = partitions.clone();
            let read = blocking("log-end offsets", timeout + Duration::from_millis(500), move || {
                Ok(of_leader(&client, &these, timeout))
            })
            .await;
            match read {
                Ok(ends) => ends,
                Err(e) => failed(&partitions, &format!("leader {leader}: {e}")),
            }
        }
    });
    futures::future::join_all(asks).await.into_iter().flatten().collect()
}

/// One leader's partitions, chunk after chunk, all within `timeout` (blocking).
fn of_leader(client: &BaseConsumer, partitions: &[(String, i32)], timeout: Duration) -> LogEnds {
    let deadline = Instant::now() + timeout;
    let mut out = LogEnds::with_capacity(partitions.len());
    for chunk in partitions.chunks(CHUNK) {
        let left = deadline.saturating_duration_since(Instant::now());
        match latest(client, chunk, left) {
            Ok(ends) => out.extend(ends),
            Err(e) => out.extend(failed(chunk, &e.to_string())),
        }
    }
    out
}

fn latest(client: &BaseConsumer, chunk: &[(String, i32)], timeout: Duration) -> Result<LogEnds, GroupsError> {
    let kafka = |e: rdkafka::error::KafkaError| GroupsError::Kafka { what: "log-end offsets", reason: e.to_string() };
    let mut tpl = TopicPartitionList::with_capacity(chunk.len());
    for (topic, partition) in chunk {
        tpl.add_partition_offset(topic, *partition, Offset::End).map_err(kafka)?;
    }
    let answered = client.offsets_for_times(tpl, timeout).map_err(kafka)?;
    Ok(answered
        .elements()
        .into_iter()
        .map(|e| {
            let key = (e.topic().to_string(), e.partition());
            let value = match (e.error(), e.offset()) {
                (Err(err), _) => Err(err.to_string()),
                (Ok(()), Offset::Offset(o)) => Ok(o),
                (Ok(()), other) => Err(format!("no log end offset ({other:?})")),
            };
            (key, value)
        })
        .collect())
}

fn failed(partitions: &[(String, i32)], reason: &str) -> LogEnds {
    partitions.iter().map(|tp| (tp.clone(), Err(reason.to_string()))).collect()
}

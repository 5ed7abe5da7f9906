//! ListOffsets for many partitions: the one way the console reads log start and end offsets.
//!
//! `fetch_watermarks` costs a round trip per partition: far too slow at 10,000 partitions.
//! `offsets_for_times` sends ListOffsets with many partitions per request, and its timestamps
//! -2 and -1 (`Offset::Beginning`, `Offset::End`) are the protocol's "earliest" and "latest":
//! the log start offset and the log end offset (high watermark). Two costs shape the calls:
//! - librdkafka merges each answer into the request list with a linear search per partition, so
//!   a list of n partitions costs O(n²): 10,000 in one list take ~0.35 s on the mock cluster,
//!   in chunks of [`CHUNK`] ~30 ms;
//! - one call fails as a whole when a leader does not answer, so callers group partitions by
//!   leader (and ask leaders in parallel): a dead leader then costs only its own partitions.
//!
//! Verified on the mock cluster and on Apache Kafka 4.4 (tests/stack_kafka_cli.rs compares them with
//! what a plain client reads).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{Consumer, ConsumerContext};
use rdkafka::{Offset, TopicPartitionList};

/// Partitions per ListOffsets call.
pub const CHUNK: usize = 250;

/// An offset per (topic, partition), or why the broker gave none.
pub type Listed = HashMap<(String, i32), Result<i64, String>>;

/// The `spec` offset (`Beginning` = earliest, `End` = latest) of every partition, chunk after
/// chunk, all within `timeout`. Blocking: call it from `spawn_blocking`.
pub fn list_offsets<C: ConsumerContext, K: Consumer<C>>(
    client: &K,
    partitions: &[(String, i32)],
    spec: Offset,
    timeout: Duration,
) -> Listed {
    let deadline = Instant::now() + timeout;
    let mut out = Listed::with_capacity(partitions.len());
    for chunk in partitions.chunks(CHUNK) {
        let left = deadline.saturating_duration_since(Instant::now());
        match one_call(client, chunk, spec, left) {
            Ok(read) => out.extend(read),
            Err(e) => out.extend(chunk.iter().map(|tp| (tp.clone(), Err(e.to_string())))),
        }
    }
    out
}

fn one_call<C: ConsumerContext, K: Consumer<C>>(
    client: &K,
    chunk: &[(String, i32)],
    spec: Offset,
    timeout: Duration,
) -> rdkafka::error::KafkaResult<Listed> {
    let mut tpl = TopicPartitionList::with_capacity(chunk.len());
    for (topic, partition) in chunk {
        tpl.add_partition_offset(topic, *partition, spec)?;
    }
    let answered = client.offsets_for_times(tpl, timeout)?;
    Ok(answered
        .elements()
        .iter()
        .map(|e| {
            let offset = match (e.error(), e.offset()) {
                (Err(err), _) => Err(err.to_string()),
                (Ok(()), Offset::Offset(n)) => Ok(n),
                (Ok(()), other) => Err(format!("no offset in the answer ({other:?})")),
            };
            ((e.topic().to_string(), e.partition()), offset)
        })
        .collect())
}

//! High watermarks for the "caught up?" checks of `replicate --until-idle` and `process
//! --until-idle`, from a client of their own.
//!
//! A consumer's connections carry its fetches, which a broker holds for up to
//! `fetch.wait.max.ms` (500 ms by default) when there is nothing new, and a broker answers one
//! connection's requests in order: a ListOffsets sent on the consumer's own connection waited
//! behind such a fetch, so checking four idle partitions one after the other took 2 s (measured
//! on the local stack's Apache Kafka). This client fetches nothing, so its requests are answered
//! at once, and the partitions are asked a few at a time in parallel.

use std::sync::Arc;
use std::time::Duration;

use std::collections::HashMap;

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::{ClientConfig, Offset};

use crate::kafka::CauseContext;
use crate::pipeline::topics::TopicError;

/// Partitions asked at once; each query blocks a thread for its round trip.
const PARALLEL: usize = 8;

pub struct Watermarks {
    client: Arc<BaseConsumer<CauseContext>>,
    timeout: Duration,
}

impl Watermarks {
    /// `config`: the console's client settings (bootstrap servers, security, user properties).
    pub fn new(config: ClientConfig, timeout: Duration) -> Result<Self, KafkaError> {
        let client = config.create_with_context(CauseContext::default())?;
        Ok(Self { client: Arc::new(client), timeout })
    }

    /// `e` with the cause this client caught: it has the settings of the client whose lookup
    /// failed (a stream consumer, whose queue nobody serves before its first message), so it
    /// failed the same way (a wrong password, an untrusted certificate).
    pub fn explain(&self, e: TopicError) -> TopicError {
        crate::pipeline::topics::with_cause(e, &self.client)
    }

    /// (low, high) of each of `partitions`, in their order.
    pub async fn of(&self, partitions: &[(String, i32)]) -> Result<Vec<(i64, i64)>, KafkaError> {
        let (client, timeout, partitions) =
            (self.client.clone(), self.timeout, partitions.to_vec());
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::with_capacity(partitions.len());
            for chunk in partitions.chunks(PARALLEL) {
                let answers: Vec<Result<(i64, i64), KafkaError>> = std::thread::scope(|s| {
                    let asks: Vec<_> = chunk
                        .iter()
                        .map(|(topic, p)| s.spawn(|| client.fetch_watermarks(topic, *p, timeout)))
                        .collect();
                    asks.into_iter()
                        .map(|a| a.join().unwrap_or(Err(KafkaError::Canceled)))
                        .collect()
                });
                for a in answers {
                    out.push(a?);
                }
            }
            Ok(out)
        })
        .await
        .unwrap_or(Err(KafkaError::Canceled))
    }
}

/// Where a partition ends for a consumer: its watermarks and the consumer's position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionEnd {
    pub low: i64,
    pub high: i64,
    /// The consumer's position (see [`positions`]); 0 when it has none.
    pub position: i64,
}

impl PartitionEnd {
    /// Whether a party that applies the partition from `next` on (the next offset it stored;
    /// `None`: none stored, the low watermark) has applied it up to the high watermark. The
    /// consumer's position counts too: it is past the transaction markers after the last record
    /// (see [`positions`]), which no stored offset ever passes.
    pub fn reached_by(&self, next: Option<i64>) -> bool {
        next.unwrap_or(self.low).max(self.position) >= self.high
    }
}

impl Watermarks {
    /// The [`PartitionEnd`] of each of `partitions` for `consumer`, in their order: the "caught
    /// up?" check of `--until-idle` is then `ends[i].reached_by(stored next offset)` for every
    /// partition and every party applying it.
    pub async fn ends<C: ConsumerContext>(
        &self,
        consumer: &impl Consumer<C>,
        partitions: &[(String, i32)],
    ) -> Result<Vec<PartitionEnd>, KafkaError> {
        let marks = self.of(partitions).await?;
        let positions = positions(consumer);
        Ok(partitions
            .iter()
            .zip(marks)
            .map(|(tp, (low, high))| PartitionEnd {
                low,
                high,
                position: positions.get(tp).copied().unwrap_or(0),
            })
            .collect())
    }
}

/// The consumer's position in each partition it is assigned: the offset after the last record
/// it handed over, past the transaction markers that follow it. A transactional producer
/// (Connect with exactly-once source) ends each transaction with a commit marker, which takes an
/// offset no record has: "last applied + 1" then stays one short of the high watermark for good.
/// Read from the client's own state, no request.
pub fn positions<C: ConsumerContext>(consumer: &impl Consumer<C>) -> HashMap<(String, i32), i64> {
    let Ok(list) = consumer.position() else { return HashMap::new() };
    list.elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some(((e.topic().to_string(), e.partition()), o)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_cluster_fails_within_the_timeout() {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", "127.0.0.1:1").set("log_level", "0");
        let marks = Watermarks::new(c, Duration::from_millis(300)).expect("client");
        let started = std::time::Instant::now();
        let asked: Vec<(String, i32)> = (0..10).map(|p| ("t".to_string(), p)).collect();
        assert!(marks.of(&asked).await.is_err());
        // Ten partitions, eight at a time: two rounds of the timeout, not ten.
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn a_partition_is_reached_past_the_markers_or_from_the_low_watermark() {
        let end = PartitionEnd { low: 10, high: 20, position: 0 };
        assert!(!end.reached_by(Some(19)));
        assert!(end.reached_by(Some(20)));
        // Nothing stored: from the low watermark, which an empty partition has reached.
        assert!(!end.reached_by(None));
        assert!(PartitionEnd { low: 20, high: 20, position: 0 }.reached_by(None));
        // Stored one short of a commit marker the consumer has passed.
        assert!(PartitionEnd { position: 20, ..end }.reached_by(Some(19)));
    }

    #[tokio::test]
    async fn no_partitions_no_answers() {
        let marks =
            Watermarks::new(ClientConfig::new(), Duration::from_millis(100)).expect("client");
        assert_eq!(marks.of(&[]).await.expect("nothing to ask"), Vec::<(i64, i64)>::new());
    }
}

//! What the broker knows of a topic, and waiting for topics that do not exist yet. Debezium
//! creates a table's topic with its first change, so a processor job or replicator started on a
//! fresh pipeline (stack up, job started, then changes) waits for its topics rather than fail.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;

use crate::kafka::CauseContext;

/// How often a missing topic is looked up again.
pub const RETRY: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    #[error("metadata of {topic}: {source}{cause} (retry when the broker is reachable)")]
    Metadata {
        topic: String,
        #[source]
        source: Box<KafkaError>,
        /// `": <why>"` when the client's context knows why (a TLS or SASL failure), else empty.
        cause: String,
    },
    #[error("metadata lookup of {topic} stopped: {message}")]
    Lookup { topic: String, message: String },
}

/// `topic`'s partitions (none when the broker does not know it), and the brokers' count.
pub async fn describe<X: ConsumerContext + 'static, C: Consumer<X> + Send + Sync + 'static>(
    client: &Arc<C>,
    topic: &str,
    timeout: Duration,
) -> Result<(Vec<i32>, usize), TopicError> {
    let (c, t) = (client.clone(), topic.to_string());
    // librdkafka's metadata call blocks a thread: keep it off the async workers.
    let md = tokio::task::spawn_blocking(move || c.fetch_metadata(Some(&t), timeout))
        .await
        .map_err(|e| TopicError::Lookup { topic: topic.to_string(), message: e.to_string() })?
        .map_err(|source| TopicError::Metadata {
            topic: topic.to_string(),
            source: Box::new(source),
            cause: String::new(),
        })?;
    let partitions = md
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(rdkafka::metadata::MetadataPartition::id))
        .collect();
    Ok((partitions, md.brokers().len()))
}

/// `e` with the cause `client`'s context caught (drained from its queue first), for a lookup
/// that failed on a client made with [`CauseContext`].
pub fn with_cause(e: TopicError, client: &BaseConsumer<CauseContext>) -> TopicError {
    match e {
        TopicError::Metadata { topic, source, .. } => {
            crate::kafka::cause::drain(client);
            let cause = client.context().cause.get().map(|c| format!(": {c}")).unwrap_or_default();
            TopicError::Metadata { topic, source, cause }
        }
        other @ TopicError::Lookup { .. } => other,
    }
}

/// Topics found, with their partitions, and topics still missing.
pub type Found = (Vec<(String, Vec<i32>)>, Vec<String>);

/// Looks `topics` up until all exist, again every [`RETRY`], reporting the missing ones through
/// `waiting` (and `&[]` once none is); with `once`, returns after the first look whatever is
/// missing. `None` when `stop` resolves first.
pub async fn wait_for<X: ConsumerContext + 'static, C: Consumer<X> + Send + Sync + 'static>(
    client: &Arc<C>,
    topics: &[String],
    timeout: Duration,
    once: bool,
    mut waiting: impl FnMut(&[String]),
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<Option<Found>, TopicError> {
    let mut found: Vec<(String, Vec<i32>)> = Vec::new();
    let mut missing: Vec<String> = topics.to_vec();
    loop {
        let mut still = Vec::new();
        for topic in missing {
            match describe(client, &topic, timeout).await?.0 {
                p if p.is_empty() => still.push(topic),
                p => found.push((topic, p)),
            }
        }
        missing = still;
        if missing.is_empty() || once {
            waiting(&[]);
            return Ok(Some((found, missing)));
        }
        tracing::info!(topics = ?missing, "waiting for topics to exist (Debezium creates one with its table's first change)");
        waiting(&missing);
        tokio::select! {
            () = &mut stop => return Ok(None),
            () = tokio::time::sleep(RETRY) => {}
        }
    }
}

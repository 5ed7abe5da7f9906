//! The job's output topic, created when it is missing. Brokers without topic auto-creation (a
//! common production setting) would otherwise leave every send of
//! the results feed waiting until its flush times out. It gets as many partitions as the job's
//! input, since the results are keyed by group key and so spread as the input does.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::BaseConsumer;
use rdkafka::types::RDKafkaErrorCode;

use super::error::ProcessorError;
use crate::config::Config;
use crate::pipeline::topics;

/// Replicas of a created topic: Kafka's usual 3, or fewer on a smaller cluster.
const REPLICAS: usize = 3;

/// Creates `topic` with `partitions` partitions unless it exists (or another instance of the
/// job created it meanwhile), then waits until the broker lists its partitions.
pub async fn ensure(
    config: &Config,
    topic: &str,
    partitions: usize,
    timeout: Duration,
) -> Result<(), ProcessorError> {
    let client = || crate::kafka::client_config(config);
    let probe: Arc<BaseConsumer> = Arc::new(client().create()?);
    let describe = async || topics::describe(&probe, topic, timeout).await;
    let (found, brokers) = describe().await?;
    if !found.is_empty() {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> = client().create()?;
    let replicas = brokers.clamp(1, REPLICAS) as i32;
    let new = NewTopic::new(topic, partitions.max(1) as i32, TopicReplication::Fixed(replicas));
    let created = admin
        .create_topics(&[new], &AdminOptions::new().request_timeout(Some(timeout)))
        .await
        .map_err(|source| ProcessorError::CreateTopic { topic: topic.to_string(), source })?;
    for result in created {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => {
                return Err(ProcessorError::TopicRefused { topic: topic.to_string(), code });
            }
        }
    }
    let deadline = tokio::time::Instant::now() + timeout;
    while describe().await?.0.is_empty() {
        if tokio::time::Instant::now() >= deadline {
            return Err(ProcessorError::TopicNotReady {
                topic: topic.to_string(),
                waited: timeout,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

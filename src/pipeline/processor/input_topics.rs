//! The partitions of a job's input topics, waited for while a topic does not exist yet.
//! Debezium creates a table's topic with its first change, so a job started on a fresh pipeline
//! (stack up, job started, then changes) must not fail for that; the replicator waits the same
//! way. With `--until-idle` a missing topic is still refused: there is nothing to catch up with.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};

use super::run::ProcessorError;
use crate::config::Config;

/// How often a missing topic is looked up again.
const RETRY: Duration = Duration::from_secs(2);

/// The partitions of `topic` (empty when the broker does not know it).
async fn partitions(probe: &std::sync::Arc<BaseConsumer>, topic: &str, timeout: Duration) -> Result<Vec<i32>, ProcessorError> {
    let (probe, t) = (probe.clone(), topic.to_string());
    // librdkafka's metadata call blocks a thread: keep it off the async workers.
    let md = tokio::task::spawn_blocking(move || probe.fetch_metadata(Some(&t), timeout)).await.map_err(|e| ProcessorError::Refused(e.to_string()))??;
    Ok(md.topics().iter().filter(|t| t.error().is_none()).flat_map(|t| t.partitions().iter().map(|p| p.id())).collect())
}

/// Every (topic, partition) of `topics`. Missing topics are reported through `waiting` and
/// looked up every [`RETRY`] until they exist; `None` when `stop` resolves first.
pub(super) async fn wait_for(
    config: &Config,
    job: &str,
    topics: &[String],
    until_idle: bool,
    timeout: Duration,
    mut waiting: impl FnMut(&[String]),
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<Option<Vec<(String, i32)>>, ProcessorError> {
    let probe = std::sync::Arc::new(crate::collectors::kafka::client_config(config).create::<BaseConsumer>()?);
    let mut found: Vec<(String, i32)> = Vec::new();
    let mut missing: Vec<String> = topics.to_vec();
    loop {
        let mut still = Vec::new();
        for topic in missing {
            match partitions(&probe, &topic, timeout).await? {
                p if p.is_empty() => still.push(topic),
                p => found.extend(p.into_iter().map(|p| (topic.clone(), p))),
            }
        }
        missing = still;
        if missing.is_empty() {
            waiting(&[]);
            return Ok(Some(found));
        }
        if until_idle {
            return Err(ProcessorError::Refused(format!("job {job}: topic {} has no partitions (does it exist?)", missing.join(", "))));
        }
        tracing::info!(topics = ?missing, "waiting for the job's topics to exist (Debezium creates one with its table's first change)");
        waiting(&missing);
        tokio::select! {
            _ = &mut stop => return Ok(None),
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

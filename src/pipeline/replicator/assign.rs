//! Which partitions the replicator reads, and from where: every partition of every active
//! replica's topic, at the lowest offset its replicas stored in the sink (the beginning when none
//! did). A topic that does not exist yet is waited for: Debezium creates a table's topic with its
//! first change, and a replicator started on a fresh pipeline (the usual order: stack up, console
//! open, replicator started, then changes) must not fail for that.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};

use super::{Replica, ReplicatorError};

/// How often a missing topic is looked up again.
const RETRY: Duration = Duration::from_secs(2);

/// The partitions of `topic` (empty when the broker does not know it).
async fn partitions(consumer: &Arc<StreamConsumer>, topic: &str, timeout: Duration) -> Result<Vec<i32>, ReplicatorError> {
    let (c, t) = (consumer.clone(), topic.to_string());
    let md = tokio::task::spawn_blocking(move || c.fetch_metadata(Some(&t), timeout))
        .await
        .map_err(|e| ReplicatorError::NoReplica(format!("metadata lookup of {topic} failed: {e}")))?;
    match md {
        Ok(md) => Ok(md.topics().iter().filter(|t| t.error().is_none()).flat_map(|t| t.partitions().iter().map(|p| p.id())).collect()),
        Err(e) => Err(e.into()),
    }
}

/// Assigns the partitions and returns them. Missing topics are reported through `waiting` and
/// looked up every [`RETRY`] until they exist, or, with `until_idle`, skipped: nothing is there
/// to apply. Returns `None` when `stop` resolves first.
pub async fn assign(
    consumer: &Arc<StreamConsumer>,
    replicas: &[Replica],
    timeout: Duration,
    until_idle: bool,
    mut waiting: impl FnMut(&[String]),
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<Option<Vec<(String, i32)>>, ReplicatorError> {
    let topics: BTreeSet<String> = replicas.iter().filter(|r| r.active()).map(|r| r.cfg.topic.clone()).collect();
    let mut found: Vec<(String, Vec<i32>)> = Vec::new();
    loop {
        let mut missing = Vec::new();
        let looking: Vec<&String> = topics.iter().filter(|t| !found.iter().any(|(f, _)| f == *t)).collect();
        for topic in looking {
            match partitions(consumer, topic, timeout).await? {
                p if p.is_empty() => missing.push(topic.clone()),
                p => found.push((topic.clone(), p)),
            }
        }
        if missing.is_empty() || until_idle {
            if !missing.is_empty() {
                tracing::info!(topics = ?missing, "replica topics do not exist yet: nothing to apply from them");
            }
            break;
        }
        tracing::info!(topics = ?missing, "waiting for the replica topics to exist (Debezium creates one with its table's first change)");
        waiting(&missing);
        tokio::select! {
            _ = &mut stop => return Ok(None),
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
    waiting(&[]);

    let mut tpl = TopicPartitionList::new();
    let mut assigned = Vec::new();
    for (topic, parts) in &found {
        for &p in parts {
            let start = replicas
                .iter()
                .filter(|r| r.active() && &r.cfg.topic == topic)
                .map(|r| r.offsets.get(&(topic.clone(), p)).copied())
                .min()
                .flatten();
            tpl.add_partition_offset(topic, p, start.map_or(Offset::Beginning, Offset::Offset))?;
            assigned.push((topic.clone(), p));
        }
    }
    consumer.assign(&tpl)?;
    Ok(Some(assigned))
}

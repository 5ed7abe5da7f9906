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
use crate::pipeline::topics;

/// Assigns the partitions and returns them. Missing topics are reported through `waiting` and
/// looked up every [`topics::RETRY`] until they exist, or, with `until_idle`, skipped: nothing is
/// there to apply. Returns `None` when `stop` resolves first.
pub async fn assign(
    consumer: &Arc<StreamConsumer>,
    replicas: &[Replica],
    timeout: Duration,
    until_idle: bool,
    waiting: impl FnMut(&[String]),
    stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<Option<Vec<(String, i32)>>, ReplicatorError> {
    let wanted: Vec<String> = replicas
        .iter()
        .filter(|r| r.active())
        .map(|r| r.cfg.topic.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let Some((found, missing)) =
        topics::wait_for(consumer, &wanted, timeout, until_idle, waiting, stop).await?
    else {
        return Ok(None);
    };
    if !missing.is_empty() {
        tracing::info!(topics = ?missing, "replica topics do not exist yet: nothing to apply from them");
    }

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

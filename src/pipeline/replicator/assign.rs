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
use crate::pipeline::offset_range::resolve;
use crate::pipeline::topics;
use crate::pipeline::watermarks::Watermarks;

/// Assigns the partitions and returns them. Missing topics are reported through `waiting` and
/// looked up every [`topics::RETRY`] until they exist, or, with `until_idle`, skipped: nothing is
/// there to apply. Returns `None` when `stop` resolves first. Stored offsets outside their
/// partition's watermarks stop the replicator or move, by each replica's
/// `on_offset_out_of_range` (see [`check_stored`]).
pub async fn assign(
    consumer: &Arc<StreamConsumer>,
    replicas: &mut [Replica],
    marks: &Watermarks,
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
        topics::wait_for(consumer, &wanted, timeout, until_idle, waiting, stop)
            .await
            .map_err(|e| marks.explain(e))?
    else {
        return Ok(None);
    };
    if !missing.is_empty() {
        tracing::info!(topics = ?missing, "replica topics do not exist yet: nothing to apply from them");
    }

    if let Err(e) = check_stored(replicas, &found, marks).await {
        if let ReplicatorError::OffsetOutOfRange(o) = &e {
            show_stored(consumer, o).await;
        }
        return Err(e);
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

/// Commits the out-of-range stored offset to the replicator's group, where `lag` and `groups`
/// read it (the broker drops a deleted topic's commits): they show the partition ERR with the
/// reason while the replicator is stopped on it. Best effort: the error is the replicator's.
async fn show_stored(
    consumer: &Arc<StreamConsumer>,
    o: &crate::pipeline::offset_range::OffsetOutOfRange,
) {
    let mut tpl = TopicPartitionList::new();
    if tpl.add_partition_offset(&o.topic, o.partition, Offset::Offset(o.stored)).is_err() {
        return;
    }
    let c = consumer.clone();
    let committed =
        tokio::task::spawn_blocking(move || c.commit(&tpl, rdkafka::consumer::CommitMode::Sync))
            .await;
    if !matches!(committed, Ok(Ok(()))) {
        tracing::warn!(topic = %o.topic, partition = o.partition, "could not show the stored offset in the replicator's group: {committed:?}");
    }
}

/// Checks every active replica's stored next offset against its partition's (low, high)
/// watermarks before the first fetch: out of range is data lost (a recreated topic, records
/// deleted by retention). `fail` stops the replicator with the offset and the watermarks named
/// (not retryable); `earliest`/`latest` warn and move the replica's offset in memory, so the
/// records from there are applied (and the offset stored with the next batch).
async fn check_stored(
    replicas: &mut [Replica],
    found: &[(String, Vec<i32>)],
    marks: &Watermarks,
) -> Result<(), ReplicatorError> {
    let stored: BTreeSet<(String, i32)> = found
        .iter()
        .flat_map(|(t, ps)| ps.iter().map(move |p| (t.clone(), *p)))
        .filter(|tp| replicas.iter().any(|r| r.active() && r.offsets.contains_key(tp)))
        .collect();
    if stored.is_empty() {
        return Ok(());
    }
    let stored: Vec<(String, i32)> = stored.into_iter().collect();
    let watermarks = marks.of(&stored).await?;
    for ((topic, p), bounds) in stored.iter().zip(watermarks) {
        for r in replicas.iter_mut().filter(|r| r.active()) {
            let key = (topic.clone(), *p);
            let Some(&next) = r.offsets.get(&key) else { continue };
            let owner = format!("replica {}", r.cfg.name);
            if let Some(at) =
                resolve(r.cfg.on_offset_out_of_range, &owner, (topic, *p), next, bounds)?
            {
                r.offsets.insert(key, at);
            }
        }
    }
    Ok(())
}

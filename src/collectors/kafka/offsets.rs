//! Log start and end offsets for many partitions at once.
//!
//! `fetch_watermarks` costs two round trips per partition, 20,000 at 10,000 partitions. One
//! ListOffsets request takes any number of partitions. librdkafka sends it for `offsets_for_times`,
//! whose timestamps -2 and -1 are the protocol's "earliest" and "latest": the log start offset
//! and the log end offset (high watermark). librdkafka groups the partitions by leader itself,
//! but fails the whole call when any leader does not answer; so the probe calls it once per
//! leader (in parallel) and a dead leader costs only its own partitions. Leaders the client
//! already sees down are not asked at all, so they cost no timeout.
//!
//! Verified on the mock cluster and on tansu: both answer "earliest" and "latest" per partition.
//! On tansu "latest" is exact only with one record per batch (STACK.md fault 2).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::error::{ProbeError, blocking};
use super::model::Topic;
use super::stats::StatsContext;

/// One partition's log bounds, or why they are unknown.
pub type Bounds = Result<(i64, i64), ProbeError>;

/// Reads start and end offsets of every partition in `groups` (leader → partitions), one
/// ListOffsets per leader and bound, skipping leaders in `down`.
pub async fn fetch(
    client: Arc<BaseConsumer<StatsContext>>,
    groups: BTreeMap<i32, Vec<(String, i32)>>,
    down: &HashSet<i32>,
    timeout: Duration,
) -> HashMap<(String, i32), Bounds> {
    let mut out = HashMap::new();
    let mut asks = Vec::new();
    for (leader, partitions) in groups {
        if down.contains(&leader) {
            out.extend(partitions.into_iter().map(|tp| (tp, Err(ProbeError::LeaderDown { leader }))));
            continue;
        }
        let ask = |spec: Offset| {
            let (client, these) = (client.clone(), partitions.clone());
            blocking("log offsets", timeout + Duration::from_millis(500), move || {
                list_offsets(&client, &these, spec, timeout).map_err(|e| ProbeError::Offsets { leader, reason: e.to_string() })
            })
        };
        // Earliest and latest in parallel: a broker slow to answer ListOffsets (tansu takes
        // ~0.7 s on a partition of 180k records) then costs one wait, not two.
        let (earliest, latest) = (ask(Offset::Beginning), ask(Offset::End));
        asks.push(async move {
            let (start, end) = tokio::join!(earliest, latest);
            combine(leader, &partitions, start, end)
        });
    }
    for read in futures::future::join_all(asks).await {
        out.extend(read);
    }
    out
}

type Answer = Result<HashMap<(String, i32), Result<i64, String>>, ProbeError>;

/// Pairs a leader's earliest and latest answers per partition.
fn combine(leader: i32, partitions: &[(String, i32)], start: Answer, end: Answer) -> HashMap<(String, i32), Bounds> {
    let (start, end) = match (start, end) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return partitions.iter().map(|tp| (tp.clone(), Err(e.clone()))).collect(),
    };
    partitions
        .iter()
        .map(|tp| {
            let bounds = match (start.get(tp), end.get(tp)) {
                (Some(Ok(s)), Some(Ok(e))) => Ok((*s, *e)),
                (Some(Err(r)), _) | (_, Some(Err(r))) => Err(ProbeError::Offsets { leader, reason: r.clone() }),
                _ => Err(ProbeError::Offsets { leader, reason: "the broker left this partition out of its answer".into() }),
            };
            (tp.clone(), bounds)
        })
        .collect()
}

/// One ListOffsets with `spec` (Beginning = earliest, End = latest) for every partition.
fn list_offsets(
    client: &BaseConsumer<StatsContext>,
    partitions: &[(String, i32)],
    spec: Offset,
    timeout: Duration,
) -> rdkafka::error::KafkaResult<HashMap<(String, i32), Result<i64, String>>> {
    let mut tpl = TopicPartitionList::with_capacity(partitions.len());
    for (topic, partition) in partitions {
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

/// Writes the bounds into the partitions, and a failure into each partition's `error`; returns
/// each distinct failure once, so a dead leader of 5,000 partitions is one warning, not 5,000.
pub fn apply(topics: &mut [Topic], mut read: HashMap<(String, i32), Bounds>) -> Vec<String> {
    let mut warnings = Vec::new();
    for t in topics.iter_mut() {
        for p in t.partition_details.iter_mut().filter(|p| p.leader.is_some()) {
            match read.remove(&(t.name.clone(), p.id)) {
                Some(Ok((start, end))) => {
                    p.log_start_offset = Some(start);
                    p.log_end_offset = Some(end);
                }
                Some(Err(e)) => {
                    let e = e.to_string();
                    if !warnings.contains(&e) {
                        warnings.push(e.clone());
                    }
                    p.error.get_or_insert(e);
                }
                // Topics with a metadata error are not asked.
                None => {}
            }
        }
    }
    warnings
}

//! Log start and end offsets of every partition, for the topics view: [`list_offsets`] per
//! leader and bound, leaders in parallel. Leaders the client already sees down are not asked at
//! all, so they cost no timeout.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::Offset;
use rdkafka::consumer::BaseConsumer;

use super::error::{ProbeError, blocking};
use super::list_offsets::{Listed, list_offsets};
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
            out.extend(
                partitions.into_iter().map(|tp| (tp, Err(ProbeError::LeaderDown { leader }))),
            );
            continue;
        }
        let ask = |spec: Offset| {
            let (client, these) = (client.clone(), partitions.clone());
            blocking("log offsets", timeout + Duration::from_millis(500), move || {
                Ok(list_offsets(&*client, &these, spec, timeout))
            })
        };
        // Earliest and latest in parallel: a broker slow to answer ListOffsets then costs one
        // wait, not two.
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

type Answer = Result<Listed, ProbeError>;

/// Pairs a leader's earliest and latest answers per partition.
fn combine(
    leader: i32,
    partitions: &[(String, i32)],
    start: Answer,
    end: Answer,
) -> HashMap<(String, i32), Bounds> {
    let (start, end) = match (start, end) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => {
            return partitions.iter().map(|tp| (tp.clone(), Err(e.clone()))).collect();
        }
    };
    partitions
        .iter()
        .map(|tp| {
            let bounds = match (start.get(tp), end.get(tp)) {
                (Some(Ok(s)), Some(Ok(e))) => Ok((*s, *e)),
                (Some(Err(r)), _) | (_, Some(Err(r))) => {
                    Err(ProbeError::Offsets { leader, reason: r.clone() })
                }
                _ => Err(ProbeError::Offsets {
                    leader,
                    reason: "the broker left this partition out of its answer".into(),
                }),
            };
            (tp.clone(), bounds)
        })
        .collect()
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

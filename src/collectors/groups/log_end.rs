//! Log-end offsets (high watermarks) of a group's partitions: [`list_offsets`] at "latest", per
//! leader, leaders in parallel; and their log start offsets ("earliest") the same way, which
//! tell a commit behind the log start (records deleted before they were consumed).
//!
//! The client is built with `isolation.level=read_uncommitted`, so "latest" is the high
//! watermark (what kafka-consumer-groups shows), not the last stable offset.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::Offset;
use rdkafka::consumer::BaseConsumer;

use super::error::blocking;
use crate::collectors::kafka::list_offsets::{Listed, list_offsets};
use crate::kafka::CauseContext;

/// Log end per (topic, partition), or why it is unknown.
pub type LogEnds = Listed;

/// Reads the log end (`Offset::End`) or the log start (`Offset::Beginning`) of every partition
/// in `by_leader` (leader id → partitions).
pub async fn fetch(
    client: Arc<BaseConsumer<CauseContext>>,
    by_leader: BTreeMap<i32, Vec<(String, i32)>>,
    spec: Offset,
    timeout: Duration,
) -> LogEnds {
    let what = if spec == Offset::Beginning { "log-start offsets" } else { "log-end offsets" };
    let asks = by_leader.into_iter().map(|(leader, partitions)| {
        let client = client.clone();
        async move {
            let these = partitions.clone();
            let read = blocking(what, timeout + Duration::from_millis(500), move || {
                Ok(list_offsets(&*client, &these, spec, timeout))
            })
            .await;
            match read {
                Ok(ends) => ends,
                Err(e) => failed(&partitions, &format!("leader {leader}: {e}")),
            }
        }
    });
    futures::future::join_all(asks).await.into_iter().flatten().collect()
}

fn failed(partitions: &[(String, i32)], reason: &str) -> LogEnds {
    partitions.iter().map(|tp| (tp.clone(), Err(reason.to_string()))).collect()
}

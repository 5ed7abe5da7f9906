//! The Kafka cluster: brokers (address, rack, controller, the client's connection state and
//! round-trip time), topics and partitions (leader, replicas, ISR, under-replicated, offline,
//! below min.insync.replicas, log start and end offsets) and messages per second per topic.
//!
//! One poll, all blocking librdkafka calls on the blocking pool:
//! ```text
//!  serve queue ── Metadata ─┬─ ListOffsets per leader (earliest ∥ latest) ─┬─ rates
//!  (statistics)             ├─ DescribeCluster (to the broker that answered) ┼─ merge brokers
//!                           ├─ DescribeConfigs, new topics / every 5 min ────┼─ min ISR flags
//!                           └─ first poll only: wait for fresh statistics ───┘
//! ```
//! Only the metadata request must succeed; DescribeCluster, DescribeConfigs and offsets degrade
//! to "unknown" with a warning, so a half-broken cluster is still shown, which is when it
//! matters most.

mod brokers;
mod cluster;
mod error;
pub mod list_offsets;
mod metadata;
mod model;
mod offsets;
mod rate;
mod stats;
mod topic_config;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};

pub use error::ProbeError;
pub use model::{Broker, BrokerState, KafkaSnapshot, Partition, Topic};
pub use stats::STATISTICS_INTERVAL;

use super::CollectError;
use crate::config::Config;
use crate::kafka::client_config;
use error::blocking;
use metadata::Listed;
use stats::{Link, StatsContext};

/// Holds one librdkafka client for the life of the collector (it reconnects by itself, and a
/// client per poll would leak threads and lose the statistics that need time to gather), plus
/// what a poll needs from the previous ones: the brokers seen and the last offsets.
pub struct Probe {
    brokers: String,
    timeout: Duration,
    client: Result<Arc<BaseConsumer<StatsContext>>, ProbeError>,
    known: brokers::KnownBrokers,
    rates: rate::RateTracker,
    polled: bool,
    offsets: bool,
    min_isr: topic_config::MinIsr,
}

impl Probe {
    pub fn new(config: &Config) -> Self {
        let mut c = client_config(config);
        let min_isr = topic_config::MinIsr::new(c.clone());
        // Statistics carry the per-broker state and round-trip time. Sparse connections (the
        // default) would connect only to brokers the client has requests for, leaving the others
        // in INIT forever; the probe wants a connection to every broker so each one's state is
        // real. A user's own setting of either wins.
        let ours = [
            ("statistics.interval.ms", STATISTICS_INTERVAL.as_millis().to_string()),
            ("enable.sparse.connections", "false".to_string()),
        ];
        for (k, v) in ours {
            if c.get(k).is_none() {
                c.set(k, v);
            }
        }
        let client = c
            .create_with_context::<_, BaseConsumer<StatsContext>>(StatsContext::default())
            .map(Arc::new)
            .map_err(|e| ProbeError::Client(e.to_string()));
        Self {
            brokers: config.kafka.brokers.clone(),
            timeout: config.timeouts.request(),
            client,
            known: Default::default(),
            rates: Default::default(),
            polled: false,
            offsets: true,
            min_isr,
        }
    }

    /// A probe that skips log offsets (and so rates) and topic configs, for callers that show
    /// only brokers: ListOffsets is the slow part of a poll when partitions are large or many.
    #[must_use]
    pub fn without_offsets(mut self) -> Self {
        self.offsets = false;
        self
    }

    pub async fn collect(&mut self) -> Result<KafkaSnapshot, CollectError> {
        match self.poll().await {
            Ok(s) => Ok(s),
            Err(e @ ProbeError::Client(_)) => Err(e.into_collect(&self.brokers)),
            // librdkafka's errors are generic ("broker transport failure"); a plain TCP connect
            // says why, which is what someone looking at a down broker wants to read.
            // With TLS or SASL, TCP connects and the cause is what librdkafka reported.
            Err(e) => Err(match tcp_reason(&self.brokers, self.timeout).await {
                Some(reason) => {
                    CollectError::Unreachable { endpoint: self.brokers.clone(), reason }
                }
                None => match self.client.as_ref().ok().map(|c| c.context().cause.get()) {
                    Some(Some(cause)) => CollectError::Unreachable {
                        endpoint: self.brokers.clone(),
                        reason: format!("{cause} ({e})"),
                    },
                    _ => e.into_collect(&self.brokers),
                },
            }),
        }
    }

    async fn poll(&mut self) -> Result<KafkaSnapshot, ProbeError> {
        let client = self.client.clone()?;
        let timeout = self.timeout;
        let bound = timeout + Duration::from_millis(500);
        let for_metadata = client.clone();
        let (listed, mut topics, answered_by) = blocking("metadata", bound, move || {
            stats::serve(&for_metadata, Duration::from_millis(10));
            let m = for_metadata.fetch_metadata(None, timeout).map_err(|e| {
                // The cause (TLS, SASL) is in the queue's logs and errors.
                crate::kafka::cause::drain(&for_metadata);
                ProbeError::Metadata(e.to_string())
            })?;
            Ok((metadata::brokers(&m), metadata::topics(&m), m.orig_broker_id()))
        })
        .await?;
        let via = via_broker(answered_by, &listed, &client.context().links().unwrap_or_default());
        let for_cluster = client.clone();
        let cluster = blocking("DescribeCluster", bound + Duration::from_millis(500), move || {
            cluster::describe(for_cluster.client(), via, timeout)
        });

        // The wait for the first statistics overlaps the offsets.
        let first_statistics = (!self.polled).then(|| first_statistics(client.clone()));
        self.polled = true;

        let groups = if self.offsets { metadata::by_leader(&topics) } else { Default::default() };
        let down =
            unreachable_leaders(groups.keys().copied(), &listed, client.context().links().as_ref());
        // The rate's clock is when the offsets were read, not when the slowest branch ends.
        let offsets = async {
            (offsets::fetch(client.clone(), groups, &down, timeout).await, Instant::now())
        };
        // Topics with a metadata error have no configs to read either.
        let described: Vec<String> = if self.offsets {
            topics.iter().filter(|t| t.error.is_none()).map(|t| t.name.clone()).collect()
        } else {
            Vec::new()
        };
        let min_isr = self.min_isr.refresh(&described, (via >= 0).then_some(via), timeout);
        let ((read, read_at), cluster, (), ()) = tokio::join!(offsets, cluster, min_isr, async {
            // Without statistics, states stay unknown: that is shown, not an error.
            if let Some(wait) = first_statistics {
                let _ = wait.await;
            }
        });
        let links = client.context().links();
        let mut warnings = offsets::apply(&mut topics, read);
        self.rates.observe(&mut topics, read_at);
        // After the offsets: a partition's own error comes before the min ISR reason.
        if self.offsets {
            warnings.extend(self.min_isr.apply(&mut topics));
        }

        let cluster = match cluster {
            Ok(c) => Some(c),
            Err(e) => {
                warnings.insert(0, e.to_string());
                None
            }
        };
        let replicas = topics
            .iter()
            .flat_map(|t| &t.partition_details)
            .flat_map(|p| p.replicas.iter().copied())
            .collect();
        let brokers = self.known.merge(&listed, &replicas, cluster.as_ref(), links.as_ref());
        Ok(KafkaSnapshot {
            cluster_id: cluster.as_ref().and_then(|c| c.cluster_id.clone()),
            controller: cluster.as_ref().and_then(|c| c.controller),
            brokers,
            topics,
            warnings,
        })
    }
}

/// The broker to send cluster-wide requests to: the one that has just answered (known alive, and
/// any broker can). A bootstrap connection answers as node -1, which would mean "the
/// controller": then a listed broker the client is connected to, or the first listed.
fn via_broker(answered_by: i32, listed: &[Listed], connected: &HashMap<i32, Link>) -> i32 {
    Some(answered_by)
        .filter(|id| *id >= 0)
        .or_else(|| {
            listed
                .iter()
                .find(|b| connected.get(&b.id).is_some_and(stats::Link::is_up))
                .map(|b| b.id)
        })
        .or_else(|| listed.first().map(|b| b.id))
        .unwrap_or(-1)
}

/// Leaders the cluster does not list, or the client cannot reach: asking them would only cost
/// a timeout.
fn unreachable_leaders(
    leaders: impl Iterator<Item = i32>,
    listed: &[Listed],
    links: Option<&HashMap<i32, Link>>,
) -> HashSet<i32> {
    let listed_ids: HashSet<i32> = listed.iter().map(|b| b.id).collect();
    leaders
        .filter(|id| {
            !listed_ids.contains(id) || links.and_then(|l| l.get(id)).is_some_and(|l| !l.is_up())
        })
        .collect()
}

/// Waits for the client's first statistics (they come one interval after it starts; without
/// them a one-shot `brokers` would know no broker's state).
fn first_statistics(
    client: Arc<BaseConsumer<StatsContext>>,
) -> impl Future<Output = Result<(), ProbeError>> {
    let after = Instant::now();
    let deadline = after + STATISTICS_INTERVAL + Duration::from_millis(500);
    blocking("statistics", STATISTICS_INTERVAL * 2, move || {
        stats::await_fresh(&client, after, deadline);
        Ok(())
    })
}

/// Why no bootstrap server accepts a TCP connection, or None when one does.
async fn tcp_reason(brokers: &str, timeout: Duration) -> Option<String> {
    let mut reasons = Vec::new();
    for addr in brokers.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return None,
            Ok(Err(e)) => reasons.push(format!("{addr}: {e}")),
            Err(_) => reasons.push(format!("{addr}: connect timed out")),
        }
    }
    Some(reasons.join("; "))
}

//! What the console knows of its own consumers: group, member id, client id and assignment,
//! recorded by a consumer context at every rebalance.
//!
//! Brokers do not always describe group members: some Kafka-protocol brokers return members
//! without client id, host or assignment, and librdkafka's mock cluster has no DescribeGroups.
//! For the console's own consumers (the processor, the replicator, samplers) the facts are known
//! first-hand, so the groups collector fills them in from here and marks them as such.

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};

use super::model::TopicAssignment;

/// One of the console's consumers as it last saw itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnMember {
    pub group: String,
    pub member_id: String,
    pub client_id: String,
    /// This machine's host name (a broker would show the client's address instead).
    pub host: String,
    pub assignment: Vec<TopicAssignment>,
}

/// Shared registry of the console's consumers; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct OwnConsumers {
    members: Arc<Mutex<BTreeMap<u64, OwnMember>>>,
    next: Arc<AtomicU64>,
}

impl OwnConsumers {
    /// A context for one consumer of `group` with `client_id`: pass it to
    /// `ClientConfig::create_with_context`. The consumer is forgotten when it is dropped.
    pub fn context(&self, group: &str, client_id: &str) -> TrackedContext {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(
            key,
            OwnMember {
                group: group.to_string(),
                member_id: String::new(),
                client_id: client_id.to_string(),
                host: host_name(),
                assignment: Vec::new(),
            },
        );
        TrackedContext { registry: self.clone(), key }
    }

    /// Every live consumer, grouped by group name.
    pub fn by_group(&self) -> BTreeMap<String, Vec<OwnMember>> {
        let mut out: BTreeMap<String, Vec<OwnMember>> = BTreeMap::new();
        for m in self.lock().values() {
            out.entry(m.group.clone()).or_default().push(m.clone());
        }
        out
    }

    /// A panic elsewhere while holding the lock leaves plain data behind; keep using it.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, OwnMember>> {
        self.members.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Records its consumer's member id and assignment after every rebalance.
pub struct TrackedContext {
    registry: OwnConsumers,
    key: u64,
}

impl ClientContext for TrackedContext {}

impl ConsumerContext for TrackedContext {
    /// The assignment follows the rebalance's own partition list: asking the consumer for it
    /// (`rd_kafka_assignment`) from this callback deadlocks when the rebalance is the revoke of
    /// a consumer being closed, which waits for the callback.
    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let member_id = member_id(consumer);
        if let Some(m) = self.registry.lock().get_mut(&self.key) {
            let mut held: std::collections::BTreeSet<(String, i32)> = m
                .assignment
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| (t.topic.clone(), *p)))
                .collect();
            match rebalance {
                Rebalance::Assign(tpl) => held.extend(pairs(tpl)),
                Rebalance::Revoke(tpl) => {
                    for tp in pairs(tpl) {
                        held.remove(&tp);
                    }
                }
                Rebalance::Error(_) => return,
            }
            m.member_id = member_id;
            m.assignment = to_topics(held);
        }
    }
}

impl Drop for TrackedContext {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.key);
    }
}

/// The member id the coordinator gave this consumer ("" before it joined).
fn member_id<C: ConsumerContext>(consumer: &BaseConsumer<C>) -> String {
    let rk = consumer.client().native_ptr();
    // SAFETY: rd_kafka_memberid returns a string we own (or NULL), freed with rd_kafka_mem_free.
    unsafe {
        let p = rdkafka_sys::rd_kafka_memberid(rk);
        if p.is_null() {
            return String::new();
        }
        let id = CStr::from_ptr(p).to_string_lossy().into_owned();
        rdkafka_sys::rd_kafka_mem_free(rk, p.cast());
        id
    }
}

fn pairs(tpl: &rdkafka::TopicPartitionList) -> impl Iterator<Item = (String, i32)> + '_ {
    tpl.elements().into_iter().map(|e| (e.topic().to_string(), e.partition()))
}

fn to_topics(held: impl IntoIterator<Item = (String, i32)>) -> Vec<TopicAssignment> {
    let mut by_topic: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for (topic, partition) in held {
        by_topic.entry(topic).or_default().push(partition);
    }
    by_topic
        .into_iter()
        .map(|(topic, mut partitions)| {
            partitions.sort_unstable();
            TopicAssignment { topic, partitions }
        })
        .collect()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

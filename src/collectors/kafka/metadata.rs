//! Topics and partitions as one Metadata request describes them: leaders, replicas, ISR and
//! errors. Offsets and rates are filled in later by `offsets` and `rate`.

use std::collections::BTreeMap;

use rdkafka::error::RDKafkaErrorCode;
use rdkafka::metadata::Metadata;

use super::model::{Partition, Topic};

/// A broker as metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: i32,
    pub host: String,
    pub port: i32,
}

pub fn brokers(m: &Metadata) -> Vec<Listed> {
    let mut out: Vec<Listed> = m
        .brokers()
        .iter()
        .map(|b| Listed { id: b.id(), host: b.host().to_string(), port: b.port() })
        .collect();
    out.sort_by_key(|b| b.id);
    out
}

/// Every topic in the metadata, sorted by name, partitions sorted by id.
pub fn topics(m: &Metadata) -> Vec<Topic> {
    let mut topics: Vec<Topic> = m
        .topics()
        .iter()
        .map(|t| {
            let mut partitions: Vec<Partition> = t
                .partitions()
                .iter()
                .map(|p| {
                    Partition::from_metadata(
                        p.id(),
                        p.leader(),
                        p.replicas(),
                        p.isr(),
                        p.error().map(readable),
                    )
                })
                .collect();
            partitions.sort_by_key(|p| p.id);
            Topic {
                name: t.name().to_string(),
                partitions: partitions.len(),
                internal: is_internal(t.name()),
                error: t.error().map(readable),
                messages_per_sec: None,
                // From DescribeConfigs, cached by `topic_config`.
                min_insync_replicas: None,
                partition_details: partitions,
            }
        })
        .collect();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    topics
}

/// Kafka's own topics (`__consumer_offsets`, `__transaction_state`) and Connect's
/// (`_connect-offsets`…) start with an underscore. Metadata v1 carries an `is_internal` flag,
/// but rdkafka does not expose it, and it would not cover Connect's topics anyway.
pub fn is_internal(name: &str) -> bool {
    name.starts_with('_')
}

/// A protocol error code by name with librdkafka's description, e.g.
/// "LeaderNotAvailable (Broker: Leader not available)".
fn readable(code: rdkafka::types::RDKafkaRespErr) -> String {
    RDKafkaErrorCode::from(code).to_string()
}

/// Partitions to ask offsets for, grouped by leader: a ListOffsets request goes to the leader, so
/// one group is one request, and one slow or dead leader only costs its own partitions.
pub fn by_leader(topics: &[Topic]) -> BTreeMap<i32, Vec<(String, i32)>> {
    let mut groups: BTreeMap<i32, Vec<(String, i32)>> = BTreeMap::new();
    for t in topics.iter().filter(|t| t.error.is_none()) {
        for p in &t.partition_details {
            if let Some(leader) = p.leader {
                groups.entry(leader).or_default().push((t.name.clone(), p.id));
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_leaders_and_skips_offline_partitions() {
        let topic = |name: &str, leaders: &[i32]| Topic {
            name: name.into(),
            partitions: leaders.len(),
            partition_details: leaders
                .iter()
                .enumerate()
                .map(|(i, &l)| Partition::from_metadata(i as i32, l, &[1, 2], &[1, 2], None))
                .collect(),
            ..Topic::default()
        };
        let groups = by_leader(&[topic("a", &[1, 2, -1]), topic("b", &[2])]);
        assert_eq!(groups[&1], vec![("a".to_string(), 0)]);
        assert_eq!(groups[&2], vec![("a".to_string(), 1), ("b".to_string(), 0)]);
        assert_eq!(groups.len(), 2, "the leaderless partition is not asked");
        assert!(
            is_internal("__consumer_offsets")
                && is_internal("_connect-status")
                && !is_internal("dbserver1.public.orders")
        );
    }
}

//! Partitions of several topics inside one operator: numbered `topic index × TOPIC_STRIDE +
//! partition`, and back to (topic, partition) for the sink and Kafka.

use std::collections::BTreeSet;

/// Topic index × this + partition is a partition's number inside the operator.
pub const TOPIC_STRIDE: i32 = 100_000;

/// A job's topics, in the order that numbers their partitions.
#[derive(Debug, Clone)]
pub(super) struct PartitionIds {
    topics: Vec<String>,
}

impl PartitionIds {
    pub fn new(topics: &[String]) -> Self {
        Self { topics: topics.to_vec() }
    }

    /// The operator's number of `topic`'s `partition`; None for a topic not the job's.
    pub fn pid(&self, topic: &str, partition: i32) -> Option<i32> {
        self.topics.iter().position(|t| t == topic).map(|i| i as i32 * TOPIC_STRIDE + partition)
    }

    /// The (topic, partition) the operator numbers `pid`.
    pub fn topic_of(&self, pid: i32) -> (String, i32) {
        (
            self.topics.get((pid / TOPIC_STRIDE) as usize).cloned().unwrap_or_default(),
            pid % TOPIC_STRIDE,
        )
    }

    /// The operator's numbers of `owned` (partitions of other topics left out).
    pub fn of_all(&self, owned: &BTreeSet<(String, i32)>) -> BTreeSet<i32> {
        owned.iter().filter_map(|(t, p)| self.pid(t, *p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_of_several_topics_are_numbered_by_topic_index_and_back() {
        let ids = PartitionIds::new(&["a".into(), "b".into()]);
        assert_eq!(ids.pid("a", 3), Some(3));
        assert_eq!(ids.pid("b", 2), Some(TOPIC_STRIDE + 2));
        assert_eq!(ids.pid("c", 0), None);
        assert_eq!(ids.topic_of(TOPIC_STRIDE + 2), ("b".into(), 2));
        let owned = [("b".to_string(), 1), ("c".to_string(), 0)].into_iter().collect();
        assert_eq!(ids.of_all(&owned), [TOPIC_STRIDE + 1].into_iter().collect());
    }
}

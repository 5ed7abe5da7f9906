//! The snapshot types the screen may see, re-exported: the collectors' (what the store keeps of
//! each backend) and the pipeline's (what the console runs itself, bundled as [`Embedded`]).
//! `ui/` names them from here, never from `collectors` or `pipeline`, so where they are defined
//! can change without the screen knowing.

use crate::pipeline::processor;

pub use crate::collectors::connect::{AutoRestartStatus, ConnectSnapshot, Connector};
pub use crate::collectors::groups::{Group, GroupsSnapshot, PartitionLag};
pub use crate::collectors::kafka::{Broker, BrokerState, KafkaSnapshot, Topic};
pub use crate::collectors::lag::seconds::{Estimate, LagSeconds};
pub use crate::collectors::lag::verdict::Verdict;
pub use crate::collectors::latency::{LatencySnapshot, Stage as LatencyStage, StageLatency};
pub use crate::collectors::postgres::{DeadLetters, PostgresSnapshot};
pub use crate::pipeline::deadletter::{ConsumerLetters, Letter, ReasonCount};
pub use crate::pipeline::diff::RowDiff;
pub use crate::pipeline::diff::targets::DiffSnapshot;
pub use crate::pipeline::generator::GeneratorSnapshot;
pub use crate::pipeline::replicator::ReplicatorSnapshot;
pub use crate::pipeline::retry::Retrying;
pub use processor::ProcessorSnapshot;

/// What the console runs itself, as the screen shows it: the last snapshot of each embedded
/// task. Owned by the app, which replaces a part when its task reports.
#[derive(Debug, Clone, Default)]
pub struct Embedded {
    pub generator: GeneratorSnapshot,
    pub replicator: ReplicatorSnapshot,
    pub diff: DiffSnapshot,
    pub processor: ProcessorSnapshot,
}

/// The topic and partition behind the processor's partition numbers. The operator numbers a
/// partition `topic index × stride + partition`; this hands the two back, so the screen decodes
/// nothing.
pub trait ProcessorPartitions {
    /// The topic (`None` when the index is not one of the job's topics) and the partition
    /// within it.
    fn topic_partition(&self, numbered: i32) -> (Option<&str>, i32);
}

impl ProcessorPartitions for ProcessorSnapshot {
    fn topic_partition(&self, numbered: i32) -> (Option<&str>, i32) {
        let stride = processor::TOPIC_STRIDE;
        (self.topics.get((numbered / stride) as usize).map(String::as_str), numbered % stride)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processor_partitions_decode_to_topic_and_partition() {
        let p = ProcessorSnapshot {
            topics: vec!["a".into(), "b".into()],
            ..ProcessorSnapshot::default()
        };
        let stride = processor::TOPIC_STRIDE;
        assert_eq!(p.topic_partition(3), (Some("a"), 3));
        assert_eq!(p.topic_partition(stride + 7), (Some("b"), 7));
        assert_eq!(p.topic_partition(2 * stride), (None, 0));
    }
}

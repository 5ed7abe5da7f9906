//! The snapshot types the screen may see, re-exported: the collectors' (what the store keeps of
//! each backend) and the pipeline's (what the console runs itself, bundled as [`Embedded`]).
//! `ui/` names them from here, never from `collectors` or `pipeline`, so where they are defined
//! can change without the screen knowing.

use crate::pipeline::processor;

pub use crate::alerts::{Alert, AlertState, AlertsSnapshot, Severity};
pub use crate::notify::ReceiverStatus;

pub use crate::collectors::connect::lsn_check::{Level as LsnLevel, LsnCheck, SlotState};
pub use crate::collectors::connect::offsets::DebeziumPosition;
pub use crate::collectors::connect::{AutoRestartStatus, ConnectSnapshot, Connector};
pub use crate::collectors::connect::{OffsetsReport, Step as OffsetsStep, Target as OffsetsTarget};
pub use crate::collectors::events::EventsSnapshot;
pub use crate::collectors::flink::FlinkSnapshot;
pub use crate::collectors::groups::{Group, GroupsSnapshot, PartitionLag};
pub use crate::collectors::kafka::{Broker, BrokerState, KafkaSnapshot, Topic};
pub use crate::collectors::lag::seconds::{Estimate, LagSeconds};
pub use crate::collectors::lag::verdict::Verdict;
pub use crate::collectors::latency::{LatencySnapshot, Stage as LatencyStage, StageLatency};
pub use crate::collectors::postgres::{DeadLetters, PostgresSnapshot};
pub use crate::collectors::snapshot::{
    ConnectorSnapshot, SnapshotProgress, SnapshotStatus, SnapshotsSnapshot, TableProgress,
    TableState,
};
pub use crate::flink::rest::{
    Backpressure, Checkpoint as FlinkCheckpoint, Checkpoints as FlinkCheckpoints,
    ClusterOverview as FlinkOverview, JobException as FlinkException,
    JobSummary as FlinkJobSummary, JobWatch as FlinkJob, Vertex as FlinkVertex,
    VertexWatch as FlinkVertexWatch,
};
pub use crate::pipeline::deadletter::{ConsumerLetters, Letter, ReasonCount};
pub use crate::pipeline::diff::RowDiff;
pub use crate::pipeline::diff::targets::DiffSnapshot;
pub use crate::pipeline::events::{Body, ChangeEvent, ColumnDiff, Mark, ScanProgress};
pub use crate::pipeline::generator::GeneratorSnapshot;
pub use crate::pipeline::replicator::ReplicatorSnapshot;
pub use crate::pipeline::retry::Retrying;
pub use crate::pipeline::story::{ReplicaStory, RowStory, Verdict as RowVerdict};
pub use processor::{FiredWindow, ProcessorSnapshot};

/// What the console runs itself, as the screen shows it: the last snapshot of each embedded
/// task. Owned by the app, which replaces a part when its task reports.
#[derive(Debug, Clone, Default)]
pub struct Embedded {
    pub generator: GeneratorSnapshot,
    pub replicator: ReplicatorSnapshot,
    pub diff: DiffSnapshot,
    pub processor: ProcessorSnapshot,
    /// The row story asked for from the diff, while it is read and once it is.
    pub story: StoryState,
    /// The `:events` view's read.
    pub events: EventsSnapshot,
    pub offsets: OffsetsPane,
}

/// A row's story as the console asks for it: which row, how far the key's events are read,
/// then the story or why it could not be told.
#[derive(Debug, Clone, Default)]
pub struct StoryState {
    pub table: String,
    /// The key as JSON.
    pub key: String,
    pub running: bool,
    /// "reading TOPIC: N/M records" while the key's events are searched.
    pub progress: Option<String>,
    pub result: Option<Result<RowStory, String>>,
}

/// The connectors view's offsets pane: a connector's offsets and LSN check (read when the pane
/// opens), the verdict on an LSN typed for a set, and the guided change's steps as they end.
#[derive(Debug, Clone, Default)]
pub struct OffsetsPane {
    /// The connector row the pane is open for; `None` when closed.
    pub open: Option<String>,
    pub target: Option<OffsetsTarget>,
    /// Why the offsets could not be read.
    pub error: Option<String>,
    pub loading: bool,
    /// The verdict on the LSN typed for a set, before it is confirmed.
    pub proposed: Option<LsnCheck>,
    pub steps: Vec<OffsetsStep>,
    /// The guided change is under way.
    pub changing: bool,
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

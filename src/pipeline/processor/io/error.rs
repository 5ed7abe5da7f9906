//! Why a job stopped: the failing system's own error kept as the source (PostgreSQL, Kafka, a
//! task), formatted once here, and whether trying again could help ([`ProcessorError::retryable`]).

use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use crate::pg::message;
use crate::pipeline::topics::TopicError;

#[derive(Debug, thiserror::Error)]
pub enum ProcessorError {
    /// A statement on the sink, or the connection to it, failed.
    #[error("sink: {} (retry when the sink is reachable)", message(.0))]
    Sink(#[source] tokio_postgres::Error),
    /// A statement on the source, or the connection to it, failed.
    #[error("source: {} (retry when the source is reachable)", message(.0))]
    Source(#[source] tokio_postgres::Error),
    /// The job's output table could not be created in the sink.
    #[error("sink: output table {table}: {}", message(.source))]
    OutputTable {
        table: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("kafka: {0}")]
    Topics(#[from] TopicError),
    /// The output topic could not be created, or its records not sent.
    #[error("output topic {topic}: {source}")]
    OutputTopic {
        topic: String,
        #[source]
        source: KafkaError,
    },
    /// The request creating the output topic failed.
    #[error("create output topic {topic}: {source}")]
    CreateTopic {
        topic: String,
        #[source]
        source: KafkaError,
    },
    /// The broker refused to create the output topic.
    #[error("create output topic {topic}: {code}")]
    TopicRefused { topic: String, code: RDKafkaErrorCode },
    #[error("output topic {topic} was created but has no partitions after {waited:?}")]
    TopicNotReady { topic: String, waited: Duration },
    /// A stored checkpoint (`what`: its header or one of its windows) does not parse.
    #[error("{what} of {job}: {source}")]
    Checkpoint {
        job: String,
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// The job cannot run against the tables and topics as they are (a missing table or topic,
    /// a column not in the table, a replica identity without old rows): retrying does not help
    /// until someone changes them.
    #[error("job {job}: {reason}")]
    Refused { job: String, reason: String },
    /// The task fetching the batches ended.
    #[error("the consumer task ended")]
    ConsumerEnded,
    /// The initial partition assignment's blocking task panicked or was cancelled.
    #[error("partition assignment: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The checkpoint lookup of an assignment could not start its runtime.
    #[error("checkpoint lookup: {0}")]
    LookupRuntime(#[source] std::io::Error),
    #[error("checkpoint lookup panicked")]
    LookupPanicked,
    /// A checkpointed offset lies outside its partition's log and the job's policy is `fail`.
    #[error(transparent)]
    OffsetOutOfRange(#[from] crate::pipeline::offset_range::OffsetOutOfRange),
    /// The broker refused a fetch offset while running; a restart checks the checkpoints.
    #[error("job {job}: {}", crate::pipeline::offset_range::REPORTED)]
    OutOfRangeReported { job: String },
}

impl ProcessorError {
    /// Whether the same run could succeed later unchanged: a connection refused or closed, a
    /// timeout, a broker, leader or coordinator not available. Not: a key or type changed, a
    /// bad configuration, a permission denied, a missing table, a corrupt checkpoint.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Sink(e) | Self::Source(e) | Self::OutputTable { source: e, .. } => {
                crate::pg::retryable(e)
            }
            Self::Kafka(e)
            | Self::OutputTopic { source: e, .. }
            | Self::CreateTopic { source: e, .. } => crate::kafka::retryable(e),
            Self::Topics(TopicError::Metadata { source, .. }) => crate::kafka::retryable(source),
            Self::TopicRefused { code, .. } => crate::kafka::code_retryable(*code),
            // The restart's check of the checkpoints decides (`on_offset_out_of_range`).
            Self::TopicNotReady { .. } | Self::ConsumerEnded | Self::OutOfRangeReported { .. } => {
                true
            }
            Self::Topics(TopicError::Lookup { .. })
            | Self::Checkpoint { .. }
            | Self::Refused { .. }
            | Self::Task(_)
            | Self::LookupRuntime(_)
            | Self::LookupPanicked
            | Self::OffsetOutOfRange(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_and_coordinator_outages_are_retryable_refusals_and_bad_config_are_not() {
        let down = KafkaError::MetadataFetch(RDKafkaErrorCode::AllBrokersDown);
        assert!(ProcessorError::Kafka(down).retryable());
        let coordinator = KafkaError::ConsumerCommit(RDKafkaErrorCode::CoordinatorNotAvailable);
        assert!(ProcessorError::Kafka(coordinator).retryable());
        let denied = KafkaError::MetadataFetch(RDKafkaErrorCode::TopicAuthorizationFailed);
        assert!(!ProcessorError::Kafka(denied).retryable());
        let config = KafkaError::ClientCreation("bad config".into());
        assert!(!ProcessorError::Kafka(config).retryable());
        let refused = ProcessorError::Refused { job: "j".into(), reason: "no table".into() };
        assert!(!refused.retryable());
        assert_eq!(refused.to_string(), "job j: no table");
        assert!(ProcessorError::ConsumerEnded.retryable());
        let lost = crate::pipeline::offset_range::OffsetOutOfRange {
            owner: "job j".into(),
            topic: "t".into(),
            partition: 1,
            stored: 120,
            low: 5000,
            high: 9000,
        };
        assert!(!ProcessorError::from(lost).retryable());
    }
}

//! Why a redrive did not run, or stopped: nothing of a chunk that failed was applied or marked
//! (each chunk is one transaction), so running it again after the cause is cured is safe.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::error::KafkaError;

use super::super::ReplicaError;
use crate::pg::message as pg_message;

#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    /// A processor job's letters: see the message for why, and what to do instead.
    #[error(
        "the dead letters of job {job} cannot be redriven exactly once: a job's results are \
         event-time windows, and the windows its refused events belonged to have moved on since \
         (fired, emitted, their state dropped past the allowed lateness), so adding an event now \
         is not what processing it in order would have given. Fix the cause, then reprocess the \
         job from the start: `cdc-console process --job {job} --reset` (and `cdc-console \
         dead-letters purge --consumer job:{job}` first; events still refused are recorded again)"
    )]
    JobLetters { job: String },
    #[error(
        "`{consumer}` is not a replica's consumer (replica:<name>): only a replica's letters are redriven{}",
        if consumer.is_empty() { " (these were recorded before consumers were named: which stage refused them is unknown)" } else { "" }
    )]
    NotAReplica { consumer: String },
    #[error(
        "replica {0} is not in the configuration: a letter is redriven through the replica as it is configured now"
    )]
    NotConfigured(String),
    #[error("no dead letter {} of {consumer}", ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    NoSuchLetters { consumer: String, ids: Vec<i64> },
    /// The replica could not be claimed (a replicator applies it) or planned.
    #[error("replica {replica}: {source}")]
    Replica {
        replica: String,
        #[source]
        source: Arc<ReplicaError>,
    },
    #[error("sink: {doing}: {}", pg_message(source))]
    Sink {
        doing: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("source: {doing}: {}", pg_message(source))]
    Source {
        doing: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("kafka: {doing}: {source}")]
    Kafka {
        doing: &'static str,
        #[source]
        source: KafkaError,
    },
    #[error(
        "kafka: {topic} partition {partition}: nothing read at offset {at} for {}; the check for later changes stopped",
        humantime::format_duration(*waited)
    )]
    Stalled { topic: String, partition: i32, at: i64, waited: Duration },
    #[error("the scan of {0} for later changes failed: {1}")]
    Task(String, #[source] tokio::task::JoinError),
    #[error(
        "letters changed while they were redriven (another redrive or a purge): this chunk was rolled back"
    )]
    Raced,
}

impl RedriveError {
    pub(super) fn sink(doing: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Self {
        move |source| Self::Sink { doing, source }
    }

    pub(super) fn source(doing: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Self {
        move |source| Self::Source { doing, source }
    }

    pub(super) fn kafka(doing: &'static str) -> impl FnOnce(KafkaError) -> Self {
        move |source| Self::Kafka { doing, source }
    }
}

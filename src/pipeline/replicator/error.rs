//! Why the replicator stopped ([`ReplicatorError`]) or one replica did while the others go on
//! ([`ReplicaError`]), with the driver's error kept as the source, and whether trying again may
//! help ([`ReplicatorError::retryable`]): the hint retries with backoff go by.
//!
//! The messages word PostgreSQL errors with `crate::pg::message` (severity, message, detail).

use std::sync::Arc;

use rdkafka::error::KafkaError;

use super::schema::SchemaError;
use super::staging::ClaimError;
use crate::pg::message as pg_message;
use crate::pipeline::offset_range::OffsetOutOfRange;
use crate::pipeline::topics::TopicError;

/// Why the replicator stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReplicatorError {
    /// A statement on the sink, or the sink connection, failed while `doing` this.
    #[error("sink: {doing}: {}", pg_message(source))]
    Sink {
        doing: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    /// A statement on the source, or the source connection, failed while `doing` this.
    #[error("source: {doing}: {}", pg_message(source))]
    Source {
        doing: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("kafka: {0}")]
    Topics(#[from] TopicError),
    /// Every configured replica stopped before the first batch; each says why (none: none is
    /// configured).
    #[error("no replica can run: {}", reasons(.0))]
    NoReplica(Vec<Arc<ReplicaError>>),
    /// A task of the replicator's own panicked or was cancelled.
    #[error("the {task} task failed: {source}")]
    Task {
        task: &'static str,
        #[source]
        source: tokio::task::JoinError,
    },
    /// A task of the replicator's own went away without an answer (it panicked or was aborted).
    #[error("the {0} ended")]
    Gone(&'static str),
    /// A replica's stored offset lies outside its partition's log and its policy is `fail`.
    #[error(transparent)]
    OffsetOutOfRange(#[from] OffsetOutOfRange),
    /// The broker refused a fetch offset while running; a restart checks the stored offsets.
    #[error("{}", crate::pipeline::offset_range::REPORTED)]
    OutOfRangeReported,
}

fn reasons(why: &[Arc<ReplicaError>]) -> String {
    if why.is_empty() {
        return "none configured".into();
    }
    why.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl ReplicatorError {
    pub(super) fn sink(doing: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Self {
        move |source| Self::Sink { doing, source }
    }

    pub(super) fn source(doing: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Self {
        move |source| Self::Source { doing, source }
    }

    /// Whether running again later may get further: the database or the broker was unreachable,
    /// went away, timed out or was busy (connection refused or closed, timeouts, no broker,
    /// leader or coordinator available, a lock another replicator holds). Not retryable: what
    /// only a change of config or schema cures (a key or type change, a bad setting, permission
    /// denied) and the replicator's own faults (a task that panicked).
    pub fn retryable(&self) -> bool {
        match self {
            Self::Sink { source, .. } | Self::Source { source, .. } => crate::pg::retryable(source),
            Self::Kafka(e) => crate::kafka::retryable(e),
            Self::Topics(TopicError::Metadata { source, .. }) => crate::kafka::retryable(source),
            Self::Topics(TopicError::Lookup { .. }) => false,
            // Every replica must be worth waiting for: one whose table changed its key stays so.
            Self::NoReplica(why) => !why.is_empty() && why.iter().all(|e| e.retryable()),
            Self::Task { .. } | Self::Gone(_) | Self::OffsetOutOfRange(_) => false,
            // The restart's check of the stored offsets decides (`on_offset_out_of_range`).
            Self::OutOfRangeReported => true,
        }
    }
}

/// Why one replica stopped (the others go on); the snapshot shows it.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error("source table {0} does not exist")]
    NoSourceTable(String),
    #[error("source: {}", pg_message(.0))]
    Source(#[source] tokio_postgres::Error),
    #[error("sink: {}", pg_message(.0))]
    Sink(#[source] tokio_postgres::Error),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error(transparent)]
    Claim(#[from] ClaimError),
}

impl ReplicaError {
    /// As [`ReplicatorError::retryable`].
    pub fn retryable(&self) -> bool {
        match self {
            Self::NoSourceTable(_) => false,
            Self::Source(e) | Self::Sink(e) => crate::pg::retryable(e),
            Self::Schema(SchemaError::Db(e)) => crate::pg::retryable(e),
            Self::Schema(_) => false,
            Self::Claim(ClaimError::Held { .. }) => true,
            Self::Claim(ClaimError::Db(e)) => crate::pg::retryable(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brokers_away_are_worth_retrying_bad_settings_are_not() {
        use rdkafka::error::RDKafkaErrorCode::{
            AllBrokersDown, CoordinatorNotAvailable, TopicAuthorizationFailed,
        };
        let e = ReplicatorError::Kafka(KafkaError::MetadataFetch(AllBrokersDown));
        assert!(e.retryable());
        let e = ReplicatorError::Kafka(KafkaError::Global(CoordinatorNotAvailable));
        assert!(e.retryable());
        let e = ReplicatorError::Kafka(KafkaError::MetadataFetch(TopicAuthorizationFailed));
        assert!(!e.retryable());
        let e = ReplicatorError::Kafka(KafkaError::ClientCreation("bad setting".into()));
        assert!(!e.retryable());
    }

    #[test]
    fn no_replica_is_retryable_only_if_every_reason_is() {
        let missing = Arc::new(ReplicaError::NoSourceTable("public.t".into()));
        let held = Arc::new(ReplicaError::Claim(ClaimError::Held {
            replica: "r".into(),
            waited: std::time::Duration::from_secs(1),
        }));
        assert!(!ReplicatorError::NoReplica(vec![]).retryable());
        assert!(ReplicatorError::NoReplica(vec![held.clone()]).retryable());
        assert!(!ReplicatorError::NoReplica(vec![held, missing]).retryable());
    }

    #[test]
    fn an_offset_out_of_range_is_not_retryable() {
        let e = ReplicatorError::from(crate::pipeline::offset_range::OffsetOutOfRange {
            owner: "replica r".into(),
            topic: "t".into(),
            partition: 0,
            stored: 91_418,
            low: 0,
            high: 33_479,
        });
        assert!(!e.retryable());
        assert!(
            e.to_string().starts_with("replica r: stored offset 91418 of t[0] is beyond"),
            "{e}"
        );
    }

    #[test]
    fn no_replica_says_why_each_stopped() {
        let e = ReplicatorError::NoReplica(vec![
            Arc::new(ReplicaError::NoSourceTable("public.a".into())),
            Arc::new(ReplicaError::NoSourceTable("public.b".into())),
        ]);
        assert_eq!(
            e.to_string(),
            "no replica can run: source table public.a does not exist; \
             source table public.b does not exist"
        );
        assert_eq!(
            ReplicatorError::NoReplica(vec![]).to_string(),
            "no replica can run: none configured"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_retryable() {
        let mut nowhere = crate::config::Config::default().sink;
        nowhere.port = 1;
        let e = crate::pg::connect(&nowhere, std::time::Duration::from_secs(2))
            .await
            .err()
            .expect("refused");
        assert!(crate::pg::retryable(&e), "{e:?}");
        let e = ReplicatorError::sink("connecting")(e);
        assert!(e.retryable());
        assert!(e.to_string().starts_with("sink: connecting: "), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }
}

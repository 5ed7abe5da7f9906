//! Why the Kafka probe could not read something, with what to do about it.
//!
//! Only a failed client or a failed metadata request fail a poll (they become `CollectError`s
//! and the store shows the cluster down); the other kinds degrade one part of the snapshot and
//! end up, as text, in `KafkaSnapshot::warnings` or a partition's `error`.

use std::time::Duration;

use crate::collectors::CollectError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    #[error(
        "cannot create a Kafka client: {0} (check [kafka.properties] in the configuration; not retried)"
    )]
    Client(String),
    #[error("cluster metadata: {0} (retried on the next poll)")]
    Metadata(String),
    #[error(
        "DescribeCluster: {0}; rack, controller and cluster id unknown (retried on the next poll)"
    )]
    DescribeCluster(String),
    #[error("log offsets from broker {leader}: {reason} (retried on the next poll)")]
    Offsets { leader: i32, reason: String },
    #[error(
        "min.insync.replicas of {topics} unknown: {reason} (last known values kept; retried within a minute)"
    )]
    TopicConfigs { topics: String, reason: String },
    #[error(
        "broker {leader} is down: offsets of the partitions it leads are unknown until it is back"
    )]
    LeaderDown { leader: i32 },
    #[error("no answer within {}", humantime::format_duration(*after))]
    Timeout { after: Duration },
    #[error("{what} task stopped: {reason} (a bug; retried on the next poll)")]
    Task { what: &'static str, reason: String },
}

impl ProbeError {
    /// The error as the store records it for the whole cluster.
    pub fn into_collect(self, endpoint: &str) -> CollectError {
        let endpoint = endpoint.to_string();
        match self {
            Self::Client(_) => {
                CollectError::Backend { endpoint, message: self.to_string(), retryable: false }
            }
            Self::Timeout { after } => CollectError::Timeout { endpoint, after },
            Self::Metadata(_) => CollectError::Unreachable { endpoint, reason: self.to_string() },
            other => {
                CollectError::Backend { endpoint, message: other.to_string(), retryable: true }
            }
        }
    }
}

/// [`off_thread`](crate::collectors::off_thread) with its outcome as a `ProbeError`.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    after: Duration,
    f: impl FnOnce() -> Result<T, ProbeError> + Send + 'static,
) -> Result<T, ProbeError> {
    use crate::collectors::{Blocked, off_thread};
    match off_thread(after, f).await {
        Ok(r) => r,
        Err(Blocked::Failed(reason)) => Err(ProbeError::Task { what, reason }),
        Err(Blocked::TimedOut) => Err(ProbeError::Timeout { after }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bad_client_is_not_retryable() {
        let e = ProbeError::Client("No such configuration property: \"x\"".into())
            .into_collect("k:9092");
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("kafka.properties"), "{e}");
        let e =
            ProbeError::Metadata("Local: Broker transport failure".into()).into_collect("k:9092");
        assert!(e.is_retryable());
        assert_eq!(
            e.to_string(),
            "k:9092: cluster metadata: Local: Broker transport failure (retried on the next poll)"
        );
    }
}

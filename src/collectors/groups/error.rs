//! Why a groups request failed, and whether asking again can help.

use std::time::Duration;

use crate::collectors::CollectError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupsError {
    /// The client could not even be built: a bad `kafka.properties` entry. Retrying will not help.
    #[error("cannot create a Kafka client: {0} (fix kafka.properties in the configuration)")]
    Client(String),
    #[error("{what}: {reason} (usually transient: retrying helps)")]
    Kafka { what: &'static str, reason: String },
    #[error("{what}: no answer within {} (a slow or dead broker: retrying helps once it is back)", humantime::format_duration(*after))]
    Timeout { what: &'static str, after: Duration },
    #[error(
        "{what}: the blocking task failed: {reason} (a panic reading the answer; asked again next time)"
    )]
    Task { what: &'static str, reason: String },
}

impl GroupsError {
    pub fn is_retryable(&self) -> bool {
        !matches!(self, GroupsError::Client(_))
    }

    pub fn into_collect(self, endpoint: &str) -> CollectError {
        match self {
            GroupsError::Timeout { after, .. } => {
                CollectError::Timeout { endpoint: endpoint.to_string(), after }
            }
            e => CollectError::Backend {
                endpoint: endpoint.to_string(),
                retryable: e.is_retryable(),
                message: e.to_string(),
            },
        }
    }
}

/// [`off_thread`](crate::collectors::off_thread) with its outcome as a `GroupsError`.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    after: Duration,
    f: impl FnOnce() -> Result<T, GroupsError> + Send + 'static,
) -> Result<T, GroupsError> {
    use crate::collectors::{Blocked, off_thread};
    match off_thread(after, f).await {
        Ok(r) => r,
        Err(Blocked::Failed(reason)) => Err(GroupsError::Task { what, reason }),
        Err(Blocked::TimedOut) => Err(GroupsError::Timeout { what, after }),
    }
}

//! What can go wrong talking to Flink, with whether trying again may help.

/// A failed call to the JobManager's REST API or the SQL gateway.
#[derive(Debug, thiserror::Error)]
pub enum FlinkError {
    /// Not reachable (refused, timed out, reset): the cluster may be down or starting.
    #[error("{what}: {source}")]
    Unreachable {
        what: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status; `reason` is Flink's own `errors` text, cut.
    #[error("{what}: HTTP {status}: {reason}")]
    Status { what: String, status: u16, reason: String },
    /// The answer did not have the shape this Flink version documents.
    #[error("{what}: unexpected answer: {reason}")]
    Decode { what: String, reason: String },
    /// The SQL gateway ran the statement and Flink refused it (planner or runtime error).
    #[error("{what}: Flink refused it: {reason}")]
    Refused { what: String, reason: String },
    /// Reading or writing the console's record of submissions in the sink.
    #[error("the record of Flink submissions in the sink: {0}")]
    Record(#[from] tokio_postgres::Error),
}

impl FlinkError {
    /// Whether the same call may succeed later unchanged (the cluster down or busy).
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Status { status, .. } => *status >= 500,
            Self::Decode { .. } | Self::Refused { .. } | Self::Record(_) => false,
        }
    }
}

//! Where the Flink session cluster is: its REST API (jobs, checkpoints, savepoints) and its SQL
//! gateway (where the console submits a job's Flink SQL). Optional: a pipeline without Flink
//! shows it as "not running" in the processor view, never as an error.

use serde::{Deserialize, Serialize};

use super::HttpUrl;

/// `[flink]` in the config file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlinkConfig {
    /// The JobManager's REST API (`compose/local/stack up flink`: port 8081).
    pub rest: HttpUrl,
    /// The SQL gateway's REST API (the local stack: port 8084; 8083 is Kafka Connect's).
    pub sql_gateway: HttpUrl,
    /// Where stop-with-savepoint writes, as the cluster sees it (a path or URI); None: the
    /// cluster's `execution.checkpointing.savepoint-dir`.
    pub savepoint_dir: Option<String>,
    /// The sink table of a job's Flink run is the processor's output table with this suffix,
    /// so both can run side by side and be compared row by row.
    pub output_suffix: String,
}

impl Default for FlinkConfig {
    fn default() -> Self {
        Self {
            rest: HttpUrl::parse("http://127.0.0.1:8081").unwrap_or_else(|_| unreachable!()),
            sql_gateway: HttpUrl::parse("http://127.0.0.1:8084").unwrap_or_else(|_| unreachable!()),
            savepoint_dir: None,
            output_suffix: "_flink".into(),
        }
    }
}

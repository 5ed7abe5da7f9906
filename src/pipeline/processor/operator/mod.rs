//! The event-time window operator of one job (Flink semantics), pure: no Kafka, no PostgreSQL,
//! no async. It takes decoded [`Change`](crate::pipeline::processor::Change)s per Kafka
//! partition and returns window partials, late events and checkpoint state; the I/O layer
//! (`io/`) feeds it and writes what it returns.
//!
//! [`Operator::on_change`] adds and retracts row images in event-time windows ([`window`]:
//! tumbling, hopping, session) with retractable accumulators ([`aggregate`], exact
//! [`decimal`]s) per group key ([`key`]); [`Operator::advance`] moves the watermark
//! ([`watermark`]) and fires and purges windows (`emit`); contributions beyond allowed lateness
//! come back as [`LateEvent`]s ([`late`]). Per-partition state ([`state`]) is handed over
//! through checkpoints (`handover`), written incrementally ([`delta`]).

pub mod aggregate;
mod contribute;
pub mod decimal;
pub mod delta;
mod emit;
mod handover;
pub mod key;
pub mod late;
// The `Operator` type and its entry points; the folder is named for it and holds its parts.
#[allow(clippy::module_inception)]
pub mod operator;
mod session;
pub mod state;
pub mod watermark;
pub mod window;

#[cfg(test)]
mod handover_scenarios;
#[cfg(test)]
mod scenarios;

pub use aggregate::{Accumulators, ColumnPartial, Partial, finish, merge, value_columns};
pub use decimal::{Decimal, DecimalError};
pub use delta::{Delta, WindowId, Written, window_id};
pub use emit::{Emission, WindowResult};
pub use handover::{OperatorStats, PartitionStats};
pub use key::{GroupKey, KeyValue};
pub use late::{LateEvent, LateReason};
pub use operator::{JobError, Operator, Outcome};
pub use state::{PartitionState, WindowState};
pub use watermark::JobWatermark;
pub use window::{Window, WindowShape};

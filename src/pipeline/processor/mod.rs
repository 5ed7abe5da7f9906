//! The embedded event-time window processor (Flink semantics), pure: no Kafka, no PostgreSQL,
//! no async. The I/O layer feeds it records and writes what it returns.
//!
//! Per job: [`ChangeDecoder`] projects a Debezium change event (JSON, schemas off) onto the
//! job's columns; [`Operator::on_change`] adds and retracts the row images in event-time windows
//! (tumbling, hopping, session) per Kafka partition; [`Operator::advance`] moves the watermark
//! (max event time − out-of-orderness per partition, min over non-idle partitions) and returns
//! the windows it makes final as per-partition partials ([`WindowResult`]), which the I/O layer
//! upserts and merges across partitions (count/sum add, min of mins, max of maxes, avg =
//! sum/count: [`merge`], [`finish`]). Contributions beyond allowed lateness come back as
//! [`LateEvent`]s. [`Operator::checkpoint`] / [`Operator::restore`] hand a partition's state
//! over with its next offset, written in the same transaction as the results (exactly once).
//!
//! A typical loop:
//!
//! ```
//! use cdc_console::config::job::JobConfig;
//! use cdc_console::pipeline::processor::{ChangeDecoder, Operator};
//!
//! let job = JobConfig::orders_by_status();
//! let decoder = ChangeDecoder::for_job(&job);
//! let mut op = Operator::new(&job);
//! let value = br#"{"before":null,"after":{"order_id":1,"status":"paid","amount":"12.34",
//!   "updated_at":"2026-11-21T09:08:40.5Z"},"source":{"ts_ms":1795252120600},"op":"c"}"#;
//! let change = decoder.decode(Some(value)).unwrap().unwrap();
//! let outcome = op.on_change(0, 42, br#"{"order_id":1}"#, &change, 0);
//! assert!(outcome.late.is_empty());
//! let emission = op.flush();
//! assert_eq!(emission.results.len(), 1);
//! ```

pub mod aggregate;
mod batch;
pub mod change;
pub mod checkpoint;
mod contribute;
pub mod decimal;
mod emit;
pub mod event_time;
pub mod group;
mod handover;
pub mod identity;
mod input_topics;
pub mod key;
pub mod late;
pub mod operator;
pub mod outbox;
mod output;
mod output_topic;
mod projection;
pub mod run;
mod scan;
mod session;
mod session_output;
pub mod sink;
pub mod state;
pub mod watermark;
pub mod window;

pub use aggregate::{Accumulators, ColumnPartial, Partial, finish, merge, value_columns};
pub use change::{Change, ChangeDecoder, ChangeError, Image, KeyPart, MAX_COLUMNS, Op};
pub use decimal::{Decimal, DecimalError};
pub use emit::{Emission, WindowResult};
pub use handover::{OperatorStats, PartitionStats};
pub use key::{GroupKey, KeyValue};
pub use late::{LateEvent, LateReason};
pub use operator::{JobError, Operator, Outcome};
pub use state::{PartitionState, WindowState};
pub use watermark::JobWatermark;
pub use window::{Window, WindowShape};

#[cfg(test)]
mod handover_scenarios;
#[cfg(test)]
mod scenarios;

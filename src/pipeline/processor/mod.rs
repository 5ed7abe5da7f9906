//! The embedded event-time window processor (Flink semantics): a job's Debezium change events
//! from Kafka in, its window results into the sink out, exactly once. Three parts:
//!
//! - `decode/`: a Debezium change event (JSON, schemas off) projected onto the job's columns
//!   ([`ChangeDecoder`] → [`Change`]); pure and synchronous.
//! - `operator/`: the event-time operator, pure: no Kafka, no PostgreSQL, no async.
//!   [`Operator::on_change`] adds and retracts the row images in event-time windows (tumbling,
//!   hopping, session) per Kafka partition; [`Operator::advance`] moves the watermark (max event
//!   time − out-of-orderness per partition, min over non-idle partitions) and returns the windows
//!   it makes final as per-partition partials ([`WindowResult`]), which the I/O layer upserts and
//!   merges across partitions (count/sum add, min of mins, max of maxes, avg = sum/count:
//!   [`merge`], [`finish`]). Contributions beyond allowed lateness come back as [`LateEvent`]s.
//!   [`Operator::checkpoint`] / [`Operator::restore`] hand a partition's state over with its
//!   next offset.
//! - `io/`: the async side ([`run`]): consumes the job's topics, feeds the operator, and commits
//!   each batch's results, late events, dead letters and checkpoints in one sink transaction;
//!   publishes a [`ProcessorSnapshot`] for the console; stops with a [`ProcessorError`].
//!
//! Everything used outside the processor is re-exported here.
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

mod decode;
mod io;
mod operator;

pub use decode::{Change, ChangeDecoder, ChangeError, Image, KeyPart, MAX_COLUMNS, Op};
pub use io::{
    FiredWindow, GROUP_PREFIX, Options, ProcessorError, ProcessorSnapshot, TOPIC_STRIDE,
    checkpoint, run, sink,
};
pub use operator::{
    Accumulators, ColumnPartial, Decimal, DecimalError, Emission, GroupKey, JobError, JobWatermark,
    KeyValue, LateEvent, LateReason, Operator, OperatorStats, Outcome, Partial, PartitionState,
    PartitionStats, Window, WindowResult, WindowShape, WindowState, finish, merge, value_columns,
};

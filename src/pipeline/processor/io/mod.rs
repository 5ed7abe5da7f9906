//! The async I/O side of a job: Kafka in, PostgreSQL out, exactly once. Everything here
//! talks to the brokers or the databases; the decoding and the windows are `decode/` and
//! `operator/`, which know nothing of either.
//!
//! - `run`: [`run`] is a short loop over a `JobLoop` (the run's state) and its handlers:
//!   `hold_while_paused`, `fetch`, `process_batch` (follow the group, apply the records, advance
//!   the watermark, then `idle` or `commit`), `finish`. `start` builds it: sink and source
//!   connected and checked (`identity`: REPLICA IDENTITY FULL), input topics waited for
//!   (`input_topics`), the consumer assigned every partition or subscribed to the job's group
//!   (`group`), the output topic made (`output_topic`), every partition restored.
//! - `batch`: a batch's records applied to the operator, then written in one sink transaction:
//!   window partials and merged output rows ([`sink`], `output`, `session_output`), late
//!   events, dead letters, each touched partition's checkpoint ([`checkpoint`]) and, for a job
//!   with an output topic, its `outbox` rows, relayed to the topic after the commit.
//! - `partition_ids`: partitions of several topics numbered for the operator
//!   ([`TOPIC_STRIDE`]); `snapshot`: what the console shows ([`ProcessorSnapshot`]); `error`:
//!   why a job stopped and whether retrying could help ([`ProcessorError`]).

mod batch;
pub mod checkpoint;
mod error;
pub mod fired;
mod group;
mod identity;
mod input_topics;
mod outbox;
mod output;
mod output_topic;
mod partition_ids;
mod run;
mod session_output;
pub mod sink;
mod snapshot;
mod start;

pub use error::ProcessorError;
pub use fired::FiredWindow;
pub use partition_ids::TOPIC_STRIDE;
pub use run::{Options, run};
pub use snapshot::ProcessorSnapshot;
pub use start::GROUP_PREFIX;

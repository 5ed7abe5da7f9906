//! The async I/O side of a job: Kafka in, PostgreSQL out, exactly once.
//!
//! [`run`] waits for the job's input topics, consumes them (every partition, or with a consumer
//! group its share: [`group`]), feeds each batch's records through the decoder to the operator,
//! and commits what the batch produced in one sink transaction: the window partials and the
//! merged output rows ([`sink`], `output`, `session_output`), the late events, the dead letters,
//! each touched partition's checkpoint ([`checkpoint`]) and, for a job with an output topic, its
//! outbox rows (`outbox`, relayed to the topic after the commit). A restart restores each
//! partition from its checkpoint and resumes at its next offset.

mod batch;
pub mod checkpoint;
mod error;
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
pub use partition_ids::TOPIC_STRIDE;
pub use run::{Options, run};
pub use snapshot::ProcessorSnapshot;

//! Why a job stopped.

#[derive(Debug, thiserror::Error)]
pub enum ProcessorError {
    #[error("sink: {0} (retry when the sink is reachable)")]
    Sink(String),
    #[error("source: {0} (retry when the source is reachable)")]
    Source(String),
    #[error("{0}")]
    Refused(String),
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("kafka: {0}")]
    Topics(#[from] crate::pipeline::topics::TopicError),
}

//! The Kafka client settings every part of the console shares (collectors, the replicator, the
//! processor, the diff's settle check), so that one configuration reaches every client.

pub mod cause;
mod certificate;
mod security;

use rdkafka::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use crate::config::Config;

pub use cause::{CauseContext, LastCause};

/// librdkafka properties for every client the console makes: the security keys and then the
/// configured extras on top of quiet, bounded defaults.
pub fn client_config(config: &Config) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &config.kafka.brokers)
        .set("client.id", "cdc-console")
        .set("socket.timeout.ms", config.timeouts.request().as_millis().max(10).to_string())
        .set("log_level", "3");
    security::apply(&mut c, &config.kafka);
    certificate::remember(&config.kafka);
    for (k, v) in &config.kafka.properties {
        c.set(k, v);
    }
    c
}

/// A Kafka error that may not happen again: no broker, leader or coordinator reachable or
/// available for the moment, a timeout, a rebalance. Not: a bad setting, an authorization or
/// authentication failure, an unknown topic.
pub fn retryable(e: &KafkaError) -> bool {
    e.rdkafka_error_code().is_some_and(code_retryable)
}

/// As [`retryable`], for an error code a broker or librdkafka returned on its own.
pub fn code_retryable(code: RDKafkaErrorCode) -> bool {
    use RDKafkaErrorCode as C;
    matches!(
        code,
        C::BrokerTransportFailure
            | C::Resolve
            | C::AllBrokersDown
            | C::OperationTimedOut
            | C::TimedOutQueue
            | C::MessageTimedOut
            | C::RequestTimedOut
            | C::QueueFull
            | C::WaitingForCoordinator
            | C::NetworkException
            | C::BrokerNotAvailable
            | C::LeaderNotAvailable
            | C::NotLeaderForPartition
            | C::ReplicaNotAvailable
            | C::PreferredLeaderNotAvailable
            | C::EligibleLeadersNotAvailable
            | C::CoordinatorNotAvailable
            | C::NotCoordinator
            | C::CoordinatorLoadInProgress
            | C::RebalanceInProgress
            | C::NotEnoughReplicas
            | C::NotEnoughReplicasAfterAppend
            | C::KafkaStorageError
            | C::FencedLeaderEpoch
            | C::UnknownLeaderEpoch
            | C::OffsetNotAvailable
            | C::ThrottlingQuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_properties_win_over_the_defaults() {
        let mut config = Config::default();
        config.kafka.properties.insert("client.id".into(), "mine".into());
        config.kafka.properties.insert("security.protocol".into(), "SSL".into());
        let c = client_config(&config);
        assert_eq!(c.get("client.id"), Some("mine"));
        assert_eq!(c.get("security.protocol"), Some("SSL"));
        assert_eq!(c.get("bootstrap.servers"), Some(config.kafka.brokers.as_str()));
    }
}

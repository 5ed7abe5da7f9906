//! The Kafka client settings every part of the console shares (collectors, the replicator, the
//! processor, the diff's settle check), so that one configuration reaches every client.

use rdkafka::ClientConfig;

use crate::config::Config;

/// librdkafka properties for every client the console makes: the configured extras on top of
/// quiet, bounded defaults.
pub fn client_config(config: &Config) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &config.kafka.brokers)
        .set("client.id", "cdc-console")
        .set("socket.timeout.ms", config.timeouts.request().as_millis().max(10).to_string())
        .set("log_level", "3");
    for (k, v) in &config.kafka.properties {
        c.set(k, v);
    }
    c
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

//! `[kafka]`'s security keys as librdkafka properties: the protocol, TLS files and hostname
//! verification, SASL credentials or OAuth client credentials. The one place they are mapped,
//! so that every client the console makes is secured alike.

use rdkafka::ClientConfig;

use crate::config::secret::Secret;
use crate::config::{KafkaConfig, SaslMechanism};

/// Sets the security properties `kafka` asks for on `c`. Secrets are exposed here only, into the
/// client configuration (whose Debug leaves librdkafka's sensitive keys out).
pub fn apply(c: &mut ClientConfig, kafka: &KafkaConfig) {
    let protocol = kafka.security_protocol;
    c.set("security.protocol", protocol.as_librdkafka());
    if protocol.uses_tls() {
        let tls = kafka.tls.as_ref();
        // Without a CA file, the system's CAs: librdkafka probes the usual places, as the
        // vendored OpenSSL's own default directory does not exist on the machine.
        let ca = tls.and_then(|t| t.ca_file.as_ref());
        c.set("ssl.ca.location", ca.map_or_else(|| "probe".into(), |p| p.display().to_string()));
        let verify = tls.is_none_or(|t| t.verify_hostname);
        c.set("ssl.endpoint.identification.algorithm", if verify { "https" } else { "none" });
        if let Some(tls) = tls {
            if let Some(cert) = &tls.cert_file {
                c.set("ssl.certificate.location", cert.display().to_string());
            }
            if let Some(key) = &tls.key_file {
                c.set("ssl.key.location", key.display().to_string());
            }
            if let Some(pw) = &tls.key_password {
                c.set("ssl.key.password", pw.expose());
            }
        }
    }
    let Some(sasl) = kafka.sasl.as_ref() else { return };
    c.set("sasl.mechanisms", sasl.mechanism.as_librdkafka());
    if sasl.mechanism == SaslMechanism::OauthBearer {
        // librdkafka's own OIDC client-credentials flow: it fetches and refreshes the token.
        c.set("sasl.oauthbearer.method", "oidc");
        let pairs = [
            ("sasl.oauthbearer.token.endpoint.url", sasl.token_endpoint_url.as_deref()),
            ("sasl.oauthbearer.client.id", sasl.client_id.as_deref()),
            ("sasl.oauthbearer.client.secret", sasl.client_secret().map(Secret::expose)),
            ("sasl.oauthbearer.scope", sasl.scope.as_deref()),
        ];
        for (key, value) in pairs {
            if let Some(v) = value {
                c.set(key, v);
            }
        }
    } else {
        if let Some(user) = &sasl.username {
            c.set("sasl.username", user);
        }
        if let Some(pw) = sasl.password() {
            c.set("sasl.password", pw.expose());
        }
    }
}

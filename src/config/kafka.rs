//! The Kafka cluster: bootstrap servers, how the connection is secured (TLS, SASL) and raw
//! librdkafka properties on top. Managed clusters (MSK, Confluent Cloud, Aiven) speak SASL_SSL or
//! mutual TLS, so these are first-class keys, checked when the file is read: a mistake shows at
//! start with its file, line and key instead of as a broker that never answers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

use super::secret::{self, Secret};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "Unchecked")]
pub struct KafkaConfig {
    /// Comma-separated bootstrap servers.
    pub brokers: String,
    pub security_protocol: SecurityProtocol,
    /// TLS settings (SSL and SASL_SSL only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<KafkaTls>,
    /// SASL settings (SASL_PLAINTEXT and SASL_SSL only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sasl: Option<KafkaSasl>,
    /// Extra librdkafka properties for every client the console creates; they win over what
    /// the keys above set.
    pub properties: BTreeMap<String, String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            brokers: "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094".into(),
            security_protocol: SecurityProtocol::Plaintext,
            tls: None,
            sasl: None,
            properties: BTreeMap::new(),
        }
    }
}

/// librdkafka's `security.protocol`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SecurityProtocol {
    #[default]
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl SecurityProtocol {
    /// The value librdkafka takes.
    pub fn as_librdkafka(self) -> &'static str {
        match self {
            Self::Plaintext => "plaintext",
            Self::Ssl => "ssl",
            Self::SaslPlaintext => "sasl_plaintext",
            Self::SaslSsl => "sasl_ssl",
        }
    }

    pub fn uses_tls(self) -> bool {
        matches!(self, Self::Ssl | Self::SaslSsl)
    }

    pub fn uses_sasl(self) -> bool {
        matches!(self, Self::SaslPlaintext | Self::SaslSsl)
    }
}

/// `[kafka.tls]`: whom to trust and, for mutual TLS, who the console is. Files are PEM and must
/// be readable when the config is read.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaTls {
    /// The CA certificates to trust; none: the system's.
    #[serde(default, deserialize_with = "readable_file")]
    pub ca_file: Option<PathBuf>,
    /// The client certificate (mutual TLS), with `key_file`.
    #[serde(default, deserialize_with = "readable_file")]
    pub cert_file: Option<PathBuf>,
    #[serde(default, deserialize_with = "readable_file")]
    pub key_file: Option<PathBuf>,
    /// The password of an encrypted `key_file`.
    #[serde(skip_serializing, default)]
    pub key_password: Option<Secret>,
    /// Check that the broker's certificate names the host connected to (on unless turned off).
    #[serde(default = "yes")]
    pub verify_hostname: bool,
}

fn yes() -> bool {
    true
}

/// The SASL mechanisms librdkafka implements itself (GSSAPI/Kerberos is not built in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum SaslMechanism {
    #[serde(rename = "PLAIN")]
    Plain,
    #[serde(rename = "SCRAM-SHA-256")]
    ScramSha256,
    #[serde(rename = "SCRAM-SHA-512")]
    ScramSha512,
    #[serde(rename = "OAUTHBEARER")]
    OauthBearer,
}

impl SaslMechanism {
    pub fn as_librdkafka(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
            Self::OauthBearer => "OAUTHBEARER",
        }
    }
}

/// `[kafka.sasl]`: a user and password (PLAIN, SCRAM), or OAuth client credentials
/// (OAUTHBEARER, the token fetched from `token_endpoint_url`). Secrets come from the file, an
/// environment variable (`*_env`) or a file path (`*_file`), as PostgreSQL passwords do.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSasl {
    pub mechanism: SaslMechanism,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing, default)]
    pub password: Option<Secret>,
    #[serde(skip_serializing, default, deserialize_with = "secret::from_env")]
    pub password_env: Option<Secret>,
    #[serde(skip_serializing, default, deserialize_with = "secret::from_file")]
    pub password_file: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing, default)]
    pub client_secret: Option<Secret>,
    #[serde(skip_serializing, default, deserialize_with = "secret::from_env")]
    pub client_secret_env: Option<Secret>,
    #[serde(skip_serializing, default, deserialize_with = "secret::from_file")]
    pub client_secret_file: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl KafkaSasl {
    /// The password to send: the file's, else the environment variable's, else the written one.
    pub fn password(&self) -> Option<&Secret> {
        self.password_file.as_ref().or(self.password_env.as_ref()).or(self.password.as_ref())
    }

    /// The OAuth client secret, in the same order.
    pub fn client_secret(&self) -> Option<&Secret> {
        let s = &self.client_secret;
        self.client_secret_file.as_ref().or(self.client_secret_env.as_ref()).or(s.as_ref())
    }
}

/// A path that must name a readable file when the config is read; the error names the path.
fn readable_file<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let path = PathBuf::deserialize(d)?;
    std::fs::File::open(&path)
        .map(|_| Some(path.clone()))
        .map_err(|e| serde::de::Error::custom(format!("cannot read {}: {e}", path.display())))
}

/// The `[kafka]` table as written, before the checks that span several keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Unchecked {
    brokers: String,
    security_protocol: SecurityProtocol,
    tls: Option<KafkaTls>,
    sasl: Option<KafkaSasl>,
    properties: BTreeMap<String, String>,
}

impl Default for Unchecked {
    fn default() -> Self {
        let KafkaConfig { brokers, security_protocol, tls, sasl, properties } =
            KafkaConfig::default();
        Self { brokers, security_protocol, tls, sasl, properties }
    }
}

impl TryFrom<Unchecked> for KafkaConfig {
    type Error = String;

    fn try_from(u: Unchecked) -> Result<Self, String> {
        let c = KafkaConfig {
            brokers: u.brokers,
            security_protocol: u.security_protocol,
            tls: u.tls,
            sasl: u.sasl,
            properties: u.properties,
        };
        c.check()?;
        Ok(c)
    }
}

impl KafkaConfig {
    /// The checks no single key can make. Messages name the keys (`kafka.sasl…`), never a
    /// secret's value.
    fn check(&self) -> Result<(), String> {
        let protocol = self.security_protocol;
        let named = serde_plain(protocol);
        if self.sasl.is_some() && !protocol.uses_sasl() {
            return Err(format!(
                "[kafka.sasl] is set but security_protocol is {named}: use SASL_SSL or \
                 SASL_PLAINTEXT"
            ));
        }
        if protocol.uses_sasl()
            && self.sasl.is_none()
            && !self.properties.contains_key("sasl.mechanisms")
            && !self.properties.contains_key("sasl.mechanism")
        {
            return Err(format!("security_protocol {named} needs a [kafka.sasl] section"));
        }
        if self.tls.is_some() && !protocol.uses_tls() {
            return Err(format!(
                "[kafka.tls] is set but security_protocol is {named}: use SSL or SASL_SSL"
            ));
        }
        if let Some(tls) = &self.tls {
            check_tls(tls)?;
        }
        if let Some(sasl) = &self.sasl {
            check_sasl(sasl)?;
        }
        Ok(())
    }
}

fn check_tls(tls: &KafkaTls) -> Result<(), String> {
    match (&tls.cert_file, &tls.key_file) {
        (Some(_), None) => Err("kafka.tls.cert_file needs kafka.tls.key_file".into()),
        (None, Some(_)) => Err("kafka.tls.key_file needs kafka.tls.cert_file".into()),
        (None, None) if tls.key_password.is_some() => {
            Err("kafka.tls.key_password is set without kafka.tls.key_file".into())
        }
        _ => Ok(()),
    }
}

fn check_sasl(sasl: &KafkaSasl) -> Result<(), String> {
    let oauth = [
        ("token_endpoint_url", sasl.token_endpoint_url.is_some()),
        ("client_id", sasl.client_id.is_some()),
        ("client_secret", sasl.client_secret().is_some()),
    ];
    let mechanism = sasl.mechanism.as_librdkafka();
    if sasl.mechanism == SaslMechanism::OauthBearer {
        if sasl.username.is_some() || sasl.password().is_some() {
            return Err("kafka.sasl: OAUTHBEARER takes client_id and client_secret, not a \
                        username and password"
                .into());
        }
        if let Some((key, _)) = oauth.iter().find(|(_, set)| !set) {
            return Err(format!("kafka.sasl.{key} is needed by mechanism OAUTHBEARER"));
        }
        return Ok(());
    }
    if let Some((key, _)) = oauth.iter().find(|(_, set)| *set) {
        return Err(format!("kafka.sasl.{key} belongs to OAUTHBEARER, not {mechanism}"));
    }
    if sasl.scope.is_some() {
        return Err(format!("kafka.sasl.scope belongs to OAUTHBEARER, not {mechanism}"));
    }
    if sasl.username.is_none() {
        return Err(format!("kafka.sasl.username is needed by mechanism {mechanism}"));
    }
    if sasl.password().is_none() {
        return Err(format!(
            "kafka.sasl.password (or password_env, password_file) is needed by mechanism \
             {mechanism}"
        ));
    }
    Ok(())
}

/// The protocol as written in the file (`SASL_SSL`).
fn serde_plain(p: SecurityProtocol) -> String {
    p.as_librdkafka().to_ascii_uppercase()
}

#[cfg(test)]
#[path = "kafka_tests.rs"]
mod tests;

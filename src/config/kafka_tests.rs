use std::path::Path;

use crate::config::{Config, SaslMechanism, SecurityProtocol, parse};
use crate::kafka::client_config;

fn err(text: &str) -> String {
    parse(text, Path::new("conf/cdc.toml")).unwrap_err().to_string()
}

/// A directory with a PEM file standing in for each TLS file (the mapping only passes paths).
fn files() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["ca.crt", "client.crt", "client.key"] {
        std::fs::write(dir.path().join(f), "-----BEGIN CERTIFICATE-----\n").unwrap();
    }
    let d = dir.path().display().to_string();
    (dir, d)
}

#[test]
fn sasl_ssl_with_scram_and_a_ca_maps_to_librdkafka() {
    let (_dir, d) = files();
    let text = format!(
        "[kafka]\nbrokers = \"localhost:29092\"\nsecurity_protocol = \"SASL_SSL\"\n\
         [kafka.tls]\nca_file = \"{d}/ca.crt\"\n\
         [kafka.sasl]\nmechanism = \"SCRAM-SHA-512\"\nusername = \"cdc-console\"\n\
         password = \"hunter2\"\n"
    );
    let config = parse(&text, Path::new("x.toml")).unwrap();
    assert_eq!(config.kafka.security_protocol, SecurityProtocol::SaslSsl);
    let c = client_config(&config);
    assert_eq!(c.get("security.protocol"), Some("sasl_ssl"));
    assert_eq!(c.get("ssl.ca.location"), Some(format!("{d}/ca.crt").as_str()));
    assert_eq!(c.get("ssl.endpoint.identification.algorithm"), Some("https"));
    assert_eq!(c.get("sasl.mechanisms"), Some("SCRAM-SHA-512"));
    assert_eq!(c.get("sasl.username"), Some("cdc-console"));
    assert_eq!(c.get("sasl.password"), Some("hunter2"));
    let shown =
        format!("{:?} {c:?} {}", config.kafka, serde_json::to_string(&config.kafka).unwrap());
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn mutual_tls_without_hostname_check_and_system_cas_by_default() {
    let (_dir, d) = files();
    let text = format!(
        "[kafka]\nsecurity_protocol = \"SSL\"\n[kafka.tls]\ncert_file = \"{d}/client.crt\"\n\
         key_file = \"{d}/client.key\"\nkey_password = \"k3y\"\nverify_hostname = false\n"
    );
    let c = client_config(&parse(&text, Path::new("x.toml")).unwrap());
    assert_eq!(c.get("security.protocol"), Some("ssl"));
    assert_eq!(c.get("ssl.ca.location"), Some("probe"));
    assert_eq!(c.get("ssl.certificate.location"), Some(format!("{d}/client.crt").as_str()));
    assert_eq!(c.get("ssl.key.location"), Some(format!("{d}/client.key").as_str()));
    assert_eq!(c.get("ssl.key.password"), Some("k3y"));
    assert_eq!(c.get("ssl.endpoint.identification.algorithm"), Some("none"));
    assert_eq!(c.get("sasl.mechanisms"), None);
}

#[test]
fn oauthbearer_client_credentials_map_to_librdkafkas_oidc() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s3cr3t\n").unwrap();
    let text = format!(
        "[kafka]\nsecurity_protocol = \"SASL_SSL\"\n[kafka.sasl]\nmechanism = \"OAUTHBEARER\"\n\
         token_endpoint_url = \"https://idp/token\"\nclient_id = \"console\"\n\
         client_secret_file = \"{}\"\nscope = \"kafka\"\n",
        secret.display()
    );
    let config = parse(&text, Path::new("x.toml")).unwrap();
    assert_eq!(config.kafka.sasl.as_ref().map(|s| s.mechanism), Some(SaslMechanism::OauthBearer));
    let c = client_config(&config);
    assert_eq!(c.get("sasl.mechanisms"), Some("OAUTHBEARER"));
    assert_eq!(c.get("sasl.oauthbearer.method"), Some("oidc"));
    assert_eq!(c.get("sasl.oauthbearer.token.endpoint.url"), Some("https://idp/token"));
    assert_eq!(c.get("sasl.oauthbearer.client.id"), Some("console"));
    assert_eq!(c.get("sasl.oauthbearer.client.secret"), Some("s3cr3t"));
    assert_eq!(c.get("sasl.oauthbearer.scope"), Some("kafka"));
    // The client is built: librdkafka was compiled with what OIDC needs.
    let made = c.create::<rdkafka::consumer::BaseConsumer>();
    assert!(made.is_ok(), "{:?}", made.err());
}

#[test]
fn raw_properties_still_win_and_plaintext_is_the_default() {
    let mut config = Config::default();
    assert_eq!(client_config(&config).get("security.protocol"), Some("plaintext"));
    config.kafka.properties.insert("security.protocol".into(), "ssl".into());
    assert_eq!(client_config(&config).get("security.protocol"), Some("ssl"));
}

#[test]
fn a_sasl_section_with_a_protocol_without_sasl_is_refused_and_located() {
    let e = err(
        "[kafka]\nbrokers = \"k:1\"\n\n[kafka.sasl]\nmechanism = \"PLAIN\"\nusername = \"u\"\n\
         password = \"hunter2\"\n",
    );
    assert!(e.starts_with("conf/cdc.toml:"), "{e}");
    assert!(e.contains("key `kafka`"), "{e}");
    assert!(e.contains("[kafka.sasl] is set but security_protocol is PLAINTEXT"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
}

#[test]
fn a_missing_ca_file_is_located_on_its_key() {
    let e = err(
        "[kafka]\nsecurity_protocol = \"SSL\"\n[kafka.tls]\nca_file = \"/nonexistent/ca.crt\"\n",
    );
    assert!(e.starts_with("conf/cdc.toml:4:11: key `kafka.tls.ca_file`"), "{e}");
    assert!(e.contains("cannot read /nonexistent/ca.crt"), "{e}");
}

#[test]
fn incomplete_or_mixed_settings_are_refused_by_name() {
    let sasl = "[kafka]\nsecurity_protocol = \"SASL_SSL\"\n[kafka.sasl]\n";
    for (body, expected) in [
        ("mechanism = \"SCRAM-SHA-256\"\nusername = \"u\"\n", "kafka.sasl.password (or"),
        ("mechanism = \"PLAIN\"\npassword = \"p\"\n", "kafka.sasl.username is needed"),
        ("mechanism = \"OAUTHBEARER\"\nclient_id = \"c\"\n", "kafka.sasl.token_endpoint_url"),
        (
            "mechanism = \"PLAIN\"\nusername = \"u\"\npassword = \"p\"\nclient_id = \"c\"\n",
            "client_id belongs to OAUTHBEARER",
        ),
        ("mechanism = \"GSSAPI\"\n", "unknown variant `GSSAPI`"),
    ] {
        let e = err(&format!("{sasl}{body}"));
        assert!(e.starts_with("conf/cdc.toml:"), "{e}");
        assert!(e.contains(expected), "{expected}: {e}");
        assert!(!e.contains("= \"p\""), "{e}");
    }
    let e = err("[kafka]\nsecurity_protocol = \"SASL_PLAINTEXT\"\n");
    assert!(e.contains("needs a [kafka.sasl] section"), "{e}");
    let e =
        err("[kafka]\nsecurity_protocol = \"PLAINTEXT\"\n[kafka.tls]\nverify_hostname = true\n");
    assert!(e.contains("[kafka.tls] is set but security_protocol is PLAINTEXT"), "{e}");
    let e = err("[kafka]\nsecurity_protocol = \"TLS\"\n");
    assert!(e.starts_with("conf/cdc.toml:2:21: key `kafka.security_protocol`"), "{e}");
}

#[test]
fn librdkafka_takes_every_secret_bearing_key_so_none_is_echoed_in_a_config_error() {
    // A property librdkafka refuses comes back as "Client config error: … KEY VALUE": a build
    // without SASL or OIDC would print the password. This build takes them all.
    let text = "[kafka]\nsecurity_protocol = \"SASL_PLAINTEXT\"\n[kafka.sasl]\n\
                mechanism = \"SCRAM-SHA-256\"\nusername = \"u\"\npassword = \"hunter2\"\n";
    let c = client_config(&parse(text, Path::new("x.toml")).unwrap());
    let made = c.create::<rdkafka::consumer::BaseConsumer>();
    assert!(made.is_ok(), "{:?}", made.err());
}

//! Environment overrides, applied after the file: what containers and CI set without a file.

use super::{Config, ConfigError, HttpUrl, Millis};

/// Every variable the console reads, with what it overrides (listed in `--help` and README).
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("CDC_CONSOLE_CONFIG", "path of the config file"),
    ("CDC_CONSOLE_CONTEXT", "the context to use (as --context); the overrides below apply to it"),
    ("CDC_CONSOLE_SOURCE_HOST", "source.host"),
    ("CDC_CONSOLE_SOURCE_PORT", "source.port"),
    ("CDC_CONSOLE_SOURCE_DBNAME", "source.dbname"),
    ("CDC_CONSOLE_SOURCE_USER", "source.user"),
    ("CDC_CONSOLE_SOURCE_PASSWORD", "source.password"),
    ("CDC_CONSOLE_SOURCE_SSLMODE", "source.sslmode"),
    ("CDC_CONSOLE_SOURCE_SSLROOTCERT", "source.sslrootcert"),
    ("CDC_CONSOLE_SOURCE_SSLCERT", "source.sslcert"),
    ("CDC_CONSOLE_SOURCE_SSLKEY", "source.sslkey"),
    ("CDC_CONSOLE_SINK_HOST", "sink.host"),
    ("CDC_CONSOLE_SINK_PORT", "sink.port"),
    ("CDC_CONSOLE_SINK_DBNAME", "sink.dbname"),
    ("CDC_CONSOLE_SINK_USER", "sink.user"),
    ("CDC_CONSOLE_SINK_PASSWORD", "sink.password"),
    ("CDC_CONSOLE_SINK_SSLMODE", "sink.sslmode"),
    ("CDC_CONSOLE_SINK_SSLROOTCERT", "sink.sslrootcert"),
    ("CDC_CONSOLE_SINK_SSLCERT", "sink.sslcert"),
    ("CDC_CONSOLE_SINK_SSLKEY", "sink.sslkey"),
    ("CDC_CONSOLE_BROKERS", "kafka.brokers"),
    ("CDC_CONSOLE_CONNECT_URL", "connect[0].url"),
    ("CDC_CONSOLE_REQUEST_TIMEOUT_MS", "timeouts.request_ms"),
];

/// Applies the overrides `lookup` finds (a function, so tests need not touch the process env).
pub(super) fn apply(
    mut c: Config,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    for (role, ep) in [("SOURCE", &mut c.source), ("SINK", &mut c.sink)] {
        let var = |k: &str| lookup(&format!("CDC_CONSOLE_{role}_{k}"));
        if let Some(v) = var("HOST") {
            ep.host = v;
        }
        if let Some(v) = var("PORT") {
            ep.port = number(&format!("CDC_CONSOLE_{role}_PORT"), &v)?;
        }
        if let Some(v) = var("DBNAME") {
            ep.dbname = v;
        }
        if let Some(v) = var("USER") {
            ep.user = v;
        }
        if let Some(v) = var("PASSWORD") {
            // The override wins over what the file says, wherever that reads it from.
            (ep.password, ep.password_env, ep.password_file) =
                (Some(super::secret::Secret::new(v)), None, None);
        }
        tls(role, ep, &lookup)?;
    }
    if let Some(v) = lookup("CDC_CONSOLE_BROKERS") {
        c.kafka.brokers = v;
    }
    if let Some(v) = lookup("CDC_CONSOLE_CONNECT_URL") {
        let url = HttpUrl::parse(&v).map_err(|message| ConfigError::Env {
            var: "CDC_CONSOLE_CONNECT_URL".into(),
            message,
        })?;
        match c.connect.first_mut() {
            Some(first) => first.url = url,
            None => c.connect.push(super::ConnectCluster {
                name: "env".into(),
                url,
                ..super::ConnectCluster::default()
            }),
        }
    }
    if let Some(v) = lookup("CDC_CONSOLE_REQUEST_TIMEOUT_MS") {
        let ms: u64 = number("CDC_CONSOLE_REQUEST_TIMEOUT_MS", &v)?;
        if ms == 0 {
            return Err(ConfigError::Env {
                var: "CDC_CONSOLE_REQUEST_TIMEOUT_MS".into(),
                message: "must be at least 1 millisecond".into(),
            });
        }
        c.timeouts.request_ms = Millis(ms);
    }
    Ok(c)
}

/// `CDC_CONSOLE_{role}_SSL*`: the TLS settings, their files read now as the file's are.
fn tls(
    role: &str,
    ep: &mut super::PostgresEndpoint,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    use super::postgres::{read_certificates, read_private_key};
    let name = |k: &str| format!("CDC_CONSOLE_{role}_{k}");
    let invalid = |k: &'static str| move |message| ConfigError::Env { var: name(k), message };
    if let Some(v) = lookup(&name("SSLMODE")) {
        ep.sslmode = super::SslMode::parse(v.trim()).map_err(invalid("SSLMODE"))?;
    }
    if let Some(v) = lookup(&name("SSLROOTCERT")) {
        read_certificates(v.as_ref()).map_err(invalid("SSLROOTCERT"))?;
        ep.sslrootcert = Some(v.into());
    }
    if let Some(v) = lookup(&name("SSLCERT")) {
        read_certificates(v.as_ref()).map_err(invalid("SSLCERT"))?;
        ep.sslcert = Some(v.into());
    }
    if let Some(v) = lookup(&name("SSLKEY")) {
        read_private_key(v.as_ref()).map_err(invalid("SSLKEY"))?;
        ep.sslkey = Some(v.into());
    }
    ep.check_client_certificate().map_err(invalid("SSLCERT"))
}

fn number<T: std::str::FromStr>(var: &str, v: &str) -> Result<T, ConfigError> {
    v.trim().parse().map_err(|_| ConfigError::Env {
        var: var.into(),
        message: format!("`{v}` is not a valid number"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        apply(Config::default(), |k| m.get(k).cloned())
    }

    #[test]
    fn overrides_win_over_the_file() {
        let c = with(&[
            ("CDC_CONSOLE_SINK_PORT", "6543"),
            ("CDC_CONSOLE_BROKERS", "a:1,b:2"),
            ("CDC_CONSOLE_CONNECT_URL", "http://connect:8083/"),
            ("CDC_CONSOLE_SOURCE_PASSWORD", "s3cret"),
        ])
        .unwrap();
        assert_eq!(c.sink.port, 6543);
        assert_eq!(c.kafka.brokers, "a:1,b:2");
        assert_eq!(c.connect[0].url.as_str(), "http://connect:8083");
        assert_eq!(c.source.secret().map(crate::config::secret::Secret::expose), Some("s3cret"));
        assert!(!format!("{} {:?}", c.source, c.source).contains("s3cret"));
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let e = with(&[("CDC_CONSOLE_SOURCE_PORT", "http")]).unwrap_err().to_string();
        assert_eq!(e, "environment variable CDC_CONSOLE_SOURCE_PORT: `http` is not a valid number");
        let e = with(&[("CDC_CONSOLE_CONNECT_URL", "localhost:8083")]).unwrap_err().to_string();
        assert!(e.starts_with("environment variable CDC_CONSOLE_CONNECT_URL:"), "{e}");
    }

    #[test]
    fn tls_settings_are_overridden_and_checked_like_the_files() {
        let c = with(&[("CDC_CONSOLE_SINK_SSLMODE", "verify-full")]).unwrap();
        assert_eq!(c.sink.sslmode, crate::config::SslMode::VerifyFull);
        let e = with(&[("CDC_CONSOLE_SOURCE_SSLMODE", "on")]).unwrap_err().to_string();
        assert!(e.starts_with("environment variable CDC_CONSOLE_SOURCE_SSLMODE: `on`"), "{e}");
        let e = with(&[("CDC_CONSOLE_SINK_SSLROOTCERT", "/nonexistent/ca.crt")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("environment variable CDC_CONSOLE_SINK_SSLROOTCERT: cannot read"));
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("key.pem");
        let key = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap();
        std::fs::write(&pem, key.private_key_to_pem().unwrap()).unwrap();
        let e = with(&[("CDC_CONSOLE_SINK_SSLKEY", pem.to_str().unwrap())]).unwrap_err();
        assert!(e.to_string().contains("sslkey is set without sslcert"), "{e}");
    }
}

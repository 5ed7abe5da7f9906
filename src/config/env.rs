//! Environment overrides, applied after the file: what containers and CI set without a file.

use super::{Config, ConfigError, HttpUrl, Millis};

/// Every variable the console reads, with what it overrides (listed in `--help` and README).
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("CDC_CONSOLE_CONFIG", "path of the config file"),
    ("CDC_CONSOLE_SOURCE_HOST", "source.host"),
    ("CDC_CONSOLE_SOURCE_PORT", "source.port"),
    ("CDC_CONSOLE_SOURCE_DBNAME", "source.dbname"),
    ("CDC_CONSOLE_SOURCE_USER", "source.user"),
    ("CDC_CONSOLE_SOURCE_PASSWORD", "source.password"),
    ("CDC_CONSOLE_SINK_HOST", "sink.host"),
    ("CDC_CONSOLE_SINK_PORT", "sink.port"),
    ("CDC_CONSOLE_SINK_DBNAME", "sink.dbname"),
    ("CDC_CONSOLE_SINK_USER", "sink.user"),
    ("CDC_CONSOLE_SINK_PASSWORD", "sink.password"),
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
}

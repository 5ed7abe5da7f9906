//! Kafka Connect clusters: where each worker answers, and which of its connectors the console
//! restarts on its own when they fail (opt-in, per cluster).
//!
//! ```toml
//! [[connect]]
//! name = "local"
//! url = "http://127.0.0.1:8083"
//! [connect.auto_restart]          # or auto_restart = { connectors = [..], … } inline
//! connectors = ["orders-cdc"]     # names, or ["*"] for every connector of the cluster
//! initial = "2s"                  # the wait before the first restart, doubling…
//! max = "10m"                     # …up to this
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::connect_auth::{ConnectAuth, RawCluster};
use super::job::Span;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawCluster")]
pub struct ConnectCluster {
    pub name: String,
    pub url: HttpUrl,
    /// TLS trust, credentials and extra headers (see `connect_auth`).
    #[serde(flatten)]
    pub auth: ConnectAuth,
    /// Off unless configured: restarting is a change, and the user asks for it per connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_restart: Option<AutoRestartConfig>,
}

impl Default for ConnectCluster {
    fn default() -> Self {
        Self {
            name: "local".into(),
            url: HttpUrl("http://127.0.0.1:8083".into()),
            auth: ConnectAuth::default(),
            auto_restart: None,
        }
    }
}

impl TryFrom<RawCluster> for ConnectCluster {
    type Error = String;
    fn try_from(raw: RawCluster) -> Result<Self, String> {
        raw.check()
    }
}

/// Which connectors are restarted when they or one of their tasks is FAILED, and how long to
/// wait before each restart: `initial`, doubling up to `max` (as Strimzi's `autoRestart`, so a
/// connector that keeps failing is not restarted in a loop). A connector a user paused or
/// stopped is never restarted, and `--read-only` turns it all off.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawAutoRestart")]
pub struct AutoRestartConfig {
    /// Connector names, or `["*"]` for every connector of the cluster.
    pub connectors: Vec<String>,
    /// The wait before the first restart after a failure is seen.
    pub initial: Span,
    /// The longest wait between two restarts.
    pub max: Span,
}

/// Every connector of the cluster.
pub const ALL_CONNECTORS: &str = "*";

impl AutoRestartConfig {
    /// Whether the connector called `name` is opted in.
    pub fn covers(&self, name: &str) -> bool {
        self.connectors.iter().any(|c| c == ALL_CONNECTORS || c == name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAutoRestart {
    connectors: Vec<String>,
    #[serde(default = "default_initial")]
    initial: Span,
    #[serde(default = "default_max")]
    max: Span,
}

fn default_initial() -> Span {
    Span(Duration::from_secs(2))
}

fn default_max() -> Span {
    Span(Duration::from_secs(600))
}

impl TryFrom<RawAutoRestart> for AutoRestartConfig {
    type Error = String;
    fn try_from(raw: RawAutoRestart) -> Result<Self, String> {
        if raw.connectors.is_empty() {
            return Err("`connectors` lists no connector (names, or [\"*\"] for all)".into());
        }
        if let Some(blank) = raw.connectors.iter().find(|c| c.trim().is_empty()) {
            return Err(format!("`connectors` holds an empty name: `{blank}`"));
        }
        if raw.connectors.len() > 1 && raw.connectors.iter().any(|c| c == ALL_CONNECTORS) {
            return Err("`connectors`: \"*\" already means every connector; list it alone".into());
        }
        if raw.initial.0 < Duration::from_millis(100) {
            return Err(format!("`initial` {} is under 100ms", raw.initial));
        }
        if raw.max.0 < raw.initial.0 {
            return Err(format!("`max` {} is shorter than `initial` {}", raw.max, raw.initial));
        }
        Ok(Self { connectors: raw.connectors, initial: raw.initial, max: raw.max })
    }
}

/// An http(s) base URL, checked when the file is read so the error points at its line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct HttpUrl(String);

impl HttpUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (scheme, rest) = s
            .split_once("://")
            .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
            .ok_or_else(|| {
                format!("`{}` is not an http:// or https:// URL", without_userinfo(s))
            })?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            // Never echoed: what precedes the `@` is a user name and often a password.
            return Err(format!(
                "`{scheme}://****@…` holds credentials: remove them from the URL and set \
                 `username` and `password` (or `password_env`, `password_file`) in [[connect]]"
            ));
        }
        if rest.trim_end_matches('/').is_empty() {
            return Err(format!("`{s}` has no host"));
        }
        Ok(Self(s.trim_end_matches('/').to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `s` with anything before an `@` of its authority masked, for messages about a malformed URL.
fn without_userinfo(s: &str) -> String {
    let (scheme, rest) = s.split_once("://").unwrap_or(("", s));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://****@{}", &rest[at + 1..]),
        None => s.to_string(),
    }
}

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::parse;

    const CLUSTER: &str = "[[connect]]\nname = \"a\"\nurl = \"http://h:8083\"\n";

    fn err(text: &str) -> String {
        parse(text, Path::new("c.toml")).unwrap_err().to_string()
    }

    #[test]
    fn off_unless_configured_and_both_spellings_read_the_same() {
        let c = parse(CLUSTER, Path::new("c.toml")).unwrap();
        assert_eq!(c.connect[0].auto_restart, None);
        let table = format!("{CLUSTER}[connect.auto_restart]\nconnectors = [\"orders-cdc\"]\n");
        let inline = format!("{CLUSTER}auto_restart = {{ connectors = [\"orders-cdc\"] }}\n");
        let a = parse(&table, Path::new("c.toml")).unwrap().connect[0].auto_restart.clone();
        let b = parse(&inline, Path::new("c.toml")).unwrap().connect[0].auto_restart.clone();
        assert_eq!(a, b);
        let a = a.expect("configured");
        assert_eq!((a.initial.0, a.max.0), (Duration::from_secs(2), Duration::from_secs(600)));
        assert!(a.covers("orders-cdc") && !a.covers("other"));
    }

    #[test]
    fn a_star_covers_every_connector_and_durations_read_as_elsewhere() {
        let text = format!(
            "{CLUSTER}auto_restart = {{ connectors = [\"*\"], initial = \"500ms\", max = \"1m 30s\" }}\n"
        );
        let a = parse(&text, Path::new("c.toml")).unwrap().connect[0].auto_restart.clone();
        let a = a.expect("configured");
        assert!(a.covers("anything"));
        assert_eq!((a.initial.0, a.max.0), (Duration::from_millis(500), Duration::from_secs(90)));
    }

    #[test]
    fn the_commented_example_in_compose_parses_to_the_defaults_it_names() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("compose/cdc-console.toml");
        let text = std::fs::read_to_string(&path).expect("the example config");
        // The header and the `# key = value` lines right under it, uncommented.
        let mut inside = false;
        let mut example = String::new();
        for line in text.lines() {
            let rest = line.strip_prefix("# ").unwrap_or(line);
            inside = rest == "[connect.auto_restart]"
                || (inside && rest != line && rest.split_once(" = ").is_some());
            example += if inside { rest } else { line };
            example.push('\n');
        }
        let c = parse(&example, &path).expect("the uncommented example parses");
        let a = c.connect[0].auto_restart.clone().expect("opted in");
        assert_eq!(a.connectors, ["orders-cdc"]);
        assert_eq!((a.initial, a.max), (default_initial(), default_max()));
    }

    #[test]
    fn bad_settings_name_file_line_and_key() {
        let at = |body: &str| err(&format!("{CLUSTER}[connect.auto_restart]\n{body}"));
        let e = at("connectors = [\"x\"]\ninitial = \"10s\"\nmax = \"5s\"\n");
        assert!(e.starts_with("c.toml:4:1: key `connect[0].auto_restart`"), "{e}");
        assert!(e.contains("`max` 5s is shorter than `initial` 10s"), "{e}");
        let e = at("connectors = []\n");
        assert!(e.contains("key `connect[0].auto_restart`") && e.contains("lists no"), "{e}");
        let e = at("connectors = [\"*\", \"x\"]\n");
        assert!(e.contains("list it alone"), "{e}");
        let e = at("connectors = [\"x\"]\ninitial = \"soon\"\n");
        assert!(e.starts_with("c.toml:6:11: key `connect[0].auto_restart.initial`"), "{e}");
        let e = at("connectors = [\"x\"]\nmax_restarts = 3\n");
        assert!(e.contains("key `connect[0].auto_restart.max_restarts`"), "{e}");
        let e = at("initial = \"1s\"\n");
        assert!(e.contains("connectors"), "{e}");
    }
}

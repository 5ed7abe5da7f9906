//! How the console proves itself to a Connect cluster, and which server certificates it trusts:
//! HTTPS with a CA of the user's own (beside the system's roots, or instead of them), HTTP basic
//! auth or a bearer token, and extra headers (an API gateway's key, a tenant id).
//!
//! ```toml
//! [[connect]]
//! name = "secure"
//! url = "https://connect.example.com:8443"
//! ca_file = "/etc/ssl/connect-ca.pem"   # PEM; `system_roots = false` trusts it alone
//! username = "console"
//! password_file = "/run/secrets/connect" # or password / password_env
//! # token_env = "CONNECT_TOKEN"          # a bearer token instead (token / token_env / token_file)
//! headers = { "X-Api-Key" = "…" }        # sent with every request, masked wherever shown
//! ```
//!
//! Passwords, tokens and header values are [`Secret`]s: masked in Display, Debug and JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};

use super::connect::{AutoRestartConfig, ConnectCluster, HttpUrl};
use super::secret::Secret;

/// A cluster's TLS trust, credentials and extra headers, checked when the file is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectAuth {
    /// A PEM file of CA certificates to trust for this cluster's HTTPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Whether the system's roots are trusted too; off, `ca_file` alone is.
    pub system_roots: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    /// Sent with every request. Values are secrets: an API key often travels this way.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Secret>,
}

impl Default for ConnectAuth {
    fn default() -> Self {
        Self { ca_file: None, system_roots: true, credentials: None, headers: BTreeMap::new() }
    }
}

/// What goes into the `Authorization` header: one scheme per cluster, never both.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Credentials {
    Basic { username: String, password: Secret },
    Bearer { token: Secret },
}

impl Credentials {
    /// What was sent, in words, for messages: never the value.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Basic { .. } => "username and password",
            Self::Bearer { .. } => "token",
        }
    }
}

/// A `[[connect]]` table as written, before its auth keys are checked together. Not flattened:
/// serde's flatten loses the line and key of an error in the keys it buffers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub name: String,
    pub url: HttpUrl,
    #[serde(default)]
    pub auto_restart: Option<AutoRestartConfig>,
    #[serde(default, deserialize_with = "ca_file")]
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub system_roots: Option<bool>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default, deserialize_with = "super::secret::from_env")]
    pub password_env: Option<Secret>,
    #[serde(default, deserialize_with = "super::secret::from_file")]
    pub password_file: Option<Secret>,
    #[serde(default)]
    pub token: Option<Secret>,
    #[serde(default, deserialize_with = "super::secret::from_env")]
    pub token_env: Option<Secret>,
    #[serde(default, deserialize_with = "super::secret::from_file")]
    pub token_file: Option<Secret>,
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
}

impl RawCluster {
    /// The auth keys checked together. Errors name the keys, never a value.
    pub fn check(self) -> Result<ConnectCluster, String> {
        let pick = |file: Option<Secret>, env: Option<Secret>, lit: Option<Secret>, what: &str| {
            let set = [&file, &env, &lit].iter().filter(|s| s.is_some()).count();
            if set > 1 {
                return Err(format!(
                    "set one of `{what}`, `{what}_env` and `{what}_file`, not {set} of them"
                ));
            }
            Ok(file.or(env).or(lit))
        };
        let password = pick(self.password_file, self.password_env, self.password, "password")?;
        let token = pick(self.token_file, self.token_env, self.token, "token")?;
        let credentials = match (self.username, password, token) {
            (_, Some(_), Some(_)) | (Some(_), None, Some(_)) => {
                return Err("both basic auth (`username`, `password`) and a bearer `token` are \
                            set: a cluster takes one or the other"
                    .into());
            }
            (Some(username), Some(password), None) => {
                Some(Credentials::Basic { username, password })
            }
            (Some(_), None, None) => {
                return Err("`username` is set without a password (`password`, `password_env` \
                            or `password_file`)"
                    .into());
            }
            (None, Some(_), None) => {
                return Err("a password is set without `username`".into());
            }
            (None, None, Some(token)) => Some(Credentials::Bearer { token }),
            (None, None, None) => None,
        };
        let system_roots = self.system_roots.unwrap_or(true);
        if !system_roots && self.ca_file.is_none() {
            return Err("`system_roots = false` needs a `ca_file` to trust instead".into());
        }
        for (name, value) in &self.headers {
            check_header(name, value)?;
        }
        let auth =
            ConnectAuth { ca_file: self.ca_file, system_roots, credentials, headers: self.headers };
        Ok(ConnectCluster { name: self.name, url: self.url, auth, auto_restart: self.auto_restart })
    }
}

/// A header name is an HTTP token; a value holds no control characters. Credentials belong in
/// `username`/`password` or `token`, where the 401 hint and the masking know about them.
fn check_header(name: &str, value: &Secret) -> Result<(), String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!("`headers`: `{name}` is not a valid HTTP header name"));
    }
    if name.eq_ignore_ascii_case("authorization") {
        return Err(
            "`headers`: set `Authorization` through `username`/`password` or `token`".into()
        );
    }
    if value.expose().chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("`headers`: the value of `{name}` holds a control character"));
    }
    Ok(())
}

/// `ca_file = "PATH"`: read when the config is, so a wrong path fails at its line and not at
/// the first request.
fn ca_file<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let path = PathBuf::deserialize(d)?;
    check_ca_file(&path).map_err(serde::de::Error::custom)?;
    Ok(Some(path))
}

fn check_ca_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!("the CA file {} holds no PEM certificate", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, parse};

    const HEAD: &str = "[[connect]]\nname = \"secure\"\nurl = \"https://localhost:8443\"\n";

    fn read(body: &str) -> Result<Config, String> {
        parse(&format!("{HEAD}{body}"), Path::new("c.toml")).map_err(|e| e.to_string())
    }

    fn auth(body: &str) -> ConnectAuth {
        read(body).expect("valid").connect[0].auth.clone()
    }

    #[test]
    fn basic_auth_reads_from_the_file_an_env_var_or_a_secret_file() {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "from-file\n").unwrap();
        let basic = |body: &str| match auth(&format!("username = \"cdc\"\n{body}")).credentials {
            Some(Credentials::Basic { username, password }) => (username, password),
            other => panic!("not basic auth: {other:?}"),
        };
        assert_eq!(basic("password = \"lit\"\n").1.expose(), "lit");
        assert_eq!(basic(&format!("password_file = {pw:?}\n")).1.expose(), "from-file");
        // PATH is set wherever tests run; its value stands in for a secret.
        let path = std::env::var("PATH").expect("PATH");
        let (user, from_env) = basic("password_env = \"PATH\"\n");
        assert_eq!((user.as_str(), from_env.expose()), ("cdc", path.as_str()));
        let token = auth(&format!("token_file = {pw:?}\n")).credentials;
        assert_eq!(token, Some(Credentials::Bearer { token: Secret::new("from-file") }));
        assert_eq!(auth("").credentials, None);
        assert!(auth("").system_roots);
    }

    #[test]
    fn secrets_and_header_values_never_show_in_debug_display_or_json() {
        let body = "username = \"cdc\"\npassword = \"pw-9f3\"\nheaders = { \"X-Api-Key\" = \"key-7c1\" }\n";
        let config = read(body).expect("valid");
        let cluster = &config.connect[0];
        let json = serde_json::to_string(&config).unwrap();
        let debug = format!("{config:?}");
        for shown in [&json, &debug] {
            assert!(!shown.contains("pw-9f3") && !shown.contains("key-7c1"), "{shown}");
        }
        assert!(json.contains(r#""username":"cdc","password":"****""#), "{json}");
        assert!(json.contains(r#""headers":{"X-Api-Key":"****"}"#), "{json}");
        assert_eq!(cluster.auth.headers["X-Api-Key"].to_string(), "****");
        assert_eq!(cluster.auth.headers["X-Api-Key"].expose(), "key-7c1");
    }

    #[test]
    fn conflicting_or_incomplete_credentials_name_file_line_and_key() {
        let e = read("username = \"u\"\npassword = \"p\"\ntoken = \"t\"\n").unwrap_err();
        assert!(e.starts_with("c.toml:1:1: key `connect[0]`: both basic auth"), "{e}");
        let e = read("username = \"u\"\n").unwrap_err();
        assert!(e.contains("`username` is set without a password"), "{e}");
        let e = read("password = \"p\"\n").unwrap_err();
        assert!(e.contains("a password is set without `username`") && !e.contains("\"p\""), "{e}");
        let e = read("username = \"u\"\npassword = \"p\"\npassword_env = \"PATH\"\n").unwrap_err();
        assert!(e.contains("set one of `password`, `password_env` and `password_file`"), "{e}");
        let e = read("system_roots = false\n").unwrap_err();
        assert!(e.contains("needs a `ca_file`"), "{e}");
        let e = read("headers = { Authorization = \"Basic eA==\" }\n").unwrap_err();
        assert!(e.contains("through `username`/`password` or `token`"), "{e}");
        assert!(!e.contains("eA=="), "{e}");
        let e = read("headers = { \"bad name\" = \"v\" }\n").unwrap_err();
        assert!(e.contains("`bad name` is not a valid HTTP header name"), "{e}");
    }

    #[test]
    fn a_missing_or_empty_ca_file_fails_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.crt");
        let e = read(&format!("ca_file = {missing:?}\n")).unwrap_err();
        assert!(e.starts_with("c.toml:4:11: key `connect[0].ca_file`: cannot read the CA"), "{e}");
        let empty = dir.path().join("empty.crt");
        std::fs::write(&empty, "").unwrap();
        let e = read(&format!("ca_file = {empty:?}\n")).unwrap_err();
        assert!(e.contains("holds no PEM certificate"), "{e}");
    }

    #[test]
    fn a_url_with_credentials_is_refused_without_echoing_them() {
        let text = "[[connect]]\nname = \"s\"\nurl = \"https://admin:hunter2@h:8443\"\n";
        let e = parse(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.starts_with("c.toml:3:7: key `connect[0].url`"), "{e}");
        assert!(e.contains("holds credentials") && e.contains("`https://****@…`"), "{e}");
        assert!(!e.contains("hunter2") && !e.contains("admin"), "{e}");
        let e = crate::config::HttpUrl::parse("ftp://admin:hunter2@h").unwrap_err();
        assert!(!e.contains("hunter2") && e.contains("ftp://****@h"), "{e}");
    }
}

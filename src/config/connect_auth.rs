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

/// The auth keys of a `[[connect]]` table as written, before they are checked together.
#[derive(Debug, Default, Deserialize)]
pub struct RawAuth {
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

impl RawAuth {
    /// The keys checked together. Errors name the keys, never a value.
    pub fn check(self) -> Result<ConnectAuth, String> {
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
        Ok(ConnectAuth { ca_file: self.ca_file, system_roots, credentials, headers: self.headers })
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

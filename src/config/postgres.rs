//! A PostgreSQL server the console connects to: where it is, who connects, the password (a
//! [`Secret`]) and TLS as libpq's `sslmode`, `sslrootcert`, `sslcert` and `sslkey` say it, so a
//! managed PostgreSQL's connection settings carry over unchanged.
//!
//! The TLS files are read when the config is, so a missing or wrong file is an error naming
//! the config file, line and key rather than a failed connection later.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use super::secret::{self, Secret};

/// libpq's `sslmode`, less `allow` (plain first, TLS only when refused: nobody wants it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    #[default]
    Prefer,
    /// TLS or nothing; the certificate is not checked (unless `sslrootcert` is set, as libpq).
    Require,
    /// TLS, and the server's certificate must chain to a trusted CA; its name is not checked.
    VerifyCa,
    /// TLS, a trusted certificate, and it must name the host connected to.
    VerifyFull,
}

impl SslMode {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            "verify-ca" => Ok(Self::VerifyCa),
            "verify-full" => Ok(Self::VerifyFull),
            _ => Err(format!(
                "`{s}` is not an sslmode: disable, prefer, require, verify-ca or verify-full"
            )),
        }
    }

    pub fn is_prefer(&self) -> bool {
        *self == Self::Prefer
    }
}

/// A PostgreSQL server. The password is written in the file, or read from `password_env` (an
/// environment variable) or `password_file` (a mounted secret); it is kept out of every Display
/// and JSON output.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawEndpoint")]
pub struct PostgresEndpoint {
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub user: String,
    #[serde(skip_serializing)]
    pub password: Option<Secret>,
    #[serde(skip_serializing)]
    pub password_env: Option<Secret>,
    #[serde(skip_serializing)]
    pub password_file: Option<Secret>,
    #[serde(skip_serializing_if = "SslMode::is_prefer")]
    pub sslmode: SslMode,
    /// PEM CA certificates the server's must chain to; without it, verify-* trust the system's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sslrootcert: Option<PathBuf>,
    /// A PEM client certificate (chain), for servers that ask for one; needs `sslkey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sslcert: Option<PathBuf>,
    /// The PEM private key of `sslcert`, unencrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sslkey: Option<PathBuf>,
}

/// What the file holds, checked as a whole into a [`PostgresEndpoint`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoint {
    host: String,
    port: u16,
    dbname: String,
    user: String,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default, deserialize_with = "secret::from_env")]
    password_env: Option<Secret>,
    #[serde(default, deserialize_with = "secret::from_file")]
    password_file: Option<Secret>,
    #[serde(default)]
    sslmode: SslMode,
    #[serde(default, deserialize_with = "certificates")]
    sslrootcert: Option<PathBuf>,
    #[serde(default, deserialize_with = "certificates")]
    sslcert: Option<PathBuf>,
    #[serde(default, deserialize_with = "private_key")]
    sslkey: Option<PathBuf>,
}

impl TryFrom<RawEndpoint> for PostgresEndpoint {
    type Error = String;

    fn try_from(r: RawEndpoint) -> Result<Self, String> {
        let ep = Self {
            host: r.host,
            port: r.port,
            dbname: r.dbname,
            user: r.user,
            password: r.password,
            password_env: r.password_env,
            password_file: r.password_file,
            sslmode: r.sslmode,
            sslrootcert: r.sslrootcert,
            sslcert: r.sslcert,
            sslkey: r.sslkey,
        };
        ep.check_client_certificate()?;
        Ok(ep)
    }
}

impl PostgresEndpoint {
    pub(super) fn local(port: u16, dbname: &str) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port,
            dbname: dbname.into(),
            user: "postgres".into(),
            password: Some(Secret::new("postgres")),
            password_env: None,
            password_file: None,
            sslmode: SslMode::Prefer,
            sslrootcert: None,
            sslcert: None,
            sslkey: None,
        }
    }

    /// The password to send: the file's, else the environment variable's, else the one
    /// written in the config.
    pub fn secret(&self) -> Option<&Secret> {
        self.password_file.as_ref().or(self.password_env.as_ref()).or(self.password.as_ref())
    }

    /// A client certificate goes with its key: one without the other is a mistake, not a
    /// choice.
    pub fn check_client_certificate(&self) -> Result<(), String> {
        match (&self.sslcert, &self.sslkey) {
            (Some(_), None) => Err("sslcert is set without sslkey (the certificate's key)".into()),
            (None, Some(_)) => Err("sslkey is set without sslcert (the key's certificate)".into()),
            _ => Ok(()),
        }
    }

    /// Connection settings for tokio-postgres, with the connect timeout applied. Its SslMode
    /// knows no verify-*: they are `require` with a verifying connector (see `crate::pg::tls`).
    pub fn pg_config(&self, connect_timeout: Duration) -> tokio_postgres::Config {
        use tokio_postgres::config::SslMode as Wire;
        let mut c = tokio_postgres::Config::new();
        c.host(&self.host)
            .port(self.port)
            .dbname(&self.dbname)
            .user(&self.user)
            .application_name("cdc-console")
            .connect_timeout(connect_timeout)
            .ssl_mode(match self.sslmode {
                SslMode::Disable => Wire::Disable,
                SslMode::Prefer => Wire::Prefer,
                SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Wire::Require,
            });
        if let Some(p) = self.secret() {
            c.password(p.expose());
        }
        c
    }
}

/// `user@host:port/db`, never the password.
impl std::fmt::Display for PostgresEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}:{}/{}", self.user, self.host, self.port, self.dbname)
    }
}

impl std::fmt::Debug for PostgresEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgresEndpoint({self}, sslmode {:?})", self.sslmode)
    }
}

/// A file of PEM certificates (at least one), read now.
pub fn read_certificates(path: &Path) -> Result<(), String> {
    let pem = read(path)?;
    match openssl::x509::X509::stack_from_pem(&pem) {
        Ok(certs) if !certs.is_empty() => Ok(()),
        _ => Err(format!("{} holds no PEM certificate", path.display())),
    }
}

/// A file holding an unencrypted PEM private key, read now. The error never quotes the file.
pub fn read_private_key(path: &Path) -> Result<(), String> {
    let pem = read(path)?;
    openssl::pkey::PKey::private_key_from_pem(&pem)
        .map(|_| ())
        .map_err(|_| format!("{} holds no unencrypted PEM private key", path.display()))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn certificates<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let path = PathBuf::deserialize(d)?;
    read_certificates(&path).map_err(serde::de::Error::custom)?;
    Ok(Some(path))
}

fn private_key<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let path = PathBuf::deserialize(d)?;
    read_private_key(&path).map_err(serde::de::Error::custom)?;
    Ok(Some(path))
}

#[cfg(test)]
#[path = "postgres_tests.rs"]
mod tests;

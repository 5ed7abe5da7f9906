//! TLS on PostgreSQL connections as libpq's sslmode describes it. tokio-postgres's own SslMode
//! knows only disable, prefer and require; what verify-ca and verify-full add (a trusted chain;
//! the host's name in the certificate) is the connector's job, so every connection goes through
//! [`Tls`], which builds an OpenSSL connector from the endpoint's settings.

use std::path::{Path, PathBuf};

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::{MakeTlsConnector, TlsConnector, TlsStream};
use tokio_postgres::Socket;
use tokio_postgres::tls::MakeTlsConnect;

use crate::config::{PostgresEndpoint, SslMode};

/// A connection made through [`Tls`], encrypted or not as the server and sslmode agreed.
pub type Connection = tokio_postgres::Connection<Socket, TlsStream<Socket>>;

/// The TLS files could not be used (they were checked when the config was read, so they
/// changed since).
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("{}: {reason}", file.display())]
    File { file: PathBuf, reason: String },
    #[error("setting up TLS: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

/// What one endpoint asks of TLS.
#[derive(Debug, Clone)]
pub struct Tls {
    mode: SslMode,
    rootcert: Option<PathBuf>,
    client: Option<(PathBuf, PathBuf)>,
}

impl Tls {
    pub fn of(ep: &PostgresEndpoint) -> Self {
        Self {
            mode: ep.sslmode,
            rootcert: ep.sslrootcert.clone(),
            client: ep.sslcert.clone().zip(ep.sslkey.clone()),
        }
    }

    /// Whether the server's chain is checked: verify-*, and require with a root certificate
    /// (as libpq does); prefer and plain require only encrypt.
    fn verifies_chain(&self) -> bool {
        match self.mode {
            SslMode::Disable | SslMode::Prefer => false,
            SslMode::Require => self.rootcert.is_some(),
            SslMode::VerifyCa | SslMode::VerifyFull => true,
        }
    }

    fn connector(&self) -> Result<MakeTlsConnector, TlsSetupError> {
        let mut b = SslConnector::builder(SslMethod::tls_client())?;
        if self.mode == SslMode::Disable {
            // Never used: tokio-postgres asks for a connector before it knows it needs none.
            return Ok(MakeTlsConnector::new(b.build()));
        }
        if let Some(ca) = &self.rootcert {
            // Only these CAs, not the system's too, as libpq's sslrootcert.
            let mut store = X509StoreBuilder::new()?;
            for cert in X509::stack_from_pem(&read(ca)?)? {
                store.add_cert(cert)?;
            }
            b.set_cert_store(store.build());
        } else {
            // The system's roots: OpenSSL is built from source (vendored), and its own default
            // directory is not where Debian or Red Hat keep them.
            let probe = openssl_probe::probe();
            if let Some(file) = &probe.cert_file {
                b.set_ca_file(file)?;
            }
        }
        if !self.verifies_chain() {
            b.set_verify(SslVerifyMode::NONE);
        }
        if let Some((cert, key)) = &self.client {
            b.set_certificate_chain_file(cert).map_err(|e| file_error(cert, &e))?;
            b.set_private_key_file(key, SslFiletype::PEM).map_err(|e| file_error(key, &e))?;
            b.check_private_key().map_err(|_| TlsSetupError::File {
                file: key.clone(),
                reason: format!("is not the key of {}", cert.display()),
            })?;
        }
        let mut make = MakeTlsConnector::new(b.build());
        if self.mode != SslMode::VerifyFull {
            make.set_callback(|c, _| {
                c.set_verify_hostname(false);
                Ok(())
            });
        }
        Ok(make)
    }
}

impl MakeTlsConnect<Socket> for Tls {
    type Stream = TlsStream<Socket>;
    type TlsConnect = TlsConnector;
    type Error = TlsSetupError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<TlsConnector, TlsSetupError> {
        let mut make = self.connector()?;
        Ok(MakeTlsConnect::<Socket>::make_tls_connect(&mut make, domain)?)
    }
}

fn read(file: &Path) -> Result<Vec<u8>, TlsSetupError> {
    std::fs::read(file)
        .map_err(|e| TlsSetupError::File { file: file.to_path_buf(), reason: e.to_string() })
}

fn file_error(file: &Path, e: &openssl::error::ErrorStack) -> TlsSetupError {
    TlsSetupError::File { file: file.to_path_buf(), reason: e.to_string() }
}

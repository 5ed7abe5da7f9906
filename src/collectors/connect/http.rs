//! The one place an HTTP client for a Connect cluster is made, so the collector, the actions, the
//! CLI and the auto-restart all speak to a cluster the same way: its CA trusted, its credentials
//! and extra headers on every request, each header marked sensitive (hyper then keeps it out of
//! its own debug output and out of HTTP/2 header compression tables).

use std::time::Duration;

use base64::Engine;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Certificate, Client};

use super::ConnectError;
use crate::config::{ConnectCluster, Credentials, secret::Secret};

/// A client for `cluster`, bounded by `timeout`. Errors name the cluster and the setting at fault,
/// never a credential.
pub(super) fn client(cluster: &ConnectCluster, timeout: Duration) -> Result<Client, ConnectError> {
    let setup = |message: String| ConnectError::Setup { cluster: cluster.name.clone(), message };
    let mut builder = Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .default_headers(headers(cluster).map_err(setup)?);
    if let Some(path) = &cluster.auth.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| setup(format!("cannot read ca_file {}: {e}", path.display())))?;
        let certs = Certificate::from_pem_bundle(&pem)
            .map_err(|e| setup(format!("ca_file {}: not PEM certificates: {e}", path.display())))?;
        builder = if cluster.auth.system_roots {
            builder.tls_certs_merge(certs)
        } else {
            builder.tls_certs_only(certs)
        };
    }
    builder.build().map_err(|e| setup(format!("cannot make its HTTP client: {e}")))
}

/// `Authorization` from the credentials, then the extra headers; every value sensitive.
fn headers(cluster: &ConnectCluster) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    match &cluster.auth.credentials {
        Some(Credentials::Basic { username, password }) => {
            let pair = format!("{username}:{}", password.expose());
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            map.insert(AUTHORIZATION, sensitive(&format!("Basic {encoded}"), "username/password")?);
        }
        Some(Credentials::Bearer { token }) => {
            map.insert(AUTHORIZATION, sensitive(&format!("Bearer {}", token.expose()), "token")?);
        }
        None => {}
    }
    for (name, value) in &cluster.auth.headers {
        let key = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid HTTP header name"))?;
        map.insert(key, header_value(value, name)?);
    }
    Ok(map)
}

fn header_value(value: &Secret, name: &str) -> Result<HeaderValue, String> {
    sensitive(value.expose(), &format!("header `{name}`"))
}

/// A header value marked sensitive. The error names `what`, never the value.
fn sensitive(value: &str, what: &str) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| format!("the {what} holds characters an HTTP header cannot carry"))?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::ConnectAuth;

    fn cluster(credentials: Option<Credentials>, headers: &[(&str, &str)]) -> ConnectCluster {
        let headers: BTreeMap<_, _> =
            headers.iter().map(|(k, v)| ((*k).to_string(), Secret::new(*v))).collect();
        ConnectCluster {
            name: "secure".into(),
            auth: ConnectAuth { credentials, headers, ..ConnectAuth::default() },
            ..ConnectCluster::default()
        }
    }

    #[test]
    fn basic_auth_and_extra_headers_are_sent_sensitive_and_debug_hides_them() {
        let basic = Credentials::Basic { username: "cdc".into(), password: Secret::new("s3cret") };
        let map = headers(&cluster(Some(basic), &[("X-Api-Key", "k-42")])).unwrap();
        let auth = map.get(AUTHORIZATION).expect("Authorization");
        // base64("cdc:s3cret")
        assert_eq!(auth.to_str().unwrap(), "Basic Y2RjOnMzY3JldA==");
        assert!(auth.is_sensitive() && map["x-api-key"].is_sensitive());
        let shown = format!("{map:?}");
        assert!(!shown.contains("Y2RjOnMzY3JldA") && !shown.contains("k-42"), "{shown}");
    }

    #[test]
    fn a_bearer_token_goes_into_authorization() {
        let bearer = Credentials::Bearer { token: Secret::new("t0ken") };
        let map = headers(&cluster(Some(bearer), &[])).unwrap();
        assert_eq!(map[AUTHORIZATION].to_str().unwrap(), "Bearer t0ken");
        assert!(headers(&cluster(None, &[])).unwrap().is_empty());
    }

    #[test]
    fn a_value_a_header_cannot_carry_is_refused_without_being_shown() {
        let bad = Credentials::Bearer { token: Secret::new("line\nbreak") };
        let e = client(&cluster(Some(bad), &[]), Duration::from_secs(1)).unwrap_err().to_string();
        assert!(e.starts_with("Connect cluster `secure`: the token holds characters"), "{e}");
        assert!(!e.contains("line") && !e.contains("break"), "{e}");
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.crt");
        std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
            .unwrap();
        let mut c = cluster(None, &[]);
        c.auth.ca_file = Some(ca);
        let e = client(&c, Duration::from_secs(1)).unwrap_err().to_string();
        assert!(e.contains("ca_file") && e.contains("ca.crt"), "{e}");
    }
}

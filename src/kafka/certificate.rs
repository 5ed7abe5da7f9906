//! Which certificate check failed. librdkafka words an untrusted CA and a certificate for another
//! host alike ("certificate verify failed: … verify that ssl.ca.location is correctly
//! configured"), and advises only the CA; the fixes differ (`kafka.tls.ca_file` against
//! `kafka.brokers`). So, after such a failure, the console makes one TLS handshake of its own to
//! that broker with the same trust and says which it was. Only the handshake: no SASL, no Kafka
//! request, nothing secret is sent.

use std::collections::HashMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use openssl::nid::Nid;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509VerifyResult;

use crate::config::KafkaConfig;

/// The handshake's bound: the answer must come within the request timeout around it.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// A verdict is kept this long per broker, so that a failing client polled every refresh does
/// not probe every time.
const KEPT: Duration = Duration::from_secs(60);

/// The trust the console's Kafka clients use, as the probe needs it.
#[derive(Clone, PartialEq)]
struct Trust {
    ca_file: Option<PathBuf>,
    verify_hostname: bool,
}

static TRUST: RwLock<Option<Trust>> = RwLock::new(None);
static VERDICTS: Mutex<Option<HashMap<String, (Instant, String)>>> = Mutex::new(None);

/// Called where the clients' settings are made: the probe uses the same trust.
pub fn remember(kafka: &KafkaConfig) {
    let trust = kafka.security_protocol.uses_tls().then(|| Trust {
        ca_file: kafka.tls.as_ref().and_then(|t| t.ca_file.clone()),
        verify_hostname: kafka.tls.as_ref().is_none_or(|t| t.verify_hostname),
    });
    let mut t = TRUST.write().unwrap_or_else(PoisonError::into_inner);
    if *t != trust {
        *t = trust;
        *VERDICTS.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// What failed in the certificate check of the broker at `addr` (`host:port`), in words that
/// name the setting to change; `None` when it cannot be told (no TLS configured, the broker
/// unreachable now, or the check passes).
pub fn diagnose(addr: &str) -> Option<String> {
    let trust = TRUST.read().unwrap_or_else(PoisonError::into_inner).clone()?;
    let mut verdicts = VERDICTS.lock().unwrap_or_else(PoisonError::into_inner);
    let kept = verdicts.get_or_insert_with(HashMap::new);
    if let Some((at, verdict)) = kept.get(addr)
        && at.elapsed() < KEPT
    {
        return Some(verdict.clone());
    }
    let verdict = probe(addr, &trust)?;
    kept.insert(addr.to_string(), (Instant::now(), verdict.clone()));
    Some(verdict)
}

fn probe(addr: &str, trust: &Trust) -> Option<String> {
    let (host, _) = addr.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let sock = addr.to_socket_addrs().ok()?.next()?;
    let tcp = TcpStream::connect_timeout(&sock, PROBE_TIMEOUT).ok()?;
    tcp.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
    tcp.set_write_timeout(Some(PROBE_TIMEOUT)).ok()?;
    let mut b = SslConnector::builder(SslMethod::tls_client()).ok()?;
    match &trust.ca_file {
        Some(ca) => b.set_ca_file(ca).ok()?,
        None => {
            if let Some(file) = openssl_probe::probe().cert_file {
                b.set_ca_file(file).ok()?;
            }
        }
    }
    // The chain is judged below, from the verify result: the handshake itself must complete
    // to show the certificate.
    b.set_verify(SslVerifyMode::NONE);
    let mut config = b.build().configure().ok()?;
    config.set_verify_hostname(false);
    let stream = config.connect(host, tcp).ok()?;
    let ssl = stream.ssl();
    let chain = ssl.verify_result();
    if chain != X509VerifyResult::OK {
        return Some(format!(
            "the broker's certificate is not trusted: {} (kafka.tls.ca_file: the CA that \
             signed the brokers' certificates)",
            chain.error_string()
        ));
    }
    let cert = ssl.peer_certificate()?;
    let mut names: Vec<String> = cert
        .subject_alt_names()
        .map(|sans| {
            sans.iter()
                .filter_map(|n| {
                    n.dnsname().map(str::to_string).or_else(|| n.ipaddress().map(ip_text))
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names = cert
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .filter_map(|e| e.data().to_string().ok())
            .collect();
    }
    let named = names.iter().any(|n| names_host(n, host));
    (trust.verify_hostname && !named).then(|| {
        format!(
            "host name mismatch: the broker's certificate names {}, not `{host}` (kafka.brokers: \
             connect by a name the certificate holds)",
            names.join(", ")
        )
    })
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string(),
        16 => <[u8; 16]>::try_from(bytes)
            .map_or_else(|_| String::new(), |b| std::net::Ipv6Addr::from(b).to_string()),
        _ => String::new(),
    }
}

/// Whether a certificate name covers `host`: equal, or a wildcard of its first label.
fn names_host(name: &str, host: &str) -> bool {
    if name.eq_ignore_ascii_case(host) {
        return true;
    }
    name.strip_prefix("*.").is_some_and(|domain| {
        host.split_once('.').is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(domain))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_covers_one_label() {
        assert!(names_host("localhost", "LOCALHOST"));
        assert!(names_host("*.kafka.example.com", "b-1.kafka.example.com"));
        assert!(!names_host("*.kafka.example.com", "a.b-1.kafka.example.com"));
        assert!(!names_host("localhost", "127.0.0.1"));
    }
}

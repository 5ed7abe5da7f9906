//! What a refusal (401, 403) or a failed TLS handshake means for the user, in words that say
//! which setting of the cluster's `[[connect]]` table to change. A bare "401" or "invalid peer
//! certificate: UnknownIssuer" sends people searching; the console knows whether it sent
//! credentials and which CA it trusted, so it can say what to do.

use super::ConnectError;

/// The cause of a 401 or 403, after "Connect cluster `x` at URL ".
pub(super) fn refusal(status: u16, request: &str, sent: Option<&str>) -> String {
    let hint = match (status, sent) {
        (401, None) => {
            "set username and password (or token) for this cluster in [[connect]]".to_string()
        }
        (401, Some(what)) => format!(
            "the {what} configured for this cluster in [[connect]] did not authenticate: check \
             them, and which scheme the cluster takes (basic auth or a bearer token)"
        ),
        (_, Some(what)) => {
            format!("the {what} configured for this cluster in [[connect]] do not permit {request}")
        }
        (_, None) => format!(
            "{request} needs credentials with that permission: set username and password \
             (or token) for this cluster in [[connect]]"
        ),
    };
    format!("refused the request ({request}): {status} {} — {hint}", super::rest::reason(status))
}

/// A request without an answer: a TLS failure named as such, anything else unreachable with
/// its innermost cause ("Connection refused (os error 111)").
pub(super) fn failure(cluster: &str, endpoint: &str, e: &reqwest::Error) -> ConnectError {
    let chain = chain(e);
    match tls_failure(&chain) {
        Some(reason) => ConnectError::Tls {
            cluster: cluster.to_string(),
            endpoint: endpoint.to_string(),
            reason,
        },
        None => ConnectError::Unreachable {
            endpoint: endpoint.to_string(),
            reason: chain.last().cloned().unwrap_or_default(),
        },
    }
}

/// When the innermost cause of a failed request is a TLS failure: what went wrong, in words,
/// with the library's own message in parentheses.
pub(super) fn tls_failure(chain: &[String]) -> Option<String> {
    let tls = chain.iter().find(|m| is_tls(m))?;
    let hint = if tls.contains("UnknownIssuer") || tls.contains("unknown issuer") {
        "the server's certificate is not signed by a CA trusted for this cluster: set ca_file \
         to the CA that signed it"
    } else if tls.contains("not valid for name") || tls.contains("NotValidForName") {
        "the server's certificate does not name the host of this cluster's url: use a host name \
         the certificate was issued for"
    } else if tls.contains("Expired") || tls.contains("expired") {
        "the server's certificate has expired"
    } else if tls.contains("InvalidContentType") || tls.contains("corrupt message") {
        "the server does not speak TLS on this port: is the url http:// rather than https://?"
    } else {
        "the TLS handshake failed"
    };
    Some(format!("TLS failure: {hint} ({tls})"))
}

fn is_tls(message: &str) -> bool {
    ["invalid peer certificate", "InvalidCertificate", "received corrupt message", "tls handshake"]
        .iter()
        .any(|m| message.contains(m))
}

/// The messages of an error and of each of its causes, outermost first.
fn chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cur = e;
    while let Some(next) = cur.source() {
        out.push(next.to_string());
        cur = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_says_to_set_or_check_the_credentials_and_a_403_names_the_request() {
        let none = refusal(401, "GET /connectors", None);
        assert_eq!(
            none,
            "refused the request (GET /connectors): 401 Unauthorized — set username and \
             password (or token) for this cluster in [[connect]]"
        );
        let basic = refusal(401, "GET /connectors", Some("username and password"));
        assert!(basic.contains("the username and password configured for this cluster"), "{basic}");
        let forbidden = refusal(403, "DELETE /connectors/x", Some("token"));
        assert!(forbidden.contains("403 Forbidden — the token configured"), "{forbidden}");
        assert!(forbidden.ends_with("do not permit DELETE /connectors/x"), "{forbidden}");
    }

    #[test]
    fn tls_failures_are_named_by_their_cause() {
        let chain = |m: &str| vec!["error sending request".to_string(), m.to_string()];
        let unknown = tls_failure(&chain("invalid peer certificate: UnknownIssuer")).unwrap();
        assert!(unknown.starts_with("TLS failure: the server's certificate is not signed by a CA"));
        let name = "invalid peer certificate: certificate not valid for name \"127.0.0.1\"";
        assert!(tls_failure(&chain(name)).unwrap().contains("does not name the host"));
        assert_eq!(tls_failure(&chain("Connection refused (os error 111)")), None);
    }
}

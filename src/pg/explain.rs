//! What to do about a connection the server refused or TLS failed: PostgreSQL and OpenSSL say
//! what went wrong, not which setting fixes it, and TLS failures are the ones users meet first
//! when they point the console at a managed PostgreSQL.

/// The cause in plain words and the setting that fixes it, when the error is one of the
/// connection's TLS or host-based-authentication failures.
pub fn hint(e: &tokio_postgres::Error) -> Option<&'static str> {
    match e.as_db_error() {
        Some(db)
            if db.code()
                == &tokio_postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            refused(db.message())
        }
        Some(_) => None,
        None => tls_failure(&chain(e)),
    }
}

/// pg_hba.conf's verdicts: the line that matched (or none) wants the other kind of transport,
/// or a client certificate.
fn refused(message: &str) -> Option<&'static str> {
    let by_hba =
        message.contains("no pg_hba.conf entry") || message.contains("pg_hba.conf rejects");
    if by_hba && message.ends_with("no encryption") {
        Some("the server accepts this role only over TLS: set sslmode = require or verify-full")
    } else if by_hba && message.ends_with("SSL encryption") {
        Some("the server refuses this role over TLS: set sslmode = disable")
    } else if message.contains("requires a valid client certificate") {
        Some("the server wants a client certificate for this role: set sslcert and sslkey")
    } else if message.contains("certificate authentication failed") {
        Some("the client certificate's CN (sslcert) does not name this role")
    } else {
        None
    }
}

/// OpenSSL's and tokio-postgres's words for a handshake that failed, and why.
fn tls_failure(text: &str) -> Option<&'static str> {
    const UNKNOWN_CA: &[&str] = &[
        "unable to get local issuer certificate",
        "self-signed certificate in certificate chain",
        "self signed certificate in certificate chain",
        "unable to verify the first certificate",
        "self-signed certificate",
        "self signed certificate",
    ];
    if text.contains("hostname mismatch") || text.contains("IP address mismatch") {
        Some(
            "host name mismatch: the server's certificate does not name the host connected to; \
             connect by a name the certificate holds, or set sslmode = verify-ca",
        )
    } else if UNKNOWN_CA.iter().any(|w| text.contains(w)) {
        Some(
            "certificate verify failed, unknown CA: the server's certificate is not signed by a \
             CA in sslrootcert (or, without it, in the system's trust store)",
        )
    } else if text.contains("certificate verify failed") {
        Some("certificate verify failed: the server's certificate was not accepted")
    } else if text.contains("alert unknown ca") || text.contains("alert bad certificate") {
        Some("the server does not accept the client certificate (sslcert): unknown to its CA")
    } else if text.contains("server does not support TLS") {
        Some("the server does not offer TLS: set sslmode = prefer or disable, or enable its ssl")
    } else {
        None
    }
}

/// The error and every cause under it, in one line.
fn chain(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cur = next;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hba_refusals_name_the_setting_that_fixes_them() {
        let plain = "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"cdc_tls\", \
                     database \"source\", no encryption";
        assert!(refused(plain).is_some_and(|h| h.contains("only over TLS")));
        let none = "no pg_hba.conf entry for host \"10.0.0.1\", user \"u\", database \"d\", \
                    no encryption";
        assert!(refused(none).is_some_and(|h| h.contains("sslmode = require or verify-full")));
        let tls = "no pg_hba.conf entry for host \"10.0.0.1\", user \"u\", database \"d\", \
                   SSL encryption";
        assert!(refused(tls).is_some_and(|h| h.contains("sslmode = disable")));
        assert_eq!(refused("password authentication failed for user \"u\""), None);
    }

    #[test]
    fn handshake_failures_are_named() {
        let verify = "error performing TLS handshake: error:0A000086:SSL routines:\
                      tls_post_process_server_certificate:certificate verify failed";
        let mismatch = format!("{verify}:../ssl/statem/statem_clnt.c:1889:: hostname mismatch");
        assert!(tls_failure(&mismatch).is_some_and(|h| h.starts_with("host name mismatch")));
        let unknown = format!("{verify}: unable to get local issuer certificate");
        assert!(tls_failure(&unknown).is_some_and(|h| h.contains("unknown CA")));
        let expired = format!("{verify}: certificate has expired");
        assert!(tls_failure(&expired).is_some_and(|h| h.starts_with("certificate verify failed")));
        assert_eq!(tls_failure("error connecting to server: Connection refused"), None);
    }
}

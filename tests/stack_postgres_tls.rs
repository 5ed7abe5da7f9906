//! PostgreSQL over TLS against the local stack, whose clusters run with `ssl = on` and the
//! certificates of compose/local/lib/tls.sh (server certificate for `localhost` only), and whose
//! pg_hba.conf (compose/sql/pg_hba.conf) lets `cdc_tls` in only over TLS and `cdc_cert` only
//! with the stack's client certificate. Each case is one the console meets on a managed
//! PostgreSQL: verify-full working, and the refusals a user must understand from the message.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use cdc_console::config::{PostgresEndpoint, SslMode, secret::Secret};

/// cdc_tls's password (compose/sql/*.sql): it must never appear in what the console prints.
const PASSWORD: &str = "tls-only-pw";

fn tls_file(name: &str) -> PathBuf {
    let file = common::repo_root().join(".stack/tls").join(name);
    assert!(file.exists(), "{} is missing: bring the stack up (lib/tls.sh)", file.display());
    file
}

/// The source as `cdc_tls` at `host` with `mode` and the stack's CA.
fn source_as_cdc_tls(host: &str, mode: SslMode) -> PostgresEndpoint {
    let mut ep = common::config().source;
    ep.host = host.into();
    ep.user = "cdc_tls".into();
    ep.password = Some(Secret::new(PASSWORD));
    ep.sslmode = mode;
    ep.sslrootcert = Some(tls_file("ca.crt"));
    ep
}

/// Connects and answers (current user, whether the session is encrypted), or the console's
/// message for the failure.
async fn who(ep: &PostgresEndpoint) -> Result<(String, bool), String> {
    let (client, conn) = cdc_console::pg::connect(ep, Duration::from_secs(5))
        .await
        .map_err(|e| cdc_console::pg::message(&e))?;
    tokio::spawn(conn);
    let row = client
        .query_one(
            "SELECT current_user::text, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| cdc_console::pg::message(&e))?;
    Ok((row.get(0), row.get(1)))
}

fn refused(result: Result<(String, bool), String>) -> String {
    let message = result.expect_err("the connection must be refused");
    assert!(!message.contains(PASSWORD), "the password leaked: {message}");
    message
}

#[tokio::test]
async fn verify_full_to_the_certificates_host_connects_source_and_sink_encrypted() {
    common::require_databases();
    let source = source_as_cdc_tls("localhost", SslMode::VerifyFull);
    assert_eq!(who(&source).await, Ok(("cdc_tls".to_string(), true)));
    let mut sink = common::config().sink;
    (sink.host, sink.user, sink.sslmode) = ("localhost".into(), "cdc_tls".into(), source.sslmode);
    (sink.password, sink.sslrootcert) = (source.password.clone(), source.sslrootcert.clone());
    assert_eq!(who(&sink).await, Ok(("cdc_tls".to_string(), true)));
}

#[tokio::test]
async fn a_plain_connection_of_a_tls_only_role_is_refused_with_the_fix() {
    common::require_databases();
    let message = refused(who(&source_as_cdc_tls("127.0.0.1", SslMode::Disable)).await);
    assert!(message.contains("pg_hba.conf rejects connection"), "{message}");
    assert!(message.contains("no encryption"), "{message}");
    assert!(
        message.contains("accepts this role only over TLS: set sslmode = require or verify-full"),
        "{message}"
    );
}

#[tokio::test]
async fn verify_full_to_an_address_the_certificate_does_not_name_is_a_host_name_mismatch() {
    common::require_databases();
    let message = refused(who(&source_as_cdc_tls("127.0.0.1", SslMode::VerifyFull)).await);
    assert!(message.contains("host name mismatch"), "{message}");
    assert!(message.contains("sslmode = verify-ca"), "{message}");
}

#[tokio::test]
async fn a_server_certificate_from_an_unknown_ca_is_named() {
    common::require_databases();
    let mut ep = source_as_cdc_tls("localhost", SslMode::VerifyFull);
    ep.sslrootcert = Some(tls_file("other-ca.crt"));
    let message = refused(who(&ep).await);
    assert!(message.contains("certificate verify failed, unknown CA"), "{message}");
    // verify-ca checks the chain just as much, and so does require given a root certificate
    // (as libpq: sslrootcert makes require verify the chain).
    for mode in [SslMode::VerifyCa, SslMode::Require] {
        ep.sslmode = mode;
        let message = refused(who(&ep).await);
        assert!(message.contains("unknown CA"), "{mode:?}: {message}");
    }
}

#[tokio::test]
async fn verify_ca_and_require_accept_an_address_the_certificate_does_not_name() {
    common::require_databases();
    let ep = source_as_cdc_tls("127.0.0.1", SslMode::VerifyCa);
    assert_eq!(who(&ep).await, Ok(("cdc_tls".to_string(), true)));
    let mut unverified = source_as_cdc_tls("127.0.0.1", SslMode::Require);
    unverified.sslrootcert = None;
    assert_eq!(who(&unverified).await, Ok(("cdc_tls".to_string(), true)));
}

#[tokio::test]
async fn prefer_the_default_encrypts_when_the_server_offers_tls() {
    common::require_databases();
    let ep = common::config().source;
    assert_eq!(ep.sslmode, SslMode::Prefer);
    assert_eq!(who(&ep).await, Ok(("postgres".to_string(), true)));
    let mut plain = ep;
    plain.sslmode = SslMode::Disable;
    assert_eq!(who(&plain).await, Ok(("postgres".to_string(), false)));
}

#[tokio::test]
async fn a_client_certificate_logs_in_the_role_its_cn_maps_to_and_none_is_explained() {
    common::require_databases();
    let mut ep = source_as_cdc_tls("localhost", SslMode::VerifyFull);
    (ep.user, ep.password) = ("cdc_cert".into(), None);
    let message = refused(who(&ep).await);
    assert!(message.contains("set sslcert and sslkey"), "{message}");
    (ep.sslcert, ep.sslkey) = (Some(tls_file("client.crt")), Some(tls_file("client.key")));
    assert_eq!(who(&ep).await, Ok(("cdc_cert".to_string(), true)));
}

/// The environment that points the console's source at `cdc_tls`.
fn cdc_tls_env(host: &str, mode: &str) -> Vec<(String, String)> {
    let ca = tls_file("ca.crt").display().to_string();
    [
        ("CDC_CONSOLE_SOURCE_HOST", host),
        ("CDC_CONSOLE_SOURCE_USER", "cdc_tls"),
        ("CDC_CONSOLE_SOURCE_PASSWORD", PASSWORD),
        ("CDC_CONSOLE_SOURCE_SSLMODE", mode),
        ("CDC_CONSOLE_SOURCE_SSLROOTCERT", &ca),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect()
}

fn slots(env: &[(String, String)], format: &[&str]) -> (serde_json::Value, String) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = common::console(&[&["slots"], format].concat(), &env);
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (json, text)
}

#[test]
fn the_slots_subcommand_reads_the_source_over_verify_full_and_explains_a_refusal() {
    common::require_databases();
    let (json, text) = slots(&cdc_tls_env("localhost", "verify-full"), &["-o", "json"]);
    let source = &json["source"];
    assert_eq!(source["endpoint"], "cdc_tls@localhost:55432/source", "{text}");
    assert_eq!(source["health"]["state"], "up", "{text}");
    assert!(source["snapshot"]["slots"].is_array(), "{text}");
    assert!(source["snapshot"]["wal_level"] == "logical", "{text}");

    let (_, text) = slots(&cdc_tls_env("127.0.0.1", "disable"), &[]);
    assert!(text.contains("source down: cdc_tls@127.0.0.1:55432/source"), "{text}");
    assert!(text.contains("set sslmode = require or verify-full"), "{text}");
    let (_, text) = slots(&cdc_tls_env("127.0.0.1", "verify-full"), &["-o", "json"]);
    assert!(text.contains("host name mismatch"), "{text}");
}

/// verify-full without `sslrootcert` trusts the system's roots, found where the system keeps
/// them (the console's OpenSSL is built from source, its own default directory is empty):
/// `SSL_CERT_FILE`, which OpenSSL's probing honours, stands in for a system bundle holding the
/// stack's CA. Without it the same connection is an unknown CA.
#[test]
fn verify_full_without_a_root_certificate_trusts_the_system_roots() {
    common::require_databases();
    let mut env = cdc_tls_env("localhost", "verify-full");
    env.retain(|(k, _)| k != "CDC_CONSOLE_SOURCE_SSLROOTCERT");
    let (_, text) = slots(&env, &["-o", "json"]);
    assert!(text.contains("unknown CA"), "the stack's CA is in no system bundle: {text}");
    env.push(("SSL_CERT_FILE".into(), tls_file("ca.crt").display().to_string()));
    let (json, text) = slots(&env, &["-o", "json"]);
    assert_eq!(json["source"]["health"]["state"], "up", "{text}");
}

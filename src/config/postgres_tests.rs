//! The TLS keys of `[source]` / `[sink]`: parsed as libpq names them, their files read at load,
//! and every mistake located in the file (or named by its environment variable).

use std::path::{Path, PathBuf};

use super::*;
use crate::config::{Config, parse};

const SOURCE: &str = "[source]\nhost = \"db\"\nport = 5432\ndbname = \"d\"\nuser = \"u\"\n";

fn err(text: &str) -> String {
    parse(text, Path::new("conf/cdc.toml")).unwrap_err().to_string()
}

/// A self-signed certificate and its key (P-256, quick to make), as PEM files in `dir`.
fn pem_pair(dir: &Path) -> (PathBuf, PathBuf) {
    use openssl::{asn1::Asn1Time, ec, hash::MessageDigest, nid::Nid, pkey::PKey, x509};
    let group = ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(ec::EcKey::generate(&group).unwrap()).unwrap();
    let mut name = x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "test").unwrap();
    let name = name.build();
    let mut b = x509::X509::builder().unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap()).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let (crt, pem) = (dir.join("c.crt"), dir.join("c.key"));
    std::fs::write(&crt, b.build().to_pem().unwrap()).unwrap();
    std::fs::write(&pem, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    (crt, pem)
}

#[test]
fn sslmode_is_prefer_by_default_and_takes_libpqs_names() {
    assert_eq!(Config::default().source.sslmode, SslMode::Prefer);
    assert_eq!(parse(SOURCE, Path::new("x.toml")).unwrap().source.sslmode, SslMode::Prefer);
    for (name, mode) in [
        ("disable", SslMode::Disable),
        ("prefer", SslMode::Prefer),
        ("require", SslMode::Require),
        ("verify-ca", SslMode::VerifyCa),
        ("verify-full", SslMode::VerifyFull),
    ] {
        let c = parse(&format!("{SOURCE}sslmode = \"{name}\"\n"), Path::new("x.toml")).unwrap();
        assert_eq!(c.source.sslmode, mode);
        assert_eq!(SslMode::parse(name), Ok(mode));
    }
    let e = err(&format!("{SOURCE}sslmode = \"verify_full\"\n"));
    assert!(e.starts_with("conf/cdc.toml:6:11: key `source.sslmode`"), "{e}");
    assert!(e.contains("`verify-full`"), "{e}");
}

#[test]
fn verify_modes_ask_tokio_postgres_for_tls_and_disable_for_none() {
    use tokio_postgres::config::SslMode as Wire;
    let mut ep = Config::default().sink;
    for (mode, wire) in [
        (SslMode::Disable, Wire::Disable),
        (SslMode::Prefer, Wire::Prefer),
        (SslMode::Require, Wire::Require),
        (SslMode::VerifyCa, Wire::Require),
        (SslMode::VerifyFull, Wire::Require),
    ] {
        ep.sslmode = mode;
        assert_eq!(ep.pg_config(Duration::from_secs(1)).get_ssl_mode(), wire, "{mode:?}");
    }
}

#[test]
fn tls_files_are_read_at_load_and_their_errors_located() {
    let dir = tempfile::tempdir().unwrap();
    let (crt, key) = pem_pair(dir.path());
    let text = format!(
        "{SOURCE}sslmode = \"verify-full\"\nsslrootcert = {crt:?}\nsslcert = {crt:?}\nsslkey = {key:?}\n"
    );
    let c = parse(&text, Path::new("x.toml")).unwrap();
    assert_eq!(c.source.sslrootcert.as_deref(), Some(crt.as_path()));
    assert_eq!(c.source.sslkey.as_deref(), Some(key.as_path()));

    let e = err(&format!("{SOURCE}sslrootcert = \"/nonexistent/ca.crt\"\n"));
    assert!(e.starts_with("conf/cdc.toml:6:15: key `source.sslrootcert`"), "{e}");
    assert!(e.contains("cannot read /nonexistent/ca.crt"), "{e}");
    let e = err(&format!("{SOURCE}sslcert = {key:?}\nsslkey = {key:?}\n"));
    assert!(e.starts_with("conf/cdc.toml:6:11: key `source.sslcert`"), "{e}");
    assert!(e.contains("holds no PEM certificate"), "{e}");
    let e = err(&format!("{SOURCE}sslcert = {crt:?}\nsslkey = {crt:?}\n"));
    assert!(e.starts_with("conf/cdc.toml:7:10: key `source.sslkey`"), "{e}");
    assert!(e.contains("holds no unencrypted PEM private key"), "{e}");
}

#[test]
fn a_client_certificate_without_its_key_is_refused_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let (crt, key) = pem_pair(dir.path());
    let e = err(&format!("[kafka]\n\n{}sslcert = {crt:?}\n", SOURCE.replace("source", "sink")));
    assert!(e.starts_with("conf/cdc.toml:3:1: key `sink`"), "{e}");
    assert!(e.contains("sslcert is set without sslkey"), "{e}");
    let e = err(&format!("{SOURCE}sslkey = {key:?}\n"));
    assert!(e.contains("key `source`") && e.contains("sslkey is set without sslcert"), "{e}");
}

#[test]
fn json_shows_the_tls_settings_and_never_the_password() {
    let mut ep = Config::default().source;
    ep.password = Some(Secret::new("hunter2"));
    let json = serde_json::to_value(&ep).unwrap();
    assert_eq!(json.get("sslmode"), None, "prefer, the default, is left out");
    assert_eq!(json.get("password"), None);
    ep.sslmode = SslMode::VerifyFull;
    ep.sslrootcert = Some("ca.crt".into());
    let json = serde_json::to_value(&ep).unwrap();
    assert_eq!(json["sslmode"], "verify-full");
    assert_eq!(json["sslrootcert"], "ca.crt");
    assert!(!format!("{json} {ep:?} {ep}").contains("hunter2"));
}

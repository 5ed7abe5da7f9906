//! README's "Connecting to your pipeline": every example config there loads in the real binary
//! (its files stood in for by real PEM files, its variables set), and each of its contexts is
//! usable, so the documentation cannot drift from the keys the console reads.

mod common;

use std::path::Path;

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

/// The ```toml blocks of the README section.
fn examples() -> Vec<String> {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).expect("README");
    let start = readme.find("## Connecting to your pipeline").expect("the section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    section
        .split("```toml\n")
        .skip(1)
        .map(|b| b[..b.find("```").expect("closed block")].to_string())
        .collect()
}

/// A self-signed certificate and its key, PEM: what a CA, certificate or key file holds.
fn pem_pair() -> (Vec<u8>, Vec<u8>) {
    let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("key");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", "readme").expect("cn");
    let name = name.build();
    let mut b = X509::builder().expect("x509");
    b.set_version(2).expect("version");
    b.set_subject_name(&name).expect("subject");
    b.set_issuer_name(&name).expect("issuer");
    b.set_pubkey(&key).expect("pubkey");
    b.set_not_before(&Asn1Time::days_from_now(0).expect("time")).expect("not before");
    b.set_not_after(&Asn1Time::days_from_now(1).expect("time")).expect("not after");
    b.sign(&key, MessageDigest::sha256()).expect("sign");
    (b.build().to_pem().expect("pem"), key.private_key_to_pem_pkcs8().expect("key pem"))
}

/// The example with each absolute path replaced by a file in `dir` (a key for `*.key`, a
/// certificate otherwise, a password for secrets), and the variables it names.
fn materialize(example: &str, dir: &Path) -> (String, Vec<(String, String)>) {
    let (cert, key) = pem_pair();
    let mut text = example.to_string();
    let mut env = Vec::new();
    for (key_name, value) in example.lines().flat_map(string_pairs) {
        if key_name.ends_with("_env") {
            env.push((value.to_string(), "readme-secret".to_string()));
        } else if value.starts_with('/') {
            let file = dir.join(value.trim_start_matches('/').replace('/', "_"));
            let body = match key_name {
                "password_file" | "token_file" | "client_secret_file" => b"readme-secret".to_vec(),
                "key_file" | "sslkey" => key.clone(),
                _ => cert.clone(),
            };
            std::fs::write(&file, body).expect("write");
            text =
                text.replace(&format!("\"{value}\""), &format!("{:?}", file.display().to_string()));
        }
    }
    (text, env)
}

/// Each `key = "value"` of a line, inline tables included.
fn string_pairs(line: &str) -> Vec<(&str, &str)> {
    let mut pairs = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(" = \"") {
        let key_start =
            rest[..at].rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let value = &rest[at + 4..];
        let end = value.find('"').unwrap_or(value.len());
        pairs.push((&rest[key_start..at], &value[..end]));
        rest = &value[end..];
    }
    pairs
}

#[test]
fn every_example_of_connecting_to_your_pipeline_loads() {
    let examples = examples();
    assert!(examples.len() >= 7, "the section's examples: {}", examples.len());
    for (i, example) in examples.iter().enumerate() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (text, env) = materialize(example, dir.path());
        let config = dir.path().join("config.toml");
        std::fs::write(&config, &text).expect("write the config");
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = common::console(
            &["--config", config.to_str().expect("utf-8"), "contexts", "-o", "json"],
            &env,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "example {i} does not load:\n{text}\n{stderr}");
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        for row in rows.as_array().expect("a list") {
            assert!(row.get("error").is_none(), "example {i}: {row}\n{text}");
        }
    }
}

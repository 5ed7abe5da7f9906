//! Secret masking for connector configs. It runs inside the collector, before a config leaves it,
//! so no screen, log line or JSON document downstream can ever hold a secret.
//!
//! The rule works on the *words* of a config key: the key is split on `.`, `_`, `-` and camelCase
//! boundaries and lower-cased (`ssl.keyStore.password` → ssl, key, store, password). Whole-word
//! matching is what keeps `key.converter` and `message.key.columns` visible while `private.key`
//! is hidden. A key is secret when:
//!
//! 1. a word contains `password`, `passwd`, `passphrase`, `secret`, `token` or `credential`
//!    (`database.password`, `aws.secretAccessKey`, `gcs.credentials.json`, `auth.token`);
//! 2. it names key material: its last word is `key` or `keys` and it has more than one word
//!    (`private.key`, `ssl.keystore.key`, `api.key`; but not a lone `key`), a word is `private`,
//!    `apikey`, `accesskey` or `privatekey`;
//! 3. it is inside a key or trust store, except for the store's `location` and `type`
//!    (`ssl.keystore.certificate.chain`, `ssl.truststore.certificates`);
//! 4. it is a SASL JAAS config or a basic-auth `user.info`, which embed a password.
//!
//! Whatever the key, a value that carries credentials inline is masked too: a URL with a
//! `user:password@` part, or a `password=` parameter (JDBC URLs).
//!
//! When in doubt the rule masks: a hidden harmless value costs a look at the worker, a shown
//! secret cannot be taken back.

use std::collections::BTreeMap;

/// What a masked value is replaced with.
pub const MASK: &str = "********";

/// The config with every secret value replaced by [`MASK`].
pub fn mask_config(config: BTreeMap<String, String>) -> BTreeMap<String, String> {
    config
        .into_iter()
        .map(|(k, v)| {
            let v = if is_secret_key(&k) || carries_credentials(&v) { MASK.to_string() } else { v };
            (k, v)
        })
        .collect()
}

/// Whether the value of config key `key` is a secret (the module doc gives the rule).
pub fn is_secret_key(key: &str) -> bool {
    const SECRET_PARTS: [&str; 6] =
        ["password", "passwd", "passphrase", "secret", "token", "credential"];
    let words = words(key);
    let has = |w: &str| words.iter().any(|x| x == w);
    if words.iter().any(|w| SECRET_PARTS.iter().any(|s| w.contains(s))) {
        return true;
    }
    let last = words.last().map(String::as_str).unwrap_or_default();
    if (words.len() > 1 && matches!(last, "key" | "keys"))
        || ["private", "apikey", "accesskey", "privatekey"].iter().any(|w| has(w))
    {
        return true;
    }
    let in_store = has("keystore")
        || has("truststore")
        || words
            .windows(2)
            .any(|p| matches!((p[0].as_str(), p[1].as_str()), ("key" | "trust", "store")));
    if in_store && !matches!(last, "location" | "type") {
        return true;
    }
    has("jaas") || key.to_ascii_lowercase().contains("user.info") || has("userinfo")
}

/// Credentials written into a value: `scheme://user:password@host` or `…password=…`.
fn carries_credentials(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower.contains("password=") {
        return true;
    }
    lower.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'))
    })
}

/// The lower-case words of a key, split on separators and camelCase boundaries.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if matches!(c, '.' | '_' | '-' | ' ') {
            out.extend((!cur.is_empty()).then(|| std::mem::take(&mut cur)));
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    out.extend((!cur.is_empty()).then_some(cur));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        for key in [
            "database.password",
            "connection.password",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.truststore.password",
            "ssl.keystore.key",
            "ssl.keystore.certificate.chain",
            "ssl.truststore.certificates",
            "private.key",
            "privateKey",
            "private.key.passphrase",
            "sasl.jaas.config",
            "producer.override.sasl.jaas.config",
            "aws.secret.access.key",
            "aws.secretAccessKey",
            "aws.access.key.id.secret",
            "api.key",
            "apiKey",
            "apikey",
            "auth.token",
            "sasl.oauthbearer.token.endpoint.url",
            "gcs.credentials.json",
            "basic.auth.user.info",
            "schema.registry.basic.auth.user.info",
            "database.sslkey.password",
            "DATABASE_PASSWORD",
        ] {
            assert!(is_secret_key(key), "{key} must be masked");
        }
    }

    #[test]
    fn innocent_keys_stay_visible() {
        for key in [
            "key.converter",
            "key.converter.schemas.enable",
            "value.converter",
            "message.key.columns",
            "primary.key.mode",
            "primary.key.fields",
            "transforms.unwrap.drop.tombstones",
            "transforms.ValueToKey.fields",
            "database.user",
            "database.hostname",
            "database.dbname",
            "ssl.keystore.location",
            "ssl.keystore.type",
            "ssl.truststore.location",
            "topic.prefix",
            "table.include.list",
            "slot.name",
            "connector.class",
            "key",
            "sasl.mechanism",
            "tasks.max",
        ] {
            assert!(!is_secret_key(key), "{key} must stay visible");
        }
    }

    #[test]
    fn words_split_on_separators_and_camel_case() {
        assert_eq!(words("ssl.keyStore.password"), ["ssl", "key", "store", "password"]);
        assert_eq!(words("aws.secretAccessKey"), ["aws", "secret", "access", "key"]);
        assert_eq!(words("DATABASE_PASSWORD"), ["database", "password"]);
        assert_eq!(words("message.key.columns"), ["message", "key", "columns"]);
    }

    #[test]
    fn inline_credentials_in_values_are_masked() {
        let config: BTreeMap<String, String> = [
            ("connection.url", "jdbc:postgresql://db:5432/sink?user=app&password=hunter2"),
            ("sink.url", "https://app:hunter2@example.com/ingest"),
            ("plain.url", "http://user@example.com:8080/x"),
            ("database.hostname", "127.0.0.1"),
            ("database.password", "hunter2"),
            ("key.converter", "org.apache.kafka.connect.json.JsonConverter"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let masked = mask_config(config);
        assert_eq!(masked["connection.url"], MASK);
        assert_eq!(masked["sink.url"], MASK);
        assert_eq!(masked["plain.url"], "http://user@example.com:8080/x");
        assert_eq!(masked["database.hostname"], "127.0.0.1");
        assert_eq!(masked["database.password"], MASK);
        assert_eq!(masked["key.converter"], "org.apache.kafka.connect.json.JsonConverter");
        assert!(!format!("{masked:?}").contains("hunter2"));
    }
}

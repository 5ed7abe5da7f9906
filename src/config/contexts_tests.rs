//! Contexts in the file: a file without them is one context, every context parses as a file
//! would, and every error names file, line and key, inside contexts too.

use std::path::Path;

use super::*;
use crate::config::{Config, parse};

const TWO: &str = r#"context = "dev"

[ui]
theme = "light"

[contexts.dev]
kafka = { brokers = "127.0.0.1:9092" }

[contexts.prod]
read_only = true
tables = []

[contexts.prod.kafka]
brokers = "kafka.prod:9092"

[[contexts.prod.connect]]
name = "prod"
url = "https://connect.prod:8083"
"#;

fn contexts(text: &str) -> Result<Contexts, ConfigError> {
    super::parse(text, Path::new("conf/cdc.toml"))
}

fn err(text: &str) -> String {
    contexts(text).unwrap_err().to_string()
}

/// The error of context `prod`, given when it is selected (the file itself loads).
fn prod_err(text: &str) -> String {
    let c = contexts(text).expect("a context's error does not fail the file");
    assert!(c.select(Some("dev")).is_ok(), "dev stays usable");
    c.select(Some("prod")).unwrap_err().to_string()
}

#[test]
fn a_file_without_contexts_is_one_context_named_default() {
    let c = contexts("[kafka]\nbrokers = \"k:1\"\n").unwrap();
    assert!(!c.named);
    assert_eq!(c.names(), [DEFAULT_CONTEXT]);
    assert_eq!(c.select(None).unwrap().config.kafka.brokers, "k:1");
    assert_eq!(contexts("").unwrap(), Contexts::single(Config::default()));
    let flat = contexts("read_only = true\n").unwrap();
    assert!(flat.list[0].config.read_only, "a file of one environment may be read-only too");
}

#[test]
fn each_context_has_its_own_settings_and_the_global_ui() {
    let c = contexts(TWO).unwrap();
    assert!(c.named);
    assert_eq!((c.default.as_str(), c.names()), ("dev", vec!["dev".into(), "prod".into()]));
    let dev = &c.select(None).unwrap().config;
    let prod = &c.select(Some("prod")).unwrap().config;
    assert_eq!(dev.kafka.brokers, "127.0.0.1:9092");
    assert_eq!(prod.kafka.brokers, "kafka.prod:9092");
    assert!(!dev.read_only && prod.read_only);
    assert_eq!(dev.tables, Config::default().tables, "unset keys take the defaults");
    assert!(prod.tables.is_empty());
    assert_eq!(prod.connect[0].url.as_str(), "https://connect.prod:8083");
    assert_eq!((dev.ui.theme.as_deref(), prod.ui.theme.as_deref()), (Some("light"), Some("light")));
    assert_eq!(parse(TWO, Path::new("x.toml")).unwrap(), *dev, "parse gives the default context");
}

#[test]
fn an_unknown_context_lists_the_known_ones() {
    let e = contexts(TWO).unwrap().select(Some("staging")).unwrap_err().to_string();
    assert_eq!(e, "unknown context `staging`; known contexts: dev, prod");
    let e = Contexts::single(Config::default()).select(Some("prod")).unwrap_err().to_string();
    assert_eq!(e, "unknown context `prod`; known contexts: default");
}

#[test]
fn errors_inside_a_context_name_file_line_and_the_whole_key() {
    let e = prod_err(&TWO.replace("brokers = \"kafka.prod:9092\"", "brokerz = \"x\""));
    assert!(e.starts_with("conf/cdc.toml:14:1: key `contexts.prod.kafka.brokerz`"), "{e}");
    let e = prod_err(&TWO.replace("read_only = true", "read_only = \"yes\""));
    assert!(e.starts_with("conf/cdc.toml:10:13: key `contexts.prod.read_only`"), "{e}");
    let e = prod_err(&TWO.replace("https://connect.prod:8083", "ftp://x"));
    assert!(e.starts_with("conf/cdc.toml:18:7: key `contexts.prod.connect[0].url`"), "{e}");
    let e = prod_err(&TWO.replace("tables = []", "tablez = []"));
    assert!(e.starts_with("conf/cdc.toml:11:1: key `contexts.prod.tablez`"), "{e}");
    let e = err(&TWO.replace("theme = \"light\"", "themez = \"light\""));
    assert!(e.starts_with("conf/cdc.toml:4:1: key `ui.themez`"), "{e}");
}

#[test]
fn the_default_must_name_a_context_and_several_need_one() {
    let e = err(&TWO.replace("context = \"dev\"", "context = \"stage\""));
    assert!(e.starts_with("conf/cdc.toml:1:11: key `context`: no context `stage`"), "{e}");
    assert!(e.contains("there are: dev, prod"), "{e}");
    let e = err(&TWO.replace("context = \"dev\"", ""));
    assert!(e.starts_with("conf/cdc.toml:1:1: key `context`: is missing"), "{e}");
    assert!(e.contains("e.g. context = \"dev\""), "{e}");
    let one = contexts("[contexts.only]\nread_only = true\n").unwrap();
    assert_eq!(one.default, "only", "a single context is the default");
    let e = err("context = \"dev\"\n[kafka]\nbrokers = \"x\"\n");
    assert!(e.starts_with("conf/cdc.toml:1:1: key `context`: names a default context"), "{e}");
}

#[test]
fn environment_settings_beside_contexts_and_ui_inside_one_are_refused_where_they_are() {
    let e = err(&format!("{TWO}\n[sink]\nhost = \"db\"\n"));
    assert!(e.starts_with("conf/cdc.toml:20:2: key `sink`: belongs in a context"), "{e}");
    let e = prod_err(&TWO.replace("read_only = true", "read_only = true\nui = { mouse = true }"));
    assert!(e.starts_with("conf/cdc.toml:11:1: key `contexts.prod.ui`: [ui] is global"), "{e}");
    let e = err("contexts = 3\n");
    assert!(e.starts_with("conf/cdc.toml:1:1: key `contexts`: must be a table"), "{e}");
    let e = err("[contexts]\n");
    assert!(e.contains("key `contexts`: names no context"), "{e}");
    let e = err("[contexts]\ndev = 1\n");
    assert!(e.starts_with("conf/cdc.toml:2:7: key `contexts.dev`: must be a table"), "{e}");
}

#[test]
fn a_context_whose_secret_is_missing_fails_only_when_used() {
    let text = TWO.replace(
        "tables = []",
        "tables = []\n[contexts.prod.sink]\nhost = \"db.prod\"\nport = 5432\ndbname = \"a\"\n\
         user = \"u\"\npassword_env = \"CDC_CONSOLE_TEST_UNSET_PROD_PASSWORD\"",
    );
    let e = prod_err(&text);
    assert!(e.starts_with("conf/cdc.toml:"), "{e}");
    assert!(e.contains("contexts.prod.sink.password_env"), "{e}");
    assert!(e.contains("CDC_CONSOLE_TEST_UNSET_PROD_PASSWORD"), "{e}");
    let c = contexts(&text).unwrap();
    assert!(c.get("prod").and_then(|p| p.error.as_ref()).is_some(), "listed with its error");
}

//! The console over the local stack's SASL_SSL listeners (localhost:29092–29094, SCRAM-SHA-512
//! user `cdc-console`, certificates from .stack/tls): brokers, topics, groups and lag, the
//! replicator and a processor job give the same answers as over PLAINTEXT. A wrong password, an
//! unknown CA and a wrong host name each fail within the request timeout with the endpoint and
//! the cause named, no password and no panic.
//!
//! Names are the test's own (`ksec-…`, `ksec_…`), with the process id.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::kafka::{ScratchTopic, plain_config};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;

/// The SCRAM user and password the stack creates (compose/local/stack: KAFKA_USER/PASSWORD).
const USER: &str = "cdc-console";
const PASSWORD: &str = "cdc-console-dev";
const SECURE: &str = "localhost:29092,localhost:29093,localhost:29094";
const REQUEST_MS: u64 = 3000;

fn tls_file(name: &str) -> PathBuf {
    common::repo_root().join(".stack/tls").join(name)
}

/// The `[kafka]` section of a config for the secure listeners.
fn kafka_toml(brokers: &str, ca: &str, password: &str) -> String {
    format!(
        "[kafka]\nbrokers = \"{brokers}\"\nsecurity_protocol = \"SASL_SSL\"\n\n[kafka.tls]\n\
         ca_file = \"{}\"\n\n[kafka.sasl]\nmechanism = \"SCRAM-SHA-512\"\nusername = \"{USER}\"\n\
         password = \"{password}\"\n\n[timeouts]\nrequest_ms = {REQUEST_MS}\n",
        tls_file(ca).display()
    )
}

/// A config file (mode 600: it holds a password) in a directory of its own.
fn config_file(dir: &Path, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("secure.toml");
    std::fs::write(&path, text).expect("write config");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

fn run(config: &Path, args: &[&str]) -> (Option<i32>, String, String, Duration) {
    let started = Instant::now();
    let mut all = vec!["--config", config.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    let out = common::console(&all, &[]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr), started.elapsed())
}

/// Commits `offsets` per partition for `group`, over PLAINTEXT, with no member.
fn commit(topic: &str, group: &str, offsets: &[i64]) {
    let consumer: BaseConsumer = plain_config().set("group.id", group).create().expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for (p, o) in offsets.iter().enumerate() {
        tpl.add_partition_offset(topic, p as i32, Offset::Offset(*o)).expect("tpl");
    }
    consumer.commit(&tpl, CommitMode::Sync).expect("commit");
}

#[test]
fn brokers_topics_groups_and_lag_work_over_sasl_ssl() {
    common::require_stack();
    let dir = tempfile::tempdir().expect("dir");
    let config = config_file(dir.path(), &kafka_toml(SECURE, "ca.crt", PASSWORD));
    let name = format!("ksec-lag-{}", std::process::id());
    let mut topic = ScratchTopic::create(&name, 2);
    topic.owns_group(&name);
    topic.produce(&[(0, 10), (1, 5)]);
    commit(&name, &name, &[4, 5]);

    let (code, out, err, _) = run(&config, &["brokers", "-o", "json"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    let report: Value = serde_json::from_str(&out).expect("brokers JSON");
    let brokers = report["brokers"].as_array().expect("brokers");
    assert_eq!(brokers.len(), 3, "{out}");
    let mut seen: Vec<(String, i64, String)> = brokers
        .iter()
        .map(|b| {
            let s = |k: &str| b[k].as_str().unwrap_or_default().to_string();
            (s("host"), b["port"].as_i64().unwrap_or_default(), s("client_state"))
        })
        .collect();
    seen.sort();
    let up = |port| ("localhost".to_string(), port, "UP".to_string());
    assert_eq!(seen, [up(29092), up(29093), up(29094)], "advertised and connected: {out}");

    let (code, out, err, _) = run(&config, &["topics", "-o", "json"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    let topics: Value = serde_json::from_str(&out).expect("topics JSON");
    let ours = topics["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["name"] == name.as_str())
        .unwrap_or_else(|| panic!("{name} listed over SASL_SSL: {out}"))
        .clone();
    let ends: Vec<i64> = ours["partition_details"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| p["log_end_offset"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(ends, [10, 5], "log ends read over SASL_SSL: {ours}");

    let (code, out, err, _) = run(&config, &["groups", "-o", "json"]);
    assert_eq!(code.map(|c| c < 2), Some(true), "{out}\n{err}");
    assert!(out.contains(&name), "the test's group listed over SASL_SSL: {out}");

    let (code, out, err, _) = run(&config, &["lag", &name, "-o", "json"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    let lag: Value = serde_json::from_str(&out).expect("lag JSON");
    let group = &lag["groups"][0];
    assert_eq!(group["name"], name.as_str(), "{out}");
    assert_eq!(group["total_lag"], 6, "10-4 and 5-5: {out}");
    assert!(!format!("{out}{err}").contains(PASSWORD));
}

/// Runs `args` with `kafka`, asserting a failure within the request timeout (plus the process's
/// start and a margin) that names `endpoint` and `cause` and shows no password and no panic.
fn fails_clearly(kafka: &str, args: &[&str], endpoint: &str, cause: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let config = config_file(dir.path(), kafka);
    let (code, out, err, took) = run(&config, args);
    let all = format!("{out}{err}");
    assert_eq!(code, Some(2), "{args:?}: cannot be read: {all}");
    assert!(
        took < Duration::from_millis(REQUEST_MS + 2000),
        "{args:?}: {took:?} for a {REQUEST_MS} ms request timeout: {all}"
    );
    assert!(all.contains(endpoint), "{args:?}: endpoint {endpoint} named: {all}");
    assert!(all.contains(cause), "{args:?}: cause `{cause}` named: {all}");
    for secret in [PASSWORD, "wrong-password"] {
        assert!(!all.contains(secret), "{args:?}: a password shown: {all}");
    }
    assert!(!all.contains("panicked"), "{all}");
}

#[test]
fn a_wrong_password_is_named_as_an_authentication_failure() {
    common::require_stack();
    let kafka = kafka_toml(SECURE, "ca.crt", "wrong-password");
    for args in [&["brokers"][..], &["topics"], &["groups"], &["lag"]] {
        fails_clearly(&kafka, args, "localhost:2909", "SASL authentication error");
    }
}

#[test]
fn an_unknown_ca_is_named_as_a_failed_certificate_check() {
    common::require_stack();
    let kafka = kafka_toml(SECURE, "other-ca.crt", PASSWORD);
    for args in [&["brokers"][..], &["groups"]] {
        fails_clearly(&kafka, args, "localhost:2909", "certificate verify failed");
        fails_clearly(&kafka, args, "localhost:2909", "the broker's certificate is not trusted");
        fails_clearly(&kafka, args, "localhost:2909", "kafka.tls.ca_file");
    }
}

#[test]
fn a_wrong_host_name_is_named_as_a_failed_certificate_check() {
    common::require_stack();
    // The certificate names localhost only.
    let kafka = kafka_toml("127.0.0.1:29092", "ca.crt", PASSWORD);
    for args in [&["brokers"][..], &["lag"]] {
        fails_clearly(&kafka, args, "127.0.0.1:29092", "host name mismatch");
        fails_clearly(&kafka, args, "127.0.0.1:29092", "names localhost, not `127.0.0.1`");
    }
}

/// The first line `args` writes to stderr (a stage's first retry), the process then stopped;
/// stopped after 30 s at the latest, so a stage that says nothing fails the test, not hangs it.
fn first_complaint(config: &Path, args: &[&str]) -> String {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cdc-console"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("CDC_CONSOLE_CONFIG")
        .env("CDC_CONSOLE_LOG_DIR", std::env::temp_dir().join("cdc-console-test-logs"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cdc-console");
    let pid = child.id();
    let guard = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(30));
        let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
    });
    let mut line = String::new();
    let stderr = child.stderr.take().expect("stderr");
    std::io::BufReader::new(stderr).read_line(&mut line).expect("read stderr");
    let _ = child.kill();
    let _ = child.wait();
    drop(guard);
    line
}

#[test]
fn the_replicator_and_a_job_name_the_cause_of_a_wrong_password() {
    common::require_stack();
    let dir = tempfile::tempdir().expect("dir");
    let job = common::processor::job_toml(&format!("ksec_badpw_{}", std::process::id()), None);
    let text = format!("{}\n{job}", kafka_toml(SECURE, "ca.crt", "wrong-password"));
    let config = config_file(dir.path(), &text);
    for args in [&["replicate"][..], &["process"]] {
        let line = first_complaint(&config, args);
        assert!(line.contains("retry"), "{args:?}: retried: {line}");
        assert!(line.contains("localhost:2909"), "{args:?}: endpoint named: {line}");
        assert!(line.contains("SASL authentication error"), "{args:?}: cause named: {line}");
        assert!(!line.contains("wrong-password") && !line.contains(PASSWORD), "{line}");
    }
}

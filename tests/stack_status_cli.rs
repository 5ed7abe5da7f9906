//! `cdc-console status` against the running stack, against a Connect that never answers, and
//! with bad configuration.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::Value;

fn status_json(env: &[(&str, &str)]) -> (i32, Value) {
    let out = common::console(&["status", "-o", "json"], env);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "status -o json printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), json)
}

fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name}: {report:#}"))
}

#[test]
fn status_json_reports_the_running_pipeline() {
    common::require_stack();
    let (code, report) = status_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["healthy"], true);
    for s in ["source", "kafka", "connect:local", "connect:local/connectors", "sink"] {
        assert_eq!(stage(&report, s)["state"], "up", "{s}: {report:#}");
    }

    let connect = &report["connect"][0];
    assert_eq!(connect["health"]["state"], "up");
    assert!(
        connect["snapshot"]["version"].as_str().unwrap().starts_with("4."),
        "Kafka Connect 4: {connect:#}"
    );
    let orders = connect["snapshot"]["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "orders-cdc")
        .expect("orders-cdc listed");
    assert_eq!(orders["state"], "RUNNING");
    assert_eq!(orders["type"], "source");
    let tasks = orders["tasks"].as_array().unwrap();
    assert!(!tasks.is_empty() && tasks.iter().all(|t| t["state"] == "RUNNING"), "{orders:#}");

    let source = &report["source"]["snapshot"];
    assert_eq!(source["wal_level"], "logical");
    let slot = source["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "cdc_console")
        .expect("Debezium's slot");
    assert_eq!(slot["plugin"], "pgoutput");
    assert!(slot["lag_bytes"].as_i64().unwrap() >= 0);
    assert!(source["tables"].as_array().unwrap().iter().all(|t| t["replica_identity"] == "full"));

    let kafka = &report["kafka"]["snapshot"];
    assert_eq!(kafka["brokers"].as_array().map(Vec::len), Some(3), "three brokers: {kafka:#}");
    let topic = kafka["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "dbserver1.public.orders")
        .expect("orders topic");
    assert!(topic["partitions"].as_u64().unwrap() >= 1);

    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("\"password\""), "no password field in the output");
}

#[test]
fn status_table_lists_connectors_slots_and_topics() {
    common::require_stack();
    let out = common::console(&["status"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for needle in [
        "STAGE",
        "orders-cdc",
        "RUNNING",
        "cdc_console",
        "pgoutput",
        "dbserver1.public.orders",
        "Kafka Connect 4.",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
}

/// A worker that accepts connections and never answers must not hang `status` beyond its
/// request timeout, and the other stages keep reporting.
#[test]
fn a_connect_that_never_answers_is_down_after_the_timeout() {
    common::require_stack();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _hold = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let started = Instant::now();
    let (code, report) = status_json(&[
        ("CDC_CONSOLE_CONNECT_URL", &url),
        ("CDC_CONSOLE_REQUEST_TIMEOUT_MS", "1500"),
    ]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "status took {took:?}");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["healthy"], false);
    let connect = stage(&report, "connect:local");
    assert_eq!(connect["state"], "down");
    assert!(
        connect["detail"][0].as_str().unwrap().contains("no answer within 1s 500ms"),
        "{connect:#}"
    );
    assert_eq!(stage(&report, "connect:local/connectors")["state"], "down");
    assert_eq!(stage(&report, "source")["state"], "up");
    assert_eq!(stage(&report, "kafka")["state"], "up");
}

#[test]
fn a_bad_config_file_names_file_line_and_key_and_exits_2() {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    write!(f, "[kafka]\nbrokers = \"127.0.0.1:9092\"\n\n[timeouts]\nrequest_ms = \"soon\"\n")
        .unwrap();
    let path = f.path().to_str().unwrap().to_string();
    let out = common::console(&["--config", &path, "status"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{path}:5:14: key `timeouts.request_ms`")), "{err}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_bad_environment_override_names_the_variable() {
    let out = common::console(&["status"], &[("CDC_CONSOLE_SINK_PORT", "fivefivefour")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("CDC_CONSOLE_SINK_PORT"), "{err}");
}

#[test]
fn a_missing_config_file_is_named() {
    let out = common::console(&["--config", "no/such/cdc.toml", "status"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("no/such/cdc.toml: cannot read the config file"), "{err}");
}

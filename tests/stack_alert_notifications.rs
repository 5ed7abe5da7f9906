//! Alerts reach a webhook from `cdc-console serve` running against the real stack: exactly one
//! firing and one resolved message for a connector whose task failed and was then restarted, and
//! for a consumer group's lag that breached its rule and recovered.
//!
//! The connector (`t22ntf-<pid>`) reads a table of its own whose publication does not exist,
//! with `publication.autocreate.mode = disabled`: its task FAILS at start, as Debezium refuses to
//! create the publication. Once the test creates it and restarts the task, the task runs. The
//! group (`t22ntf-group-<pid>`) lags 45 records on a topic of its own, then commits to the end.
//! Both rules match only the test's own names, so other connectors and groups on the shared
//! stack cannot add messages. The receiver is a loopback HTTP server (tests/common/webhook.rs);
//! serve is polled every second and left running a while after the resolves, to show no second
//! message follows.

mod common;
#[allow(dead_code, reason = "the actions test uses the rest of its fixture")]
#[path = "stack_connect_actions/fixture.rs"]
mod fixture;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::kafka::{ScratchTopic, commit};
use common::webhook::Hook;
use fixture::{TestConnector, Worker};
use serde_json::Value;

const PRODUCED: i64 = 50;

/// `cdc-console serve`, stopped (SIGTERM, then killed) however the test ends.
struct Serve(Child);

impl Serve {
    fn start(config: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_cdc-console"))
            .args(["--config", config, "--metrics-addr", &format!("127.0.0.1:{port}"), "serve"])
            .env_remove("CDC_CONSOLE_CONFIG")
            .env("CDC_CONSOLE_LOG_DIR", std::env::temp_dir().join("cdc-console-test-logs"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start serve");
        Self(child)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The messages of `rule` the receiver accepted, as (status, alert).
fn messages<'a>(all: &'a [Value], rule: &str) -> Vec<(&'a str, &'a Value)> {
    all.iter()
        .filter(|m| m["alert"]["rule"] == rule)
        .map(|m| (m["status"].as_str().unwrap_or("?"), &m["alert"]))
        .collect()
}

/// Waits until `want` holds for the accepted messages (up to `secs`).
fn wait_for(hook: &Hook, what: &str, secs: u64, want: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = hook.accepted();
        if want(&got) {
            return got;
        }
        assert!(Instant::now() < deadline, "{what}: not within {secs} s; received {got:#?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The scratch table the connector reads, in the stack's source database.
fn source_sql(rt: &tokio::runtime::Runtime, sql: &str) {
    rt.block_on(async {
        let pg = common::source_client().await;
        pg.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    });
}

fn config_file(dir: &std::path::Path, id: u32, hook: &Hook) -> String {
    let text = format!(
        r#"[timeouts]
refresh_ms = 1000

[alerts]
defaults = false

[[alerts.rules]]
name = "t22ntf_task"
when = 'task_state == "FAILED"'
severity = "critical"
match = {{ connector = "t22ntf-{id}" }}

[[alerts.rules]]
name = "t22ntf_lag"
when = "group_lag > 10"
severity = "warning"
match = {{ group = "t22ntf-group-{id}" }}

[[alerts.receivers]]
name = "hook"
kind = "webhook"
url = "{url}"
repeat = "1h"
"#,
        url = hook.url("hook")
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path.to_str().expect("utf-8 path").to_string()
}

#[test]
fn a_failed_task_and_a_lagging_group_each_send_one_firing_and_one_resolved_message() {
    common::require_stack();
    let id = std::process::id();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let hook = rt.block_on(Hook::start(vec![]));
    let (topic, group) = (format!("t22ntf-lag-{id}"), format!("t22ntf-group-{id}"));
    let mut scratch = ScratchTopic::create(&topic, 1);
    scratch.owns_group(&group);
    scratch.produce(&[(0, PRODUCED)]);
    commit(&topic, &group, &[5]);

    let schema = format!("t22ntf_{id}");
    source_sql(
        &rt,
        &format!(
            "CREATE SCHEMA {schema}; CREATE TABLE {schema}.items (id int PRIMARY KEY, v text)"
        ),
    );
    let _schema = Dropped(schema.clone());
    let worker = Worker::local();
    let conn = TestConnector {
        name: format!("t22ntf-{id}"),
        slot: schema.clone(),
        prefix: schema.clone(),
    };
    let table = format!("{schema}.items");
    let spec = conn
        .write_spec(&[("table.include.list", &table), ("publication.autocreate.mode", "disabled")]);
    let out = common::console(&["connectors", "apply", "-f", spec.path().to_str().unwrap()], &[]);
    assert!(out.status.success(), "apply: {}", String::from_utf8_lossy(&out.stderr));
    let task_state = |s: &Value| s["tasks"][0]["state"].as_str().map(str::to_string);
    let deadline = Instant::now() + Duration::from_secs(60);
    while task_state(&worker.get(&format!("/connectors/{}/status", conn.name)).1).as_deref()
        != Some("FAILED")
    {
        assert!(Instant::now() < deadline, "the task never failed");
        std::thread::sleep(Duration::from_millis(250));
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(&config_file(dir.path(), id, &hook));
    let got = wait_for(&hook, "both firing", 60, |m| {
        !messages(m, "t22ntf_task").is_empty() && !messages(m, "t22ntf_lag").is_empty()
    });
    let task = messages(&got, "t22ntf_task");
    assert_eq!(task[0].0, "firing", "{got:#?}");
    assert_eq!(task[0].1["labels"]["connector"], conn.name.as_str());
    assert_eq!(task[0].1["labels"]["task"], "0");
    assert_eq!(task[0].1["severity"], "critical");
    let lag = messages(&got, "t22ntf_lag");
    assert_eq!((lag[0].0, lag[0].1["value"].as_str()), ("firing", Some("45")), "{got:#?}");
    assert_eq!(lag[0].1["labels"]["group"], group.as_str());

    // Recovery: the group commits to the end; the publication appears and the task restarts.
    commit(&topic, &group, &[PRODUCED]);
    source_sql(&rt, &format!("CREATE PUBLICATION {schema} FOR TABLE {table}"));
    let restart = format!(
        "{}/connectors/{}/restart?includeTasks=true&onlyFailed=true",
        common::connector::CONNECT,
        conn.name
    );
    let code = rt
        .block_on(async { reqwest::Client::new().post(&restart).send().await.map(|r| r.status()) })
        .expect("restart");
    assert!(code.is_success(), "restart: {code}");
    let got = wait_for(&hook, "both resolved", 90, |m| {
        messages(m, "t22ntf_task").len() >= 2 && messages(m, "t22ntf_lag").len() >= 2
    });
    // The alert resolves as soon as the task is no longer FAILED (RESTARTING counts); the task
    // then runs, and a few more polls send nothing more for either rule.
    let deadline = Instant::now() + Duration::from_secs(60);
    while task_state(&worker.get(&format!("/connectors/{}/status", conn.name)).1).as_deref()
        != Some("RUNNING")
    {
        assert!(Instant::now() < deadline, "the restarted task never ran");
        std::thread::sleep(Duration::from_millis(250));
    }
    std::thread::sleep(Duration::from_secs(5));
    let all = hook.accepted();
    for rule in ["t22ntf_task", "t22ntf_lag"] {
        let states: Vec<&str> = messages(&all, rule).iter().map(|m| m.0).collect();
        assert_eq!(states, ["firing", "resolved"], "{rule}: {all:#?}");
    }
    let resolved = &messages(&got, "t22ntf_task")[1].1;
    assert!(resolved["resolved_at"].is_string(), "{resolved:#}");
    drop(serve);
}

/// Drops the scratch schema from the source however the test ends (after the connector's
/// guard, declared before it, has removed the connector and its slot).
struct Dropped(String);

impl Drop for Dropped {
    fn drop(&mut self) {
        let schema = self.0.clone();
        common::connector::on_own_runtime(async move {
            let pg = common::source_client().await;
            let _ = pg
                .batch_execute(&format!(
                    "DROP PUBLICATION IF EXISTS {schema}; DROP SCHEMA IF EXISTS {schema} CASCADE"
                ))
                .await;
        });
    }
}

//! `cdc-console connectors …` against the real local Connect worker. Every action is checked
//! with an independent REST read, not with the console's own output.
//!
//! The lifecycle test creates its own connector (`cdc-test-<pid>-<n>`, its own slot,
//! publication and topic prefix) and never touches `orders-cdc`, which other tests depend on.
//! A drop guard deletes it and its slot, publication and topics even when an assertion fails.

mod common;
#[path = "stack_connect_actions/fixture.rs"]
mod fixture;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use fixture::{TestConnector, Worker};
use serde_json::Value;

/// The worker's herder handles requests one at a time, so a request queued behind a task stop
/// (Debezium closing its replication stream and dropping its slot) waits seconds: measured
/// 3.9 s for a PUT right after an update. The default 3 s timeout would make this test flaky, so
/// it allows 30 s and reports every command slower than 3 s.
const SLOW_WORKER_TIMEOUT_MS: &str = "30000";

fn run(args: &[&str]) -> (i32, String, String) {
    let started = Instant::now();
    let out = common::console(args, &[("CDC_CONSOLE_REQUEST_TIMEOUT_MS", SLOW_WORKER_TIMEOUT_MS)]);
    if started.elapsed() > Duration::from_secs(3) {
        eprintln!("slow: cdc-console {} took {:.1?}", args.join(" "), started.elapsed());
    }
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the console and asserts it exits 0, returning stdout.
fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(
        code,
        0,
        "cdc-console {}: exit {code}\nstdout: {out}\nstderr: {err}",
        args.join(" ")
    );
    out
}

fn step(started: Instant, what: &str) {
    eprintln!("[{:>6.1}s] {what}", started.elapsed().as_secs_f64());
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
fn each_action_changes_the_state_the_rest_api_reports() {
    common::require_stack();
    let t0 = Instant::now();
    let worker = Worker::local();
    let conn = TestConnector::new(&worker);
    let name = conn.name.as_str();

    // apply: create, then update, then unchanged.
    let file = conn.write_spec(&[]);
    let file = file.path().to_str().expect("utf-8 temp path");
    assert_eq!(
        ok(&["connectors", "apply", "-f", file]).trim(),
        format!("connector {name} created")
    );
    worker.wait_state(name, "RUNNING");
    step(t0, "created and RUNNING");

    let changed = conn.write_spec(&[("heartbeat.interval.ms", "4000")]);
    let changed = changed.path().to_str().expect("utf-8 temp path");
    assert_eq!(
        ok(&["connectors", "apply", "-f", changed]).trim(),
        format!("connector {name} updated")
    );
    assert_eq!(
        worker.get(&format!("/connectors/{name}/config")).1["heartbeat.interval.ms"],
        "4000"
    );
    assert_eq!(
        ok(&["connectors", "apply", "-f", changed]).trim(),
        format!("connector {name} unchanged")
    );
    // The update restarts the connector and its tasks: the old RUNNING may still be shown.
    worker.wait_settled(name, "RUNNING");
    step(t0, "updated, unchanged, RUNNING");

    // --read-only refuses with 3 and nothing changes.
    for args in [
        vec!["--read-only", "connectors", "pause", name],
        vec!["--read-only", "connectors", "delete", name, "--yes"],
        vec!["--read-only", "connectors", "apply", "-f", file],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(err.contains("refused in --read-only mode"), "{err}");
    }
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        worker.state(name).as_deref(),
        Some("RUNNING"),
        "read-only left the connector alone"
    );
    assert_eq!(
        worker.get(&format!("/connectors/{name}/config")).1["heartbeat.interval.ms"],
        "4000",
        "read-only apply changed nothing"
    );

    // No terminal and no --yes: refused, still there.
    let (code, _, err) = run(&["connectors", "delete", name]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pass --yes"), "{err}");
    assert_eq!(worker.get(&format!("/connectors/{name}/status")).0, 200);

    for (verb, want) in
        [("pause", "PAUSED"), ("resume", "RUNNING"), ("stop", "STOPPED"), ("resume", "RUNNING")]
    {
        assert_eq!(
            ok(&["connectors", verb, name]).trim(),
            format!("connector {name}: {verb} requested")
        );
        worker.wait_state(name, want);
        step(t0, &format!("{verb} → {want}"));
    }

    // Restarts, checked by the walsender that streams the slot: a restarted task reconnects.
    let pid = conn.slot_pid();
    let out = ok(&["connectors", "restart", name, "--tasks", "all"]);
    // This worker answers with the task RESTARTING but the connector still RUNNING.
    assert!(
        out.contains("restart requested (connector ") && out.contains("tasks [0:RESTARTING])"),
        "{out}"
    );
    let pid = conn.wait_steady_slot_pid(pid);
    worker.wait_settled(name, "RUNNING");
    let out = ok(&["connectors", "restart", name, "--tasks", "failed"]);
    assert!(
        out.contains(&format!(
            "connector {name}: nothing to restart (connector RUNNING, tasks [0:RUNNING])"
        )),
        "{out}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(conn.slot_pid(), Some(pid), "--tasks failed left the healthy task alone");
    assert_eq!(
        ok(&["connectors", "restart", name, "--task", "0"]).trim(),
        format!("connector {name}: task restart requested")
    );
    conn.wait_new_slot_pid(Some(pid));
    worker.wait_settled(name, "RUNNING");
    step(t0, "restarts → RUNNING");

    // describe: masked password, topics (the heartbeat topic appears once a heartbeat is sent) and offsets.
    let detail = wait_for_describe(name, |d| {
        d["topics"].as_array().is_some_and(|t| !t.is_empty())
            && d["offsets"].as_array().is_some_and(|o| !o.is_empty())
    });
    assert_eq!(detail["config"]["database.password"], "********", "{detail:#}");
    assert_eq!(detail["config"]["key.converter"], "org.apache.kafka.connect.json.JsonConverter");
    assert_eq!(detail["state"], "RUNNING");
    assert_eq!(detail["tasks"][0]["state"], "RUNNING");
    let topics: Vec<&str> =
        detail["topics"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(
        topics.iter().all(|t| t.contains(&conn.prefix)),
        "only the connector's own topics: {topics:?}"
    );
    let offset = &detail["offsets"][0];
    assert_eq!(offset["partition"]["server"], conn.prefix.as_str(), "{detail:#}");
    assert!(offset["offset"]["lsn"].is_u64(), "Debezium offsets carry an LSN: {detail:#}");
    let table = ok(&["connectors", "describe", name]);
    assert!(table.contains("database.password") && table.contains("********"), "{table}");
    assert!(!table.contains(&format!("database.password  {}", fixture::PASSWORD)), "{table}");
    let listing = ok(&["connectors", "get"]);
    assert!(listing.lines().any(|l| l.starts_with(name) && l.contains("RUNNING")), "{listing}");
    step(t0, "describe and get");

    assert_eq!(
        ok(&["connectors", "delete", name, "--yes"]).trim(),
        format!("connector {name} deleted")
    );
    worker.wait_gone(name);
    step(t0, "deleted → 404");

    // slot.drop.on.stop: the task drops its slot when it stops for the delete.
    let left = conn.slot_after_delete(Duration::from_secs(20));
    step(
        t0,
        &format!(
            "slot after delete: {}",
            if left { "still there (dropped by the test)" } else { "dropped by Debezium" }
        ),
    );
    assert!(
        !left,
        "slot {} still exists 20s after the delete although slot.drop.on.stop=true",
        conn.slot
    );
}

/// Describes until `ready` holds (topics and offsets are written asynchronously), or the deadline.
fn wait_for_describe(name: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let out = ok(&["connectors", "describe", name, "-o", "json"]);
        let detail: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("describe -o json: {e}\n{out}"));
        if ready(&detail) || Instant::now() > deadline {
            return detail;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn an_unknown_connector_fails_with_the_workers_404_verbatim() {
    common::require_stack();
    let name = format!("cdc-test-missing-{}", std::process::id());
    let cases: [(&[&str], String); 4] = [
        (
            &["describe"],
            format!(
                r#"404 Not Found: {{"error_code":404,"message":"Connector {name} not found"}}"#
            ),
        ),
        (
            &["pause"],
            format!(r#"404 Not Found: {{"error_code":404,"message":"Unknown connector {name}"}}"#),
        ),
        (
            &["restart"],
            format!(r#"404 Not Found: {{"error_code":404,"message":"Unknown connector: {name}"}}"#),
        ),
        (
            &["delete", "--yes"],
            format!(
                r#"404 Not Found: {{"error_code":404,"message":"Connector {name} not found"}}"#
            ),
        ),
    ];
    for (verb, want) in cases {
        let mut args = vec!["connectors", verb[0], &name];
        args.extend(&verb[1..]);
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(&want), "{args:?}: want `{want}` in:\n{err}");
        assert!(out.is_empty(), "{args:?}: nothing on stdout: {out}");
    }
}

/// `--read-only` is checked before the file is read or any request sent: a worker that only
/// counts connections sees none.
#[test]
fn read_only_refuses_every_mutation_before_any_request() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let env = [("CDC_CONSOLE_CONNECT_URL", url.as_str())];
    for verb in [
        &["pause", "c"][..],
        &["resume", "c"],
        &["stop", "c"],
        &["restart", "c"],
        &["restart", "c", "--task", "0"],
        &["delete", "c", "--yes"],
        &["apply", "-f", "no/such/file.json"],
    ] {
        let mut args = vec!["--read-only", "connectors"];
        args.extend(verb);
        let out = common::console(&args, &env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        assert!(
            err.contains(&format!("refused in --read-only mode: connectors {}", verb[0])),
            "{err}"
        );
    }
    assert!(listener.accept().is_err(), "a refused command connected to the worker");
}

#[test]
fn clusters_are_picked_by_name_and_an_unknown_name_lists_the_known_ones() {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().expect("temp file");
    write!(f, "[[connect]]\nname = \"east\"\nurl = \"http://127.0.0.1:8083\"\n\n[[connect]]\nname = \"west\"\nurl = \"http://127.0.0.1:9\"\n")
        .expect("write config");
    let path = f.path().to_str().expect("utf-8 temp path");
    let out = common::console(&["--config", path, "connectors", "--cluster", "north", "get"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unknown Connect cluster `north`; configured clusters: east, west"),
        "{err}"
    );

    let out = common::console(&["--config", path, "connectors", "--cluster", "west", "get"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("http://127.0.0.1:9") && err.to_lowercase().contains("refused"),
        "west was asked: {err}"
    );
}

#[test]
fn a_malformed_apply_file_is_named_and_nothing_is_sent() {
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().expect("temp file");
    write!(f, r#"{{"name":"x","configs":{{}}}}"#).expect("write spec");
    let path = f.path().to_str().expect("utf-8 temp path");
    let out = common::console(
        &["connectors", "apply", "-f", path],
        &[("CDC_CONSOLE_CONNECT_URL", "http://127.0.0.1:9")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{path}: connector #1: unknown field `configs`")), "{err}");
    let out = common::console(
        &["connectors", "apply", "-f", "no/such/file.json"],
        &[("CDC_CONSOLE_CONNECT_URL", "http://127.0.0.1:9")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no/such/file.json: cannot read the file"), "{err}");
}

/// A new connector whose config the worker refuses: only the refusal, with the plugin's
/// validation messages one a line, not the existence check's 404 nor Connect's JSON; nothing
/// is created.
#[test]
fn a_refused_config_prints_its_validation_messages_one_a_line() {
    common::require_stack();
    let worker = Worker::local();
    let mut conn = TestConnector::new(&worker);
    conn.name = format!("t21row-refused-{}", std::process::id());
    let file = conn.write_spec(&[("tasks.max", "abc"), ("snapshot.mode", "bogus")]);
    let file = file.path().to_str().expect("utf-8 temp path");
    let (code, out, err) = run(&["connectors", "apply", "-f", file]);
    assert_eq!(code, 2, "{out}{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.contains("warning:")).collect();
    assert!(
        lines[0].starts_with(&format!(
            "cdc-console: connector {}: Connect refused its config (",
            conn.name
        )),
        "{err}"
    );
    assert!(
        lines.contains(
            &"  tasks.max: Invalid value abc for configuration tasks.max: Not a number of type INT"
        ),
        "{err}"
    );
    assert!(lines.iter().any(|l| l.starts_with("  snapshot.mode: ")), "{err}");
    assert!(!err.contains("404") && !err.contains("error_code"), "{err}");
    assert_eq!(worker.get(&format!("/connectors/{}", conn.name)).0, 404, "nothing created");
}

//! The real binary in a real terminal (tmux) against the local stack, driven like a user:
//! navigate to the connectors view, pause, resume and restart the connector with its keys and
//! see each state change (on screen, and in the REST API and PostgreSQL independently), start
//! the generator and see its rate, the replicator and a diff, then quit and find the terminal
//! restored. Signals and panics: stack_tui_hygiene.rs.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::{Session, assert_terminal_restored, tmux};

/// The connector's state as Connect's REST API reports it, read without the console.
fn rest_state(name: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-m", "5", &format!("http://127.0.0.1:8083/connectors/{name}/status")])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["connector"]["state"].as_str().unwrap_or("?").to_string()
}

/// The pid of the walsender serving Debezium's slot: it changes when the task restarts.
fn slot_pid(rt: &tokio::runtime::Runtime) -> Option<i32> {
    rt.block_on(async {
        let db = common::source_client().await;
        db.query_one(
            "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'cdc_console'",
            &[],
        )
        .await
        .ok()?
        .get(0)
    })
}

fn wait_rest(name: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while rest_state(name) != want {
        assert!(
            Instant::now() < deadline,
            "REST never showed {name} {want} (now {})",
            rest_state(name)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
fn a_user_restarts_the_connector_runs_the_generator_and_quits_cleanly() {
    common::require_stack();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let name = format!("cdc-console-test-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    let stty = dir.path().join("stty-after");
    let bin = env!("CARGO_BIN_EXE_cdc-console");
    let script = format!(
        // The pane stays after the console ends (its exit status and any panic message on
        // screen) until the session is killed.
        "CDC_CONSOLE_LOG_DIR={} {bin}; echo \"exit=$?\"; stty -a > {}; sleep 600",
        dir.path().display(),
        stty.display()
    );
    common::tmux::new_session(&name, 160, 45, &script);
    let s = Session(name, Some(dir.path().to_path_buf()));

    s.wait("the connector RUNNING on the first screen", 30, |x| {
        x.contains("orders-cdc") && x.contains("RUNNING")
    });
    assert_eq!(
        tmux(&["display", "-p", "-t", &s.target(), "#{alternate_on}"]).trim(),
        "1",
        "TUI on the alternate screen"
    );

    // The three brokers of the local cluster, each up at its own port.
    s.keys(&[":"]);
    s.type_text("brokers");
    s.keys(&["Enter"]);
    let screen = s.wait("the brokers view with three brokers up", 30, |x| {
        x.contains("brokers 3 up · 0 down")
            && ["127.0.0.1:9092", "127.0.0.1:9093", "127.0.0.1:9094"].iter().all(|a| x.contains(a))
    });
    assert!(screen.contains("URP 0") && screen.contains("offline 0"), "{screen}");

    // `:` jumps to a view by name, with completion.
    s.keys(&[":"]);
    s.type_text("conn");
    s.keys(&["Tab", "Enter"]);
    s.wait("the connectors view", 10, |x| x.contains("TASKS") && x.contains("orders-cdc"));

    // Other connectors may share the cluster: the live filter leaves ours alone, selected, and
    // each state is read off its own row.
    s.keys(&["/"]);
    s.type_text("orders-cdc");
    s.keys(&["Enter"]);
    let ours =
        |x: &str, state: &str| x.lines().any(|l| l.contains("orders-cdc") && l.contains(state));
    s.wait("orders-cdc in the filtered list", 10, |x| ours(x, "RUNNING"));
    s.keys(&["p"]);
    s.wait("PAUSED on screen", 30, |x| ours(x, "PAUSED"));
    wait_rest("orders-cdc", "PAUSED");
    s.keys(&["u"]);
    s.wait("RUNNING again on screen", 30, |x| ours(x, "RUNNING") && !ours(x, "PAUSED"));
    wait_rest("orders-cdc", "RUNNING");

    // Restart with all tasks: the walsender serving Debezium's slot is replaced.
    let before = slot_pid(&rt);
    assert!(before.is_some(), "Debezium streams from its slot");
    s.keys(&["R"]);
    s.wait("the restart's feedback", 30, |x| x.contains("✓") && x.contains("orders-cdc"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while slot_pid(&rt) == before || slot_pid(&rt).is_none() {
        assert!(
            Instant::now() < deadline,
            "the task never reconnected to its slot after the restart"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    s.wait("RUNNING after the restart", 30, |x| ours(x, "RUNNING"));

    // The generator: start it, see a rate above zero, stop it.
    s.keys(&[":"]);
    s.type_text("generator");
    s.keys(&["Enter", "s"]);
    let screen = s.wait("the generator running with a rate", 30, |x| {
        achieved_rate(x).is_some_and(|r| r > 0.0)
    });
    assert!(screen.to_lowercase().contains("running"), "{screen}");
    s.keys(&["s"]);
    s.wait("the generator stopped", 15, |x| x.contains("generator stopped after"));

    // The replicator and a diff from the replication view: the replicas catch up, and the
    // diff finds nothing diverged.
    s.keys(&[":"]);
    s.type_text("replication");
    s.keys(&["Enter", "s"]);
    s.wait("the replicator applying", 120, |x| {
        x.contains("● running")
            && x.contains("orders_replica → cdc.orders_replica")
            && !x.contains(" 0 applied")
    });
    s.keys(&["d"]);
    let screen = s.wait("the diff's result", 180, |x| x.contains("took") && x.contains("diverged"));
    assert!(
        screen.contains("public.orders = cdc.orders_replica")
            && screen.contains("public.orders = cdc.orders_transformed"),
        "{screen}"
    );
    assert!(
        !screen.lines().any(|l| l.contains("diverged") && !l.contains(" 0 diverged")),
        "a replica diverged: {screen}"
    );
    s.keys(&["s"]);
    s.wait("the replicator stopped", 30, |x| x.contains("replicator stopped"));

    s.keys(&["q"]);
    let after = s.wait("the shell after quit", 10, |x| x.contains("exit=0"));
    assert!(!after.contains("orders-cdc"), "the TUI is gone from the screen: {after}");
    assert_eq!(
        tmux(&["display", "-p", "-t", &s.target(), "#{alternate_on}"]).trim(),
        "0",
        "alternate screen left"
    );
    assert_terminal_restored(&stty);
}

/// The achieved rate the generator view shows ("achieved 198.0/s" or similar).
fn achieved_rate(screen: &str) -> Option<f64> {
    let line = screen.lines().find(|l| l.to_lowercase().contains("achieved"))?;
    let after = &line[line.to_lowercase().find("achieved")? + "achieved".len()..];
    let number: String = after
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    number.parse().ok()
}

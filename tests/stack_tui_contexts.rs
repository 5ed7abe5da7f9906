//! Contexts in the real binary, in a real terminal (tmux), against the local stack: one config
//! file with `dev` (the stack as it is) and `prod` (the same stack, read-only, with a second,
//! unreachable Connect cluster, so its connectors are listed as `cluster/name`). `:ctx prod`
//! switches the screen to prod within one refresh, the header says prod and read-only, an
//! action key there is refused (and the connector stays RUNNING), the picker lists both, and
//! `:ctx dev` comes back. Nothing here changes the stack.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Session;

/// Both contexts poll every `REFRESH_MS`: the switch must show prod within one refresh.
const REFRESH_MS: u64 = 3000;

fn config_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("ctx_contexts.toml");
    let text = format!(
        r#"context = "dev"

[contexts.dev.timeouts]
refresh_ms = {REFRESH_MS}

[contexts.prod]
read_only = true
tables = [{{ name = "public.orders", topic = "dbserver1.public.orders" }}]
replicas = []

[contexts.prod.timeouts]
refresh_ms = {REFRESH_MS}

[[contexts.prod.connect]]
name = "local"
url = "http://127.0.0.1:8083"

[[contexts.prod.connect]]
name = "dr"
url = "http://127.0.0.1:9"
"#
    );
    std::fs::write(&path, text).expect("write the config");
    path
}

/// The connector's state as Connect's REST API reports it, read without the console.
fn rest_state(name: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-m", "5", &format!("http://127.0.0.1:8083/connectors/{name}/status")])
        .output()
        .expect("curl");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["connector"]["state"].as_str().unwrap_or("?").to_string()
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

/// `:TEXT` Enter.
fn command(s: &Session, text: &str) {
    s.keys(&[":"]);
    s.type_text(text);
    s.keys(&["Enter"]);
}

#[test]
fn ctx_switches_to_a_read_only_context_within_one_refresh_and_refuses_actions_there() {
    common::require_stack();
    assert_eq!(rest_state("orders-cdc"), "RUNNING", "the shared connector runs before the test");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = config_file(dir.path());
    let name = format!("ctx_tui_{}", std::process::id());
    let env = format!("CDC_CONSOLE_CONFIG={}", config.display());
    let s = Session::console(&name, dir.path(), &env, 160, 40);

    // dev: the stack, one Connect cluster, read-write.
    s.wait("dev's header", 20, |sc| header(sc).contains("cdc-console ctx:dev overview"));
    command(&s, "connectors");
    let dev =
        s.wait("dev's connector", 20, |sc| sc.contains("orders-cdc") && sc.contains("RUNNING"));
    assert!(!dev.contains("local/orders-cdc") && !header(&dev).contains("read-only"), "{dev}");

    // The picker lists both, dev marked current; Esc closes it.
    command(&s, "ctx");
    let picker = s.wait("the picker", 10, |sc| sc.contains("contexts · enter switches"));
    assert!(picker.contains("* dev") && picker.contains("  prod read-only"), "{picker}");
    s.keys(&["Escape"]);
    s.wait("the picker closed", 10, |sc| !sc.contains("contexts · enter switches"));
    std::thread::sleep(Duration::from_millis(300));

    // :ctx prod: the header at once, prod's connectors (two clusters) within one refresh.
    command(&s, "ctx prod");
    let switched = Instant::now();
    let prod = s.wait("prod's connectors", 20, |sc| {
        sc.contains("local/orders-cdc") && sc.contains("RUNNING")
    });
    let took = switched.elapsed();
    eprintln!("prod on screen {took:?} after `:ctx prod`");
    assert!(
        took < Duration::from_millis(REFRESH_MS),
        "prod showed after {took:?}, more than one refresh ({REFRESH_MS} ms):\n{prod}"
    );
    assert!(header(&prod).contains("cdc-console ctx:prod [read-only] overview"), "{prod}");
    assert!(!prod.lines().any(|l| l.contains("│orders-cdc ")), "nothing of dev under prod: {prod}");

    // An action key in prod is refused, and the connector keeps running.
    s.keys(&["p"]);
    let refused = s.wait("the refusal", 10, |sc| sc.contains("context `prod` is read-only"));
    assert!(refused.contains("refused: context `prod` is read-only: pause"), "{refused}");
    std::thread::sleep(Duration::from_millis(1500));
    let state = rest_state("orders-cdc");
    if state == "PAUSED" {
        // Never leave the shared stack changed, even when the refusal failed.
        Command::new("curl")
            .args([
                "-s",
                "-m",
                "5",
                "-X",
                "PUT",
                "http://127.0.0.1:8083/connectors/orders-cdc/resume",
            ])
            .output()
            .expect("curl");
    }
    assert_eq!(state, "RUNNING", "the refused pause reached Connect");

    // Back to dev: read-write again, one cluster.
    command(&s, "ctx dev");
    let back = s.wait("dev again", 20, |sc| {
        header(sc).contains("cdc-console ctx:dev overview")
            && sc.lines().any(|l| l.contains("│orders-cdc "))
    });
    assert!(!back.contains("local/orders-cdc") && !header(&back).contains("read-only"), "{back}");

    s.keys(&["q"]);
    s.wait("the console's exit", 20, |sc| sc.contains("exit=0"));
}

//! The real binary in a real terminal (tmux): the first screen shows the live pipeline, `q`
//! quits, and the terminal is restored (alternate screen left, cooked mode back).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux is installed (apt-get install tmux)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<String>) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(s) = check() {
            return s;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_console_shows_the_pipeline_quits_on_q_and_restores_the_terminal() {
    common::require_stack();
    let name = format!("cdc-console-test-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    let stty = dir.path().join("stty-after");
    let bin = env!("CARGO_BIN_EXE_cdc-console");
    let script = format!("CDC_CONSOLE_LOG_DIR={} {bin}; echo \"exit=$?\"; stty -a > {}; sleep 30", dir.path().display(), stty.display());
    tmux(&["new-session", "-d", "-s", &name, "-x", "120", "-y", "36", "bash", "--norc", "-c", &script]);
    let session = Session(name.clone());
    let target = format!("{name}:0.0");

    let screen = wait_for("the connector RUNNING on screen", Duration::from_secs(20), || {
        let s = tmux(&["capture-pane", "-p", "-t", &target]);
        (s.contains("orders-cdc") && s.contains("RUNNING") && s.contains("cdc_console")).then_some(s)
    });
    assert!(screen.contains("q/ctrl-c quit"), "{screen}");
    assert_eq!(tmux(&["display", "-p", "-t", &target, "#{alternate_on}"]).trim(), "1", "TUI on the alternate screen");

    tmux(&["send-keys", "-t", &target, "q"]);
    let after = wait_for("the shell after quit", Duration::from_secs(10), || {
        let s = tmux(&["capture-pane", "-p", "-t", &target]);
        s.contains("exit=0").then_some(s)
    });
    assert!(!after.contains("orders-cdc"), "the TUI is gone from the screen: {after}");
    assert_eq!(tmux(&["display", "-p", "-t", &target, "#{alternate_on}"]).trim(), "0", "alternate screen left");
    let modes = wait_for("stty output", Duration::from_secs(5), || std::fs::read_to_string(&stty).ok().filter(|s| !s.is_empty()));
    for flag in ["icanon", "echo", "isig"] {
        assert!(modes.split_whitespace().any(|w| w == flag), "`{flag}` restored: {modes}");
    }
    drop(session);
}

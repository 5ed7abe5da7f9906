//! Terminal and process hygiene of the real binary in tmux: SIGTERM and SIGHUP end the console
//! with the terminal restored; a panic of the drawing thread (injected through the debug
//! build's `CDC_CONSOLE_TEST_PANIC`) restores the terminal before its message prints; a panic
//! of a background task leaves the console running on its screen; `q` with the replicator
//! running stops it between batches before the console ends.

mod common;

use std::process::Command;
use std::time::Duration;

use common::tmux::{Session, assert_terminal_restored};

fn session(tag: &str, env: &str) -> (Session, tempfile::TempDir) {
    common::require_stack();
    let dir = tempfile::tempdir().unwrap();
    let name = format!("cdc-console-{tag}-{}", std::process::id());
    let s = Session::console(&name, dir.path(), env, 120, 36);
    s.wait("the console", 30, |x| x.contains("cdc-console") && x.contains("source"));
    (s, dir)
}

fn ends_restored(s: &Session, dir: &tempfile::TempDir, exit: &str) -> String {
    let after = s.wait("the shell after the console", 20, |x| x.contains("exit="));
    assert!(after.contains(&format!("exit={exit}")), "exit status {exit}: {after}");
    assert!(!s.alternate_on(), "alternate screen left: {after}");
    assert_terminal_restored(&dir.path().join("stty-after"));
    after
}

/// SIGTERM (a `kill`, a closing session manager) and SIGHUP (the terminal closed) end the
/// console with exit 0 and the terminal restored.
#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let (s, dir) = session(&format!("sig{signal}"), "");
        Command::new("kill").args([&format!("-{signal}"), &s.pid()]).status().unwrap();
        ends_restored(&s, &dir, "0");
    }
}

/// A panic of the thread that draws: the terminal is given back first, then the message
/// prints on the restored terminal (exit 101, Rust's panic status).
#[test]
fn a_panic_while_drawing_restores_the_terminal_and_shows_the_message() {
    let (s, dir) = session("panic-loop", "RUST_BACKTRACE=0 CDC_CONSOLE_TEST_PANIC=loop");
    let after = ends_restored(&s, &dir, "101");
    assert!(after.contains("injected panic in the drawing thread"), "{after}");
}

/// A background task's panic is not the console's end: the screen stays, nothing is printed
/// over it, the log has the panic, and `q` still quits cleanly.
#[test]
fn a_panic_in_a_task_leaves_the_console_running() {
    let (s, dir) = session("panic-task", "CDC_CONSOLE_TEST_PANIC=task");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !s.log().contains("a task panicked") {
        assert!(std::time::Instant::now() < deadline, "no panic logged: {}", s.log_tail());
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(2));
    let screen = s.screen();
    assert!(s.alternate_on(), "still on the console's screen: {screen}");
    assert!(!screen.contains("injected panic"), "nothing printed over the frame: {screen}");
    s.keys(&["q"]);
    ends_restored(&s, &dir, "0");
}

/// `q` while the replicator runs: it is asked to stop between batches and the console waits
/// for it (its end in the log), then quits with the terminal restored.
#[test]
fn quit_stops_the_replicator_between_batches_first() {
    let (s, dir) = session("quit-stages", "");
    s.keys(&[":"]);
    s.type_text("replication");
    s.keys(&["Enter", "s"]);
    s.wait("the replicator running", 120, |x| x.contains("● running"));
    s.keys(&["q"]);
    ends_restored(&s, &dir, "0");
    let log = s.log();
    let stopping = log.find("stopping the embedded stages").expect("quit asked the stages first");
    let stopped = log.find("replicator stopped").expect("the replicator's end, logged");
    assert!(stopping < stopped, "stopped after being asked: {log}");
}

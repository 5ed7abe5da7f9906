//! The local stack's script is part of the README's contract (both commands run it): shellcheck
//! (installed by `compose/local/stack test`) must find nothing in it or in what it sources.

mod common;

use std::process::Command;

#[test]
fn the_stack_script_passes_shellcheck() {
    let local = common::repo_root().join("compose/local");
    let mut files = vec![local.join("stack")];
    let mut libs: Vec<_> = std::fs::read_dir(local.join("lib"))
        .expect("compose/local/lib")
        .flatten()
        .map(|e| e.path())
        .collect();
    libs.sort();
    assert!(libs.len() >= 5, "the script's parts: {libs:?}");
    files.extend(libs);
    let out = Command::new("shellcheck")
        .current_dir(common::repo_root())
        .arg("-x")
        .args(&files)
        .output()
        .expect("shellcheck is not installed: run the tests with `compose/local/stack test`, which installs it");
    assert!(
        out.status.success(),
        "shellcheck:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

//! The layers stay layered: `pipeline` (what the console runs) knows nothing of the collectors,
//! the store, the screen or the app; the processor borrows nothing from the replicator (what both
//! need lives in `pipeline/`, `kafka`, `pg` or `stats`); the collectors and the store know
//! nothing of the screen or the app; the screen reaches only the store (its one door to backend
//! data), the config (themes), the actions and the units; the processor's operator and decoder
//! do no I/O. A forbidden `use` (or path) in a source file fails here, named with its file and
//! line.

mod common;

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Every line of the files under `src/<dir>` as (`file:line`, the code before any `//`, the
/// whole line trimmed).
fn code_lines(dir: &str) -> Vec<(String, String, String)> {
    let root = common::repo_root().join("src").join(dir);
    let mut out = Vec::new();
    for file in sources(&root) {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default().to_string();
            out.push((format!("{}:{}", file.display(), n + 1), code, line.trim().to_string()));
        }
    }
    out
}

/// Lines of the files under `src/<dir>` (comments aside) that name one of `forbidden`.
fn offences(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (at, code, line) in code_lines(dir) {
        if let Some(f) = forbidden.iter().find(|f| code.contains(**f)) {
            found.push(format!("{at}: {f}: {line}"));
        }
    }
    found
}

/// Lines of the files under `src/<dir>` (comments aside) with a `crate::X` path whose `X` is not
/// one of `allowed`.
fn reaches_outside(dir: &str, allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (at, code, line) in code_lines(dir) {
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let module: String =
                rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !allowed.contains(&module.as_str()) {
                found.push(format!("{at}: crate::{module}: {line}"));
            }
        }
    }
    found
}

/// What `ui/` may import from the crate: the store (the only door to backend data, snapshot
/// types included), the config (themes), the actions (the keymap, scopes), the units, itself.
const UI_MAY_USE: &[&str] = &["store", "config", "action", "units", "ui"];

#[test]
fn the_pipeline_knows_nothing_of_collectors_store_screen_or_app() {
    let found = offences(
        "pipeline",
        &["crate::collectors", "crate::store", "crate::ui", "crate::app", "crate::cli"],
    );
    assert!(found.is_empty(), "pipeline/ reaches across its layer:\n{}", found.join("\n"));
}

#[test]
fn the_processor_borrows_nothing_from_the_replicator() {
    let found =
        offences("pipeline/processor", &["pipeline::replicator", "super::super::replicator"]);
    assert!(found.is_empty(), "processor/ imports the replicator:\n{}", found.join("\n"));
}

/// What makes code I/O: the async runtime, the Kafka, PostgreSQL and HTTP clients, `.await`.
const IO: &[&str] = &["tokio", "rdkafka", "tokio_postgres", "reqwest", ".await", "async fn"];

#[test]
fn the_processors_operator_and_decoder_are_pure() {
    // Their mod.rs files say so: no Kafka, no PostgreSQL, no async; the I/O side (io/) feeds
    // them records and writes what they return, never the other way round.
    let mut forbidden = IO.to_vec();
    forbidden.extend(["super::io", "processor::io", "processor::run"]);
    let mut found = offences("pipeline/processor/operator", &forbidden);
    found.extend(offences("pipeline/processor/decode", &forbidden));
    assert!(found.is_empty(), "the processor's pure parts do I/O:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_io_in_the_processors_io_side() {
    // The scan itself: io/ is where the processor's async code lives.
    let found = offences("pipeline/processor/io", IO);
    assert!(
        found.iter().any(|f| f.contains("rdkafka")) && found.iter().any(|f| f.contains(".await")),
        "processor/io/ consumes from Kafka with .await; the scan found: {found:?}"
    );
}

#[test]
fn collectors_and_store_know_nothing_of_the_screen_or_the_app() {
    let mut found =
        offences("collectors", &["crate::ui", "crate::app", "crate::cli", "crate::store"]);
    found.extend(offences("store", &["crate::ui", "crate::app", "crate::cli"]));
    assert!(found.is_empty(), "a lower layer reaches up:\n{}", found.join("\n"));
}

#[test]
fn the_screen_reaches_only_the_store_config_actions_and_units() {
    let found = reaches_outside("ui", UI_MAY_USE);
    assert!(
        found.is_empty(),
        "ui/ imports beyond crate::{{{}}} (re-export what it needs from store/):\n{}",
        UI_MAY_USE.join(","),
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_forbidden_import() {
    // The scan itself: a file under src/ that is known to import the collectors.
    let found = offences("store", &["crate::collectors"]);
    assert!(
        !found.is_empty(),
        "store/ is built on the collectors' snapshots; the scan found no import of them"
    );
}

#[test]
fn the_check_sees_a_path_outside_the_screens_allowance() {
    // The scan itself: store/ re-exports the collectors' and the pipeline's snapshot types.
    let found = reaches_outside("store", UI_MAY_USE);
    assert!(
        found.iter().any(|f| f.contains("crate::collectors"))
            && found.iter().any(|f| f.contains("crate::pipeline")),
        "store/ names the collectors and the pipeline; the scan found: {found:?}"
    );
}

//! Contexts through the real binary, with no backend: `contexts` lists a two-context file (table
//! and JSON, no secret), `--context` / `CDC_CONSOLE_CONTEXT` pick one (the flag wins), an unknown
//! name lists the known ones, the environment overrides apply to the context in use only, and a
//! context marked `read_only` refuses every mutating subcommand with exit 3 before any request.

mod common;

use std::io::Write;
use std::net::TcpListener;

/// `dev` (the default) and `prod` (read-only, its Connect worker at `connect`), prod's sink
/// password written in the file.
fn two_contexts(connect: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().expect("temp file");
    write!(
        f,
        r#"context = "dev"

[contexts.dev.kafka]
brokers = "127.0.0.1:9092"

[contexts.prod]
read_only = true
kafka = {{ brokers = "kafka.prod:9093" }}
connect = [{{ name = "prod", url = "{connect}" }}]

[contexts.prod.sink]
host = "sink.prod"
port = 5433
dbname = "sink"
user = "console"
password = "ctx-s3cret-pw"
"#
    )
    .expect("write the config");
    f
}

fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let out = common::console(args, env);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn contexts_lists_each_with_the_current_marked_and_no_secret() {
    let f = two_contexts("http://127.0.0.1:9");
    let path = f.path().to_str().expect("utf-8 path");
    let (code, out, err) = run(&["--config", path, "contexts"], &[]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("CURRENT  NAME  READ-ONLY  SOURCE"), "{out}");
    assert!(
        lines[1].starts_with("*        dev   no         postgres@127.0.0.1:55432/source"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("         prod  yes        postgres@127.0.0.1:55432/source"),
        "{out}"
    );
    let prod: Vec<&str> = lines[2].split_whitespace().collect();
    let want = [
        "prod",
        "yes",
        "postgres@127.0.0.1:55432/source",
        "console@sink.prod:5433/sink",
        "kafka.prod:9093",
        "http://127.0.0.1:9",
    ];
    assert_eq!(prod, want, "{out}");
    assert!(!out.contains("ctx-s3cret-pw") && !err.contains("ctx-s3cret-pw"), "{out}{err}");

    let (code, out, err) =
        run(&["--config", path, "--context", "prod", "contexts", "-o", "json"], &[]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let prod = &v[1];
    assert_eq!((v[0]["name"].as_str(), v[0]["current"].as_bool()), (Some("dev"), Some(false)));
    assert_eq!(v[0]["default"], true);
    assert_eq!((prod["name"].as_str(), prod["current"].as_bool()), (Some("prod"), Some(true)));
    assert_eq!((prod["read_only"].as_bool(), prod["default"].as_bool()), (Some(true), Some(false)));
    assert_eq!(prod["sink"], "console@sink.prod:5433/sink");
    assert_eq!(prod["brokers"], "kafka.prod:9093");
    assert_eq!(prod["connect"][0]["url"], "http://127.0.0.1:9");
    assert!(!out.contains("ctx-s3cret-pw"), "{out}");
}

#[test]
fn the_flag_wins_over_the_variable_and_overrides_apply_to_the_context_in_use() {
    let f = two_contexts("http://127.0.0.1:9");
    let path = f.path().to_str().expect("utf-8 path");
    let env = [("CDC_CONSOLE_CONTEXT", "prod"), ("CDC_CONSOLE_BROKERS", "override:1")];
    let (_, out, err) = run(&["--config", path, "contexts", "-o", "json"], &env);
    let v: serde_json::Value = serde_json::from_str(&out).expect(&err);
    assert_eq!(
        (v[1]["current"].as_bool(), v[1]["brokers"].as_str()),
        (Some(true), Some("override:1"))
    );
    assert_eq!(v[0]["brokers"], "127.0.0.1:9092", "dev keeps its own brokers");
    let (_, out, err) =
        run(&["--config", path, "--context", "dev", "contexts", "-o", "json"], &env);
    let v: serde_json::Value = serde_json::from_str(&out).expect(&err);
    assert_eq!(
        (v[0]["current"].as_bool(), v[0]["brokers"].as_str()),
        (Some(true), Some("override:1"))
    );
    assert_eq!(v[1]["brokers"], "kafka.prod:9093");
}

#[test]
fn an_unknown_context_lists_the_known_ones() {
    let f = two_contexts("http://127.0.0.1:9");
    let path = f.path().to_str().expect("utf-8 path");
    let (code, _, err) = run(&["--config", path, "--context", "stage", "status"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown context `stage`; known contexts: dev, prod"), "{err}");
    let (code, _, err) = run(&["contexts"], &[("CDC_CONSOLE_CONTEXT", "prod")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown context `prod`; known contexts: default"), "{err}");
}

/// Every subcommand that changes something, refused in `prod` with exit 3 and a message naming
/// the context, before any request: the context's Connect worker only counts connections.
#[test]
fn a_read_only_context_refuses_every_mutating_subcommand() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let f = two_contexts(&format!("http://{}", listener.local_addr().expect("address")));
    let path = f.path().to_str().expect("utf-8 path");
    let mutations: [&[&str]; 13] = [
        &["connectors", "pause", "c"],
        &["connectors", "resume", "c"],
        &["connectors", "stop", "c"],
        &["connectors", "restart", "c"],
        &["connectors", "restart", "c", "--task", "0"],
        &["connectors", "delete", "c", "--yes"],
        &["connectors", "apply", "-f", "no/such/file.json"],
        &["dead-letters", "purge", "--consumer", "replica:r", "--yes"],
        &["dead-letters", "redrive", "--consumer", "replica:r", "--all", "--yes"],
        &["generate", "--duration", "1s"],
        &["replicate", "--until-idle"],
        &["process", "--until-idle"],
        &["process", "--reset", "--until-idle"],
    ];
    for args in mutations {
        let mut all = vec!["--config", path, "--context", "prod"];
        all.extend(args);
        let (code, out, err) = run(&all, &[]);
        assert_eq!(code, Some(3), "{args:?}: {out}{err}");
        assert!(err.contains("refused: context `prod` is read-only: "), "{args:?}: {err}");
        // Through CDC_CONSOLE_CONTEXT too.
        let (code, _, err) =
            run(&[&["--config", path][..], args].concat(), &[("CDC_CONSOLE_CONTEXT", "prod")]);
        assert_eq!(code, Some(3), "{args:?} with CDC_CONSOLE_CONTEXT: {err}");
    }
    assert!(listener.accept().is_err(), "a refused command connected to prod's worker");
    // A read-only context still reads: `contexts` and `connectors get` are not refused.
    let (code, _, err) = run(&["--config", path, "--context", "prod", "connectors", "get"], &[]);
    assert_ne!(code, Some(3), "{err}");
}

/// A context whose secret comes from a variable this machine does not set: the file still
/// loads, dev works, `contexts` lists prod with its located error, and prod itself refuses to
/// start with that error.
#[test]
fn a_context_that_cannot_be_read_fails_only_when_used() {
    let f = two_contexts("http://127.0.0.1:9");
    let text = std::fs::read_to_string(f.path()).expect("read").replace(
        "password = \"ctx-s3cret-pw\"",
        "password_env = \"CDC_CONSOLE_TEST_UNSET_PROD_SINK\"",
    );
    std::fs::write(f.path(), text).expect("write");
    let path = f.path().to_str().expect("utf-8 path");
    let (code, out, err) = run(&["--config", path, "contexts"], &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("dev") && out.contains("postgres@127.0.0.1:55432/source"), "{out}");
    let prod = out.lines().find(|l| l.contains("prod")).unwrap_or_default();
    assert!(prod.contains("cannot be used") && prod.contains("contexts.prod.sink"), "{out}");
    let (code, json, _) = run(&["--config", path, "contexts", "-o", "json"], &[]);
    assert_eq!(code, Some(0));
    let rows: serde_json::Value = serde_json::from_str(&json).expect("json");
    let error = rows[1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("CDC_CONSOLE_TEST_UNSET_PROD_SINK"), "{json}");
    assert!(rows[0].get("error").is_none(), "dev has no error: {json}");
    let (code, _, err) = run(&["--config", path, "--context", "prod", "connectors", "get"], &[]);
    assert_ne!(code, Some(0));
    assert!(err.contains("contexts.prod.sink.password_env"), "{err}");
}

//! promtool and Python's prometheus_client, as `compose/local/stack build-tools` unpacks them
//! into .stack/tools (or where `PROMTOOL` / `PROMETHEUS_PYTHONPATH` say).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn tool(env: &str, default: &str) -> PathBuf {
    let path = std::env::var(env)
        .map_or_else(|_| super::repo_root().join(".stack/tools").join(default), PathBuf::from);
    assert!(
        path.exists(),
        "{} not found: run `compose/local/stack build-tools` (it unpacks promtool and \
         prometheus_client into .stack/tools), or set {env}",
        path.display()
    );
    path
}

pub fn promtool() -> PathBuf {
    tool("PROMTOOL", "prometheus-2.42.0/usr/bin/promtool")
}

/// `promtool ARGS` with `stdin` as its input; its output, stdout then stderr, and success.
pub fn run_promtool(args: &[&str], stdin: &str) -> (bool, String) {
    let out = pipe(Command::new(promtool()).args(args), stdin);
    (out.status.success(), text(&out))
}

/// A Python script run with prometheus_client importable, fed `stdin`; its stdout.
pub fn python(script: &str, stdin: &str) -> String {
    let path = tool("PROMETHEUS_PYTHONPATH", "python");
    let out = pipe(Command::new("python3").args(["-c", script]).env("PYTHONPATH", path), stdin);
    assert!(out.status.success(), "python3 failed: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pipe(cmd: &mut Command, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Families in `exposition` as Python's standard parser splits them: `name type samples` per
/// line, counters named with their `_total` as exposed.
pub const PARSE_FAMILIES: &str = r"
import sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(sys.stdin.read()):
    name = f.name + '_total' if f.type == 'counter' else f.name
    print(name, f.type, len(f.samples))
";

//! Idle CPU and memory of the console: the real binary in a real terminal (tmux) against the
//! local stack, nothing changing but the collectors' polls and the clock. Target: under 1 % of
//! a core. Needs the stack up (`compose/local/stack up`).
//!
//! `cargo bench --bench idle_cpu` (the release binary is measured).

use std::process::Command;
use std::time::Duration;

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux is installed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("process alive");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0)
}

fn rss_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() {
    if std::net::TcpStream::connect("127.0.0.1:8083").is_err() {
        eprintln!("idle_cpu: the local stack is not up (compose/local/stack up)");
        std::process::exit(1);
    }
    let session = format!("cdc-idle-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_cdc-console");
    tmux(&["new-session", "-d", "-s", &session, "-x", "160", "-y", "45", bin]);
    std::thread::sleep(Duration::from_secs(6));
    let pid = tmux(&["display", "-p", "-t", &session, "#{pane_pid}"]);
    let ticks_per_s = 100.0; // CLK_TCK on Linux
    let window = Duration::from_secs(30);
    let before = cpu_ticks(&pid);
    std::thread::sleep(window);
    let after = cpu_ticks(&pid);
    let cpu = (after - before) as f64 / ticks_per_s / window.as_secs_f64() * 100.0;
    println!("idle CPU over {}s: {cpu:.2} % of a core (target < 1 %)", window.as_secs());
    println!("resident memory: {:.1} MiB", rss_mib(&pid));
    tmux(&["send-keys", "-t", &session, "q"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux(&["kill-session", "-t", &session]);
}

//! The slot guard's red: on a throwaway PostgreSQL 15 cluster of its own (a small
//! `max_slot_wal_keep_size` would invalidate other tests' slots on the shared source), a logical
//! slot nobody reads is pushed past the limit until PostgreSQL marks it lost; `slots -o json`
//! then says lost, red, with the reason, and the TUI draws it red.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::tmux::{Session, tmux};

const SLOT: &str = "t21slot_lost";

/// A PostgreSQL cluster in a temporary directory, stopped by its postmaster's PID however the
/// test ends.
struct Cluster {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    pid: Option<u32>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(pid) = self.pid {
            // SIGQUIT: immediate shutdown, nothing to keep.
            let _ = Command::new("kill").args(["-QUIT", &pid.to_string()]).status();
            let gone = Instant::now() + Duration::from_secs(10);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < gone {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL refuses to run as root: then the cluster belongs to user postgres, as the
/// stack's own (compose/local/lib/postgres.sh).
fn as_owner(program: &Path) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn bindir() -> PathBuf {
    let d = PathBuf::from("/usr/lib/postgresql/15/bin");
    if d.join("initdb").exists() {
        return d;
    }
    let out = Command::new("pg_config").arg("--bindir").output().expect("pg_config --bindir");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    fn start() -> Self {
        let bin = bindir();
        let dir = std::env::temp_dir().join(format!("t21slot-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let port =
            TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let mut cluster = Self { dir: dir.clone(), port, bin, pid: None };
        let _ = Command::new("chown").arg("postgres:").arg(&dir).status();
        let data = dir.join("data");
        ok(
            &as_owner(&cluster.bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--no-locale"])
                .output()
                .expect("initdb"),
            "initdb",
        );
        let options = format!(
            "-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c wal_level=logical -c max_slot_wal_keep_size=32MB -c max_wal_size=32MB \
             -c min_wal_size=32MB -c fsync=off -c ssl=off",
            dir.display()
        );
        ok(
            &as_owner(&cluster.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["-o", &options, "-l"])
                .arg(dir.join("log"))
                .args(["-w", "start"])
                .output()
                .expect("pg_ctl start"),
            "pg_ctl start",
        );
        let pidfile = std::fs::read_to_string(data.join("postmaster.pid")).expect("postmaster.pid");
        cluster.pid = pidfile.lines().next().and_then(|l| l.trim().parse().ok());
        assert!(cluster.pid.is_some(), "no PID in postmaster.pid: {pidfile}");
        cluster
    }

    fn sql(&self, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &self.port.to_string(), "-d", "postgres", "-c", sql])
            .output()
            .expect("psql");
        ok(&out, sql);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The console's overrides that point the source at this cluster.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("CDC_CONSOLE_SOURCE_HOST", "127.0.0.1".into()),
            ("CDC_CONSOLE_SOURCE_PORT", self.port.to_string()),
            ("CDC_CONSOLE_SOURCE_DBNAME", "postgres".into()),
            ("CDC_CONSOLE_SOURCE_SSLMODE", "disable".into()),
        ]
    }
}

/// Writes WAL, switches segments and checkpoints until the slot is lost (a checkpoint removes
/// the segments beyond `max_slot_wal_keep_size` the slot still needed).
fn push_past_the_limit(c: &Cluster) -> Vec<String> {
    c.sql("CREATE TABLE noise (v text)");
    let mut seen = Vec::new();
    for _ in 0..30 {
        c.sql("INSERT INTO noise SELECT repeat('x', 900) FROM generate_series(1, 10000)");
        c.sql("SELECT pg_switch_wal()");
        c.sql("CHECKPOINT");
        let status = c.sql(&format!(
            "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '{SLOT}'"
        ));
        seen.push(status.clone());
        if status == "lost" {
            return seen;
        }
    }
    panic!("the slot was never lost; statuses seen: {seen:?}");
}

#[test]
fn a_slot_past_max_slot_wal_keep_size_is_lost_and_shown_red_with_the_reason() {
    common::require_stack();
    let cluster = Cluster::start();
    cluster.sql(&format!("SELECT pg_create_logical_replication_slot('{SLOT}', 'pgoutput')"));
    let statuses = push_past_the_limit(&cluster);
    assert!(
        statuses.iter().any(|s| s == "extended" || s == "unreserved" || s == "reserved"),
        "{statuses:?}"
    );

    let env = cluster.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = common::console(&["slots", "-o", "json", "--sample", "1s"], &env);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a lost slot is a problem: {text}");
    let r: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let slot = r["source"]["snapshot"]["slots"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == SLOT))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(slot["wal_status"], "lost", "{text}");
    assert_eq!(r["source"]["snapshot"]["wal"]["max_slot_wal_keep_size"], 32 * 1024 * 1024);
    let guard = r["guards"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["slot"] == SLOT))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(guard["level"], "red", "{text}");
    assert_eq!(guard["time_to_limit"], "lost", "{text}");
    assert_eq!(guard["reasons"][0], cdc_console::store::LOST, "{text}");
    assert!(
        r["problems"].as_array().is_some_and(|p| p
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.starts_with("RED t21slot_lost: invalidated")))),
        "{text}"
    );
    let table = common::console(&["slots", "--sample", "0s"], &env);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("RED") && table.contains(cdc_console::store::LOST), "{table}");

    tui_shows_it_red(&cluster);
}

/// The overview in tmux, captured with its colours: the lost slot's state is drawn in the
/// theme's error colour (light red), and the source box gives the reason.
fn tui_shows_it_red(cluster: &Cluster) {
    let dir = tempfile::tempdir().expect("temp dir");
    let env: String = cluster.env().iter().map(|(k, v)| format!("{k}={v} ")).collect::<String>();
    let s = Session::console(
        &format!("t21slot-lost-{}", std::process::id()),
        dir.path(),
        &env,
        200,
        50,
    );
    let screen = s.wait("the lost slot", 30, |t| t.contains("t21slot_lost") && t.contains("LOST"));
    assert!(screen.contains("the connector must be re-snapshotted"), "{screen}");
    let coloured = tmux(&["capture-pane", "-p", "-e", "-t", &s.target()]);
    let line = coloured
        .lines()
        .find(|l| l.contains("t21slot_lost") && l.contains("LOST"))
        .unwrap_or_else(|| panic!("{coloured}"));
    let before = &line[..line.find("LOST").unwrap_or(0)];
    let last_sgr = before.rfind("\u{1b}[").map(|i| &before[i..]).unwrap_or_default();
    // tmux writes light red as SGR 91 or as palette colour 9.
    assert!(
        last_sgr.starts_with("\u{1b}[91m") || last_sgr.starts_with("\u{1b}[38;5;9m"),
        "LOST is not drawn red: {line:?}"
    );
    s.keys(&["q"]);
}

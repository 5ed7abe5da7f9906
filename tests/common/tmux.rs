//! The real binary in a real terminal: a tmux session running the console, read back with
//! capture-pane, with what a test needs when a wait times out (the console's log and every
//! thread's stack).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn tmux(args: &[&str]) -> String {
    let out =
        Command::new("tmux").args(args).output().expect("tmux is installed (apt-get install tmux)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts a detached `cols`×`rows` session running `script` in bash. Checked and retried: the
/// tests share one tmux server, which exits when its last session is killed; a session asked
/// for in that instant fails ("server exited unexpectedly") and would leave an empty screen.
pub fn new_session(name: &str, cols: u16, rows: u16, script: &str) {
    let (cols, rows) = (cols.to_string(), rows.to_string());
    let args = ["new-session", "-d", "-s", name, "-x", &cols, "-y", &rows, "bash", "--norc", "-c"];
    for attempt in 1..=10 {
        let out = Command::new("tmux").args(args).arg(script).output().expect("tmux is installed");
        if out.status.success() {
            return;
        }
        let why = String::from_utf8_lossy(&out.stderr);
        assert!(attempt < 10, "tmux new-session {name}: {why}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A tmux session running the console, and the directory its log goes to (shown when a wait
/// times out: the console may have ended, and its pane with it). Killed however the test ends.
pub struct Session(pub String, pub Option<PathBuf>);

impl Session {
    pub fn target(&self) -> String {
        format!("{}:0.0", self.0)
    }
    pub fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.target()])
    }
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            tmux(&["send-keys", "-t", &self.target(), k]);
        }
    }
    pub fn type_text(&self, text: &str) {
        tmux(&["send-keys", "-t", &self.target(), "-l", text]);
    }
    /// The last lines of the console's log, if it writes one here.
    pub fn log_tail(&self) -> String {
        let Some(dir) = &self.1 else { return "(none)".into() };
        let text = std::fs::read_to_string(dir.join("cdc-console.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
    /// Every thread's stack of the console (gdb, when installed): what a frozen screen waits on,
    /// or, when it crashed, where (from its core file, dumped in its directory).
    pub fn threads(&self) -> String {
        if let Some(core) = self.core_file() {
            return backtrace(
                &["-batch", "-ex", "thread apply all bt 30", env!("CARGO_BIN_EXE_cdc-console")],
                &core,
            );
        }
        let pane = tmux(&["display", "-p", "-t", &self.target(), "#{pane_pid}"]);
        let Ok(out) = Command::new("pgrep").args(["-P", pane.trim()]).output() else {
            return "(no pgrep)".into();
        };
        let Some(pid) = String::from_utf8_lossy(&out.stdout).lines().next().map(str::to_string)
        else {
            return "(the console has ended)".into();
        };
        backtrace(&["-batch", "-ex", "thread apply all bt 30", "-p"], &pid)
    }

    /// The core file a crashed console left in its directory (`core` or `core.<pid>`).
    fn core_file(&self) -> Option<String> {
        let dir = self.1.as_ref()?;
        std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name == "core" || name.starts_with("core.")).then(|| e.path().display().to_string())
        })
    }
    /// Waits until the screen satisfies `check`, and returns it.
    pub fn wait(&self, what: &str, secs: u64, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if check(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}\nconsole log (tail):\n{}\n\
                 console threads:\n{}",
                self.log_tail(),
                self.threads()
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }
}

/// gdb's stacks (`args` then `last`: a pid after `-p`, or a core after the binary), only the
/// frame and thread lines.
fn backtrace(args: &[&str], last: &str) -> String {
    match Command::new("gdb").args(args).arg(last).output() {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.starts_with('#') || l.starts_with("Thread") || l.contains("signal"))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("(no gdb: {e})"),
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

impl Session {
    /// Starts the console in a new `cols`×`rows` session with `env` set, its log in `dir`. The
    /// shell around it writes the console's pid to `dir/pid`, then after it ends prints
    /// `exit=<status>` and writes `stty -a` to `dir/stty-after`, and keeps the pane open.
    pub fn console(name: &str, dir: &Path, env: &str, cols: u16, rows: u16) -> Session {
        let bin = env!("CARGO_BIN_EXE_cdc-console");
        let script = format!(
            "cd {d}; ulimit -c unlimited; CDC_CONSOLE_LOG_DIR={d} {env} {bin} & echo $! > {d}/pid; \
             wait $!; echo \"exit=$?\"; stty -a > {d}/stty-after; sleep 600",
            d = dir.display(),
        );
        new_session(name, cols, rows, &script);
        Session(name.to_string(), Some(dir.to_path_buf()))
    }

    /// The console's pid, as its shell wrote it.
    pub fn pid(&self) -> String {
        let dir = self.1.as_ref().expect("a session started by `console`");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(p) = std::fs::read_to_string(dir.join("pid"))
                && !p.trim().is_empty()
            {
                return p.trim().to_string();
            }
            assert!(Instant::now() < deadline, "the shell never wrote the console's pid");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the pane shows the alternate screen (the console's) now.
    pub fn alternate_on(&self) -> bool {
        tmux(&["display", "-p", "-t", &self.target(), "#{alternate_on}"]).trim() == "1"
    }

    /// The console's whole log.
    pub fn log(&self) -> String {
        self.1
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join("cdc-console.log")).ok())
            .unwrap_or_default()
    }
}

/// The `stty -a` the shell wrote after the console ended shows a cooked terminal again.
pub fn assert_terminal_restored(stty: &Path) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let modes = loop {
        if let Ok(m) = std::fs::read_to_string(stty).map(|m| m.trim().to_string())
            && !m.is_empty()
        {
            break m;
        }
        assert!(Instant::now() < deadline, "no stty output");
        std::thread::sleep(Duration::from_millis(100));
    };
    for flag in ["icanon", "echo", "isig"] {
        assert!(modes.split_whitespace().any(|w| w == flag), "`{flag}` restored: {modes}");
    }
}

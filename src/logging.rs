//! Logs go to a file: the terminal belongs to the TUI, and stdout to the headless output.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;

/// `$CDC_CONSOLE_LOG_DIR`, else `$XDG_STATE_HOME/cdc-console`, else `~/.local/state/cdc-console`.
pub fn log_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CDC_CONSOLE_LOG_DIR") {
        return PathBuf::from(d);
    }
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("cdc-console")
}

/// Starts the file logger (filter from `CDC_CONSOLE_LOG`, default `info`). Logging is best
/// effort: when the directory cannot be created the console runs without a log.
pub fn init() -> Option<WorkerGuard> {
    let dir = log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "cdc-console.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("CDC_CONSOLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

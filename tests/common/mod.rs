//! Shared by the integration tests: they run against the real local stack
//! (`compose/local/stack up`), whose endpoints are the console's defaults.
#![allow(dead_code)]

pub mod changelog;
pub mod connector;
pub mod diff;
pub mod flink;
pub mod kafka;
pub mod processor;
pub mod prom;
pub mod replicator;
pub mod stages;
pub mod tmux;
pub mod webhook;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use cdc_console::config::Config;

pub fn config() -> Config {
    Config::default()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fails with a useful message instead of a timeout deep inside a test.
pub fn require_stack() {
    let c = config();
    require(&[
        ("source PostgreSQL", format!("{}:{}", c.source.host, c.source.port)),
        ("sink PostgreSQL", format!("{}:{}", c.sink.host, c.sink.port)),
        ("broker", c.kafka.brokers.clone()),
        ("Kafka Connect", c.connect[0].url.as_str().trim_start_matches("http://").to_string()),
    ]);
}

/// [`require_stack`] for a test that needs only the two databases.
pub fn require_databases() {
    let c = config();
    require(&[
        ("source PostgreSQL", format!("{}:{}", c.source.host, c.source.port)),
        ("sink PostgreSQL", format!("{}:{}", c.sink.host, c.sink.port)),
    ]);
}

/// Each address of each service (the brokers are a comma-separated list) must accept a connection.
fn require(services: &[(&str, String)]) {
    for (what, addrs) in services {
        for addr in addrs.split(',') {
            let sock = addr.parse().unwrap_or_else(|e| panic!("{addr}: {e}"));
            assert!(
                std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(2)).is_ok(),
                "{what} at {addr} is not reachable: bring the local stack up with `compose/local/stack up`"
            );
        }
    }
}

pub async fn source_client() -> tokio_postgres::Client {
    let (client, conn) = config()
        .source
        .pg_config(Duration::from_secs(5))
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect to the source");
    tokio::spawn(conn);
    client
}

pub async fn sink_client() -> tokio_postgres::Client {
    let (client, conn) = config()
        .sink
        .pg_config(Duration::from_secs(5))
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect to the sink");
    tokio::spawn(conn);
    client
}

/// Runs the real binary with `args` and extra environment.
pub fn console(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdc-console"));
    cmd.args(args)
        .env_remove("CDC_CONSOLE_CONFIG")
        .env("CDC_CONSOLE_LOG_DIR", std::env::temp_dir().join("cdc-console-test-logs"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cdc-console")
}

/// `compose/local/stack ARGS…`, asserting it succeeds.
pub fn stack(args: &[&str]) {
    let out = Command::new(repo_root().join("compose/local/stack"))
        .args(args)
        .output()
        .expect("run compose/local/stack");
    assert!(
        out.status.success(),
        "compose/local/stack {}: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts a stopped service again however the test ends (`compose/local/stack start ARGS…`):
/// a service left stopped would fail every later test. Its outcome is not checked, so a test
/// already failing is not turned into an abort.
pub struct StartAgain(pub &'static [&'static str]);

impl Drop for StartAgain {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("compose/local/stack"))
            .arg("start")
            .args(self.0)
            .status();
    }
}

/// A new database of its own in the sink's server, `prefix_<pid>`: (its name, a client on it,
/// the admin client that made it, to drop it with).
pub async fn scratch_database(
    prefix: &str,
) -> (String, tokio_postgres::Client, tokio_postgres::Client) {
    let admin = sink_client().await;
    let db = format!("{prefix}_{}", std::process::id());
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db}")).await.expect("drop");
    admin.batch_execute(&format!("CREATE DATABASE {db}")).await.expect("create");
    let mut cfg = config().sink.pg_config(Duration::from_secs(5));
    cfg.dbname(&db);
    let (c, conn) = cfg.connect(tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(conn);
    (db, c, admin)
}

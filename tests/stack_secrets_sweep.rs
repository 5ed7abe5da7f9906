//! The secrets sweep: every subcommand in table and JSON form, `serve`'s metrics, the TUI's views
//! and the console's log, run with secrets of their own in the config, then searched for each
//! of them: zero occurrences. A wrong password goes through the error paths too.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::tmux::Session;

/// What was captured, by where it came from, and the secrets it must not contain.
struct Sweep {
    secrets: Vec<(&'static str, String)>,
    captured: Vec<(String, String)>,
    dir: PathBuf,
    /// Put before the labels of the runs that follow.
    label: &'static str,
    /// Set for every run (secrets read from the environment).
    env: Vec<(String, String)>,
}

impl Sweep {
    fn new(dir: PathBuf) -> Self {
        Self { secrets: Vec::new(), captured: Vec::new(), dir, label: "", env: Vec::new() }
    }

    /// A value no output could contain by chance.
    fn secret(&mut self, name: &'static str) -> String {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let value = format!("Sw33p{name}{:x}{nanos:x}", std::process::id());
        self.secrets.push((name, value.clone()));
        value
    }

    /// A secret whose value the stack fixes (a dev password).
    fn known(&mut self, name: &'static str, value: &str) -> String {
        self.secrets.push((name, value.to_string()));
        value.to_string()
    }

    fn record(&mut self, what: impl Into<String>, text: impl Into<String>) {
        self.captured.push((what.into(), text.into()));
    }

    /// Runs the console with this sweep's log directory and records its exit, stdout and
    /// stderr; returns stdout.
    fn run(&mut self, config: &Path, args: &[&str]) -> String {
        let log_dir = self.dir.join("logs").display().to_string();
        let mut env: Vec<(&str, &str)> = vec![("CDC_CONSOLE_LOG_DIR", &log_dir)];
        env.extend(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let out =
            common::console(&[&["--config", &config.display().to_string()], args].concat(), &env);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let (label, args) = (self.label, args.join(" "));
        self.record(format!("{label}{args} (stdout, {})", out.status), stdout.clone());
        self.record(format!("{label}{args} (stderr)"), stderr);
        stdout
    }

    /// Every file the console logged to.
    fn record_logs(&mut self) {
        let Ok(entries) = std::fs::read_dir(self.dir.join("logs")) else { return };
        for e in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                self.record(format!("log {}", e.path().display()), text);
            }
        }
    }

    /// Whether the capture whose label starts with `what` contains `needle`: the sweep's runs
    /// really reached the backends with its secrets.
    fn saw(&self, what: &str, needle: &str) -> bool {
        self.captured.iter().any(|(w, t)| w.starts_with(what) && t.contains(needle))
    }

    /// Each (capture, secret) pair where the secret occurs; none expected.
    fn leaks(&self) -> String {
        let mut found = String::new();
        for (what, text) in &self.captured {
            for (name, value) in &self.secrets {
                let n = text.matches(value.as_str()).count();
                if n > 0 {
                    let _ = writeln!(found, "{name}: {n}× in {what}");
                }
            }
        }
        found
    }
}

/// A login role of its own on a server, with `password`: the sweep's secrets are then the ones
/// the console really sends.
async fn role(admin: &tokio_postgres::Client, name: &str, password: &str) {
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN SUPERUSER PASSWORD '{password}'"
        ))
        .await
        .expect("create the sweep's role");
}

/// Two clusters on the stack's authenticated worker: one with its password in a file and an extra
/// header, one with a bearer token it refuses (the 401 path).
fn secure_clusters(dir: &Path, header: &str) -> String {
    let ca = common::repo_root().join(".stack/tls/ca.crt");
    format!(
        "[[connect]]\nname = \"secure\"\nurl = \"https://localhost:8443\"\nca_file = {ca:?}\n\
         username = \"cdc\"\npassword_file = {pw:?}\nheaders = {{ \"X-Sweep\" = \"{header}\" }}\n\n\
         [[connect]]\nname = \"secure-token\"\nurl = \"https://localhost:8443\"\n\
         ca_file = {ca:?}\ntoken_env = \"CDC_SWEEP_TOKEN\"\n\n",
        ca = ca.display().to_string(),
        pw = dir.join("connect-password").display().to_string(),
    )
}

/// The stack's SASL_SSL listeners, the SCRAM password from the variable `password_env`.
fn secure_kafka(password_env: &str) -> String {
    let ca = common::repo_root().join(".stack/tls/ca.crt");
    format!(
        "brokers = \"localhost:29092,localhost:29093,localhost:29094\"\n\
         security_protocol = \"SASL_SSL\"\n[kafka.tls]\nca_file = {ca:?}\n[kafka.sasl]\n\
         mechanism = \"SCRAM-SHA-512\"\nusername = \"cdc-console\"\npassword_env = \"{password_env}\"\n",
        ca = ca.display().to_string(),
    )
}

fn config_text(
    user: &str,
    sink_db: &str,
    source_pw_file: &Path,
    sink_pw: &str,
    (dir, header, kafka_pw_env): (&Path, &str, &str),
) -> String {
    let template = std::fs::read_to_string(common::repo_root().join("compose/cdc-console.toml"))
        .expect("compose/cdc-console.toml");
    // The example config with this sweep's roles and database, and replicas and a job of
    // its own (their progress and output land in the scratch database).
    template
        .replacen(
            "user = \"postgres\"\npassword = \"postgres\"",
            &format!("user = \"{user}\"\npassword_file = \"{}\"", source_pw_file.display()),
            1,
        )
        .replacen("dbname = \"sink\"", &format!("dbname = \"{sink_db}\""), 1)
        .replacen(
            "user = \"postgres\"\npassword = \"postgres\"",
            &format!("user = \"{user}\"\npassword = \"{sink_pw}\""),
            1,
        )
        .replace("name = \"orders_replica\"", "name = \"sweep_replica\"")
        .replace("name = \"orders_transformed\"", "name = \"sweep_transformed\"")
        .replace("name = \"orders_by_status\"", "name = \"sweep_job\"")
        .replacen("[[tables]]", &format!("{}[[tables]]", secure_clusters(dir, header)), 1)
        .replacen(
            "brokers = \"127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094\"\n",
            &secure_kafka(kafka_pw_env),
            1,
        )
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

/// The subcommands, each in table and JSON form where it has both.
fn sweep_subcommands(sweep: &mut Sweep, config: &Path) {
    for args in [
        &["status"][..],
        &["brokers"],
        &["topics"],
        &["groups"],
        &["lag"],
        &["slots"],
        &["latency", "--window", "2s"],
        &["diff"],
        &["connectors", "get"],
        &["connectors", "describe", "orders-cdc"],
        &["connectors", "--cluster", "secure", "get"],
        &["connectors", "--cluster", "secure-token", "get"],
        &["contexts"],
    ] {
        sweep.run(config, args);
        sweep.run(config, &[args, &["-o", "json"]].concat());
    }
    sweep.run(config, &["dead-letters", "list"]);
    sweep.run(config, &["dead-letters", "list", "-o", "json"]);
    // Mutations, bounded, and refusals.
    sweep.run(config, &["generate", "--rate", "20", "--duration", "2s", "-o", "json"]);
    sweep.run(config, &["replicate", "--until-idle", "--time-limit", "5s"]);
    sweep.run(config, &["process", "--until-idle", "--time-limit", "5s", "-o", "json"]);
    sweep.run(config, &["connectors", "pause", "zz-sweep-none"]);
    sweep.run(config, &["--read-only", "connectors", "pause", "orders-cdc"]);
}

/// `serve` for a few seconds: its output and a scrape of its metrics.
fn sweep_serve(sweep: &mut Sweep, config: &Path) {
    let addr = "127.0.0.1:19467";
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdc-console"))
        .args(["--config", &config.display().to_string(), "serve", "--metrics-addr", addr])
        .env("CDC_CONSOLE_LOG_DIR", sweep.dir.join("logs"))
        .envs(sweep.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    std::thread::sleep(Duration::from_secs(5));
    let metrics = Command::new("curl")
        .args(["-s", &format!("http://{addr}/metrics")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(metrics.contains("cdc_"), "serve exposed no metrics: {metrics}");
    sweep.record("serve /metrics", metrics);
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let out = child.wait_with_output().expect("serve's output");
    sweep.record("serve", String::from_utf8_lossy(&out.stdout).into_owned());
    sweep.record("serve (stderr)", String::from_utf8_lossy(&out.stderr).into_owned());
}

/// The TUI: every view, captured once it drew data.
fn sweep_tui(sweep: &mut Sweep, config: &Path) {
    let dir = sweep.dir.join("tui");
    std::fs::create_dir_all(&dir).expect("tui dir");
    let name = format!("sweep-{}", std::process::id());
    let mut env = format!("CDC_CONSOLE_CONFIG={}", config.display());
    for (k, v) in &sweep.env {
        let _ = write!(env, " {k}={v}");
    }
    let tui = Session::console(&name, &dir, &env, 160, 48);
    tui.wait("the overview", 30, |s| s.contains("orders-cdc"));
    for view in [
        "connectors",
        "topics",
        "brokers",
        "groups",
        "processor",
        "replication",
        "generator",
        "latency",
        "deadletters",
        "overview",
    ] {
        tui.type_text(&format!(":{view}"));
        tui.keys(&["Enter"]);
        std::thread::sleep(Duration::from_millis(1500));
        sweep.record(format!("tui :{view}"), tui.screen());
    }
    tui.keys(&["q"]);
    tui.wait("the console to end", 20, |s| s.contains("exit="));
    sweep.record("tui log", tui.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_configured_secret_reaches_any_output() {
    common::require_stack();
    assert!(
        std::net::TcpStream::connect("127.0.0.1:8443").is_ok(),
        "the stack's connect-secure worker is down: compose/local/stack start connect-secure"
    );
    let dir = std::env::temp_dir().join(format!("cdc-console-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("logs")).expect("sweep dir");
    let mut sweep = Sweep::new(dir.clone());

    let user = format!("sweep_{}", std::process::id());
    let source_pw = sweep.secret("source-password");
    let sink_pw = sweep.secret("sink-password");
    let source_admin = common::source_client().await;
    role(&source_admin, &user, &source_pw).await;
    let (sink_db, _scratch, sink_admin) = common::scratch_database("sweep").await;
    role(&sink_admin, &user, &sink_pw).await;
    let header = sweep.secret("connect-header");
    let token = sweep.secret("connect-token");
    sweep.env.push(("CDC_SWEEP_TOKEN".into(), token));
    let kafka_pw = sweep.known("kafka-password", "cdc-console-dev");
    sweep.env.push(("CDC_SWEEP_KAFKA".into(), kafka_pw));
    let kafka_wrong = sweep.secret("kafka-wrong");
    sweep.env.push(("CDC_SWEEP_KAFKA_WRONG".into(), kafka_wrong));
    write_private(&dir.join("connect-password"), &sweep.known("connect-password", "cdc-secret"));
    let pw_file = dir.join("source-password");
    write_private(&pw_file, &source_pw);
    let config = dir.join("config.toml");
    let cfg = config_text(&user, &sink_db, &pw_file, &sink_pw, (&dir, &header, "CDC_SWEEP_KAFKA"));
    assert!(cfg.contains("SASL_SSL"), "the sweep's Kafka is the SASL_SSL listener:\n{cfg}");
    write_private(&config, &cfg);

    sweep_subcommands(&mut sweep, &config);
    sweep_serve(&mut sweep, &config);
    sweep_tui(&mut sweep, &config);

    // The error paths: the source refuses a wrong password.
    let wrong = sweep.secret("wrong-password");
    let wrong_file = dir.join("wrong-password");
    write_private(&wrong_file, &wrong);
    let bad = dir.join("bad.toml");
    let extra = (dir.as_path(), header.as_str(), "CDC_SWEEP_KAFKA_WRONG");
    write_private(&bad, &config_text(&user, &sink_db, &wrong_file, &sink_pw, extra));
    for args in [&["status"][..], &["slots", "-o", "json"], &["diff", "-o", "json"], &["lag"]] {
        sweep.label = "--config bad ";
        sweep.run(&bad, args);
    }
    let reached = [
        ("slots -o json (stdout", "pgoutput"),
        ("brokers (stdout", "localhost:29092"),
        ("connectors get (stdout", "orders-cdc"),
        ("tui :connectors", "RUNNING"),
        ("connectors --cluster secure get -o json (stdout", "\"version\""),
        ("connectors --cluster secure-token get (stderr", "401"),
    ]
    .into_iter()
    .filter(|(w, needle)| !sweep.saw(w, needle))
    .collect::<Vec<_>>();
    let refused = sweep.saw("--config bad slots", &user)
        && sweep.saw("--config bad lag (stderr", "SASL authentication");
    sweep.record_logs();

    let leaks = sweep.leaks();
    let captures = sweep.captured.len();
    sink_admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {sink_db} WITH (FORCE)"))
        .await
        .expect("drop");
    for admin in [&source_admin, &sink_admin] {
        let _ = admin.batch_execute(&format!("DROP OWNED BY {user}; DROP ROLE {user}")).await;
    }
    assert!(reached.is_empty(), "these runs reached nothing: {reached:?}");
    assert!(refused, "the wrong password's error names the role (the error path ran)");
    assert!(captures > 40, "the sweep captured {captures} outputs");
    assert!(leaks.is_empty(), "secrets in the output:\n{leaks}");
    let _ = std::fs::remove_dir_all(&dir);
}

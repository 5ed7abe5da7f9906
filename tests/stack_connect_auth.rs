//! Kafka Connect behind HTTPS and basic auth (the stack's `connect-secure` worker, Kafka's
//! BasicAuthSecurityRestExtension): with the credentials and the stack's CA every action works;
//! without them, with a wrong password or a token the worker does not take, the console exits
//! non-zero with the 401 explained and no secret printed; an unknown CA and a wrong host name
//! are named as TLS failures; the TUI shows the cluster down with the 401's reason.
//!
//! Checked with an independent REST client (secure.rs), never with the console's own output.
//! Connectors are the test's own (`zz-auth-…`, FileStream): the plain worker is not touched.

mod common;
#[path = "stack_connect_auth/secure.rs"]
mod secure;

use std::time::{Duration, SystemTime};

use cdc_console::collectors::connect::Probe;
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::config::{Config, theme::Theme};
use cdc_console::store::{Embedded, Store};
use cdc_console::ui::{UiState, View, ViewId, draw};
use secure::{ConsoleConfig, FileConnector, PASSWORD, USER};

fn credentials(password: &str) -> String {
    format!("username = \"{USER}\"\npassword = \"{password}\"\n")
}

/// Asserts the console exited 0 and returns its stdout.
fn ok(config: &ConsoleConfig, args: &[&str]) -> String {
    let (code, out, err) = config.run(args);
    assert_eq!(
        code,
        0,
        "cdc-console {}: exit {code}\nstdout: {out}\nstderr: {err}",
        args.join(" ")
    );
    out
}

/// Asserts the console failed, that no `secret` appears in what it printed, and returns stderr.
fn refused(config: &ConsoleConfig, args: &[&str], secret: &str) -> String {
    let (code, out, err) = config.run(args);
    assert_ne!(code, 0, "cdc-console {} succeeded: {out}", args.join(" "));
    assert!(!out.contains(secret) && !err.contains(secret), "a secret printed: {out}{err}");
    err
}

#[test]
fn actions_work_with_the_credentials_and_the_stack_ca() {
    secure::require_secure_worker();
    let config = ConsoleConfig::with_ca(&credentials(PASSWORD));
    let conn = FileConnector::new("actions");
    let name = conn.name.as_str();
    let spec = conn.spec.to_str().expect("utf-8 temp path");

    assert_eq!(
        ok(&config, &["connectors", "apply", "-f", spec]).trim(),
        format!("connector {name} created")
    );
    conn.wait_state("RUNNING");
    let listed = ok(&config, &["connectors", "get"]);
    assert!(listed.contains(name) && listed.contains("FileStreamSource"), "{listed}");
    assert!(!listed.contains(PASSWORD), "{listed}");

    ok(&config, &["connectors", "pause", name]);
    conn.wait_state("PAUSED");
    ok(&config, &["connectors", "resume", name]);
    conn.wait_state("RUNNING");
    ok(&config, &["connectors", "restart", name]);
    conn.wait_state("RUNNING");
    ok(&config, &["connectors", "delete", name, "--yes"]);
    assert!(!conn.exists(), "{name} still exists after delete");
}

#[test]
fn without_credentials_the_401_is_explained_on_reads_and_actions() {
    secure::require_secure_worker();
    let config = ConsoleConfig::with_ca("");
    for args in [&["connectors", "get"][..], &["connectors", "pause", "zz-auth-none"]] {
        let err = refused(&config, args, PASSWORD);
        assert!(
            err.contains("Connect cluster `secure` at https://localhost:8443 refused the request")
                && err.contains(
                    "401 Unauthorized — set username and password (or token) for \
                                 this cluster in [[connect]]"
                ),
            "{err}"
        );
    }
}

#[test]
fn a_wrong_password_or_a_token_the_worker_does_not_take_is_explained_and_never_printed() {
    secure::require_secure_worker();
    let wrong = "zz-wrong-pw-5e1";
    let err = refused(&ConsoleConfig::with_ca(&credentials(wrong)), &["connectors", "get"], wrong);
    assert!(
        err.contains("401 Unauthorized — the username and password configured for this cluster"),
        "{err}"
    );
    let token = "zz-token-a9c";
    let config = ConsoleConfig::with_ca(&format!("token = \"{token}\"\n"));
    let err = refused(&config, &["connectors", "get"], token);
    assert!(err.contains("401 Unauthorized — the token configured for this cluster"), "{err}");
    // Not even the base64 of `user:password`, which a logged Authorization header would show.
    let b64 = "Y2RjOnp6LXdyb25nLXB3LTVlMQ"; // base64("cdc:zz-wrong-pw-5e1"), unpadded
    assert!(!err.contains(b64), "{err}");
    // Nor in the console's log (common::console points every run's log at this directory).
    let logs = std::env::temp_dir().join("cdc-console-test-logs");
    for entry in std::fs::read_dir(&logs).expect("the console's log directory").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for secret in [wrong, token, b64] {
            assert!(!text.contains(secret), "{} holds a secret", entry.path().display());
        }
    }
}

#[test]
fn an_unknown_ca_and_a_wrong_host_name_are_named_as_tls_failures() {
    secure::require_secure_worker();
    let keys = credentials(PASSWORD);
    let other = format!("ca_file = \"{}\"\n{keys}", secure::tls("other-ca.crt").display());
    let err = refused(&ConsoleConfig::new(secure::URL, &other), &["connectors", "get"], PASSWORD);
    assert!(
        err.contains(
            "Connect cluster `secure` at https://localhost:8443: TLS failure: the \
                      server's certificate is not signed by a CA trusted for this cluster"
        ),
        "{err}"
    );
    let by_ip = format!("ca_file = \"{}\"\n{keys}", secure::tls("ca.crt").display());
    let config = ConsoleConfig::new("https://127.0.0.1:8443", &by_ip);
    let err = refused(&config, &["connectors", "pause", "zz-auth-none"], PASSWORD);
    assert!(
        err.contains(
            "at https://127.0.0.1:8443: TLS failure: the server's certificate does not \
                      name the host"
        ),
        "{err}"
    );
}

#[test]
fn the_overview_and_connectors_view_show_the_secure_cluster_down_with_the_401() {
    secure::require_secure_worker();
    let file = ConsoleConfig::with_ca("");
    let text = std::fs::read_to_string(&file.path).expect("the config");
    let config: Config = cdc_console::config::parse(&text, &file.path).expect("valid config");
    let mut store = Store::new(&config);
    let at = SystemTime::now();
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    for (i, cluster) in config.connect.iter().enumerate() {
        let result = rt.block_on(Probe::new(cluster, Duration::from_secs(10)).collect());
        store.apply(Update { at, kind: UpdateKind::Connect(i, result) });
    }
    let overview = render(&store, ViewId::Overview, at + Duration::from_secs(5));
    // The overview's connector stage: down, since when, and the 401's hint, wrapped where the
    // request's path (whichever of the poll's requests was refused first) puts the breaks.
    let words = ["down 5s", "refused the request", "401", "Unauthorized", "set username"];
    assert!(words.iter().all(|w| overview.contains(w)), "{overview}");
    let screen = render(&store, ViewId::Connectors, at + Duration::from_secs(5));
    assert!(screen.contains("orders-cdc"), "the plain cluster's connector is listed:\n{screen}");
    assert!(
        screen.contains("connect:secure down 5s: https://localhost:8443: refused the request")
            && screen.contains("401 Unauthorized — set username and password (or token)"),
        "{screen}"
    );
}

/// One view, wide enough for the whole reason on one line.
fn render(store: &Store, view: ViewId, now: SystemTime) -> String {
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(240, 20)).expect("test terminal");
    let (theme, keymap) = (Theme::default(), cdc_console::action::Keymap::default());
    let ui = UiState { view, ..UiState::default() };
    let embedded = Embedded::default();
    let view = View {
        store,
        theme: &theme,
        keymap: &keymap,
        ui: &ui,
        embedded: &embedded,
        read_only: false,
        now,
    };
    term.draw(|f| draw(f, &view)).expect("draw");
    term.backend().to_string()
}

//! The local stack's authenticated Connect worker (`compose/local/stack start connect-secure`):
//! its fixed dev credentials and CA, console configs pointing at it in every way that should
//! work or fail, and an independent REST client (plain reqwest with the right credentials, not
//! the console's code) to check what each action did.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common;

/// As printed among the stack's endpoints (compose/local/stack).
pub const URL: &str = "https://localhost:8443";
pub const USER: &str = "cdc";
pub const PASSWORD: &str = "cdc-secret";

/// How long a Connect state transition may take (a rebalance plus a task start).
const TRANSITION: Duration = Duration::from_secs(60);

/// The stack's certificates (lib/tls.sh).
pub fn tls(file: &str) -> PathBuf {
    common::repo_root().join(".stack/tls").join(file)
}

/// Starts connect-secure unless it runs (the stack script returns at once then); it never
/// touches the plain worker.
pub fn require_secure_worker() {
    common::require_stack();
    common::stack(&["start", "connect-secure"]);
}

/// A console config: the stack's plain cluster first (the default), then `secure` with `keys`.
pub struct ConsoleConfig {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl ConsoleConfig {
    pub fn new(url: &str, keys: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cdc-console.toml");
        let text = format!(
            "[[connect]]\nname = \"local\"\nurl = \"http://127.0.0.1:8083\"\n\n\
             [[connect]]\nname = \"secure\"\nurl = \"{url}\"\n{keys}\n"
        );
        std::fs::write(&path, text).expect("write the config");
        set_private(&path);
        Self { _dir: dir, path }
    }

    /// The stack's CA and the given credential keys.
    pub fn with_ca(keys: &str) -> Self {
        Self::new(URL, &format!("ca_file = \"{}\"\n{keys}", tls("ca.crt").display()))
    }

    /// `cdc-console --config FILE args… --cluster secure` → (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let path = self.path.to_str().expect("utf-8 temp path");
        let mut all = vec!["--config", path];
        all.extend(args);
        all.extend(["--cluster", "secure"]);
        let out = common::console(&all, &[("CDC_CONSOLE_REQUEST_TIMEOUT_MS", "20000")]);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
    }
}

fn set_private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
}

/// A FileStream source connector of this test's own (`zz-auth-<pid>-<what>`), reading an empty
/// file: it runs without producing anything. Deleted on drop, whatever the test did.
pub struct FileConnector {
    pub name: String,
    _dir: tempfile::TempDir,
    pub spec: PathBuf,
    rest: Rest,
}

impl FileConnector {
    pub fn new(what: &str) -> Self {
        let name = format!("zz-auth-{}-{what}", std::process::id());
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("input.txt");
        std::fs::write(&input, "").expect("the connector's input file");
        let spec = dir.path().join("connector.json");
        let body = json!({"name": name, "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "tasks.max": "1",
            "file": input,
            "topic": name,
        }});
        std::fs::write(&spec, body.to_string()).expect("write the connector file");
        Self { name, _dir: dir, spec, rest: Rest::new() }
    }

    /// Waits until the connector and its task report `state`.
    pub fn wait_state(&self, state: &str) {
        let deadline = Instant::now() + TRANSITION;
        loop {
            let (code, body) = self.rest.get(&format!("/connectors/{}/status", self.name));
            let task = body["tasks"][0]["state"].as_str().unwrap_or_default();
            if code == 200 && body["connector"]["state"] == state && task == state {
                return;
            }
            assert!(Instant::now() < deadline, "{} never {state}: {code} {body}", self.name);
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn exists(&self) -> bool {
        self.rest.get(&format!("/connectors/{}", self.name)).0 == 200
    }
}

impl Drop for FileConnector {
    fn drop(&mut self) {
        self.rest.delete(&format!("/connectors/{}", self.name));
    }
}

/// Plain reqwest with the stack's CA and the dev credentials.
struct Rest {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Rest {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let pem = std::fs::read(tls("ca.crt")).expect("the stack's CA");
        let ca = reqwest::Certificate::from_pem(&pem).expect("a PEM certificate");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .tls_certs_only([ca])
            .build()
            .expect("HTTP client");
        Self { rt, http }
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.rt.block_on(async {
            let req = self.http.get(format!("{URL}{path}")).basic_auth(USER, Some(PASSWORD));
            let resp = req.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(Value::Null))
        })
    }

    fn delete(&self, path: &str) {
        // Best effort (a drop guard): the connector may be gone already.
        let _ = self.rt.block_on(async {
            self.http.delete(format!("{URL}{path}")).basic_auth(USER, Some(PASSWORD)).send().await
        });
    }
}

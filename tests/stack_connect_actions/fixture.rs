//! A connector of the test's own on the local Connect worker, plus an independent REST client
//! (plain reqwest, not the console's code) to check what each action did.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::common;
use common::connector::{CONNECT, on_own_runtime};

/// The source's password, written literally into the connector config so masking is tested on
/// a real secret rather than on a `${env:…}` reference.
pub const PASSWORD: &str = common::connector::SOURCE_PASSWORD;

/// How long a Connect state transition may take (a rebalance plus a task start ≈ 5–15 s).
const TRANSITION: Duration = Duration::from_secs(60);

pub struct Worker {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Worker {
    pub fn local() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("HTTP client");
        Self { rt, http }
    }

    /// `GET path` → (status, JSON body or Null). While the worker rebalances, requests that
    /// need its herder answer 409 or 500 (`RebalanceNeededException`): those are asked again
    /// for up to the transition time, since they say nothing about the connector.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let deadline = Instant::now() + TRANSITION;
        loop {
            let (status, body) = self.rt.block_on(async {
                let resp = self
                    .http
                    .get(format!("{CONNECT}{path}"))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("GET {path}: {e}"));
                let status = resp.status().as_u16();
                (status, resp.json().await.unwrap_or(Value::Null))
            });
            let rebalancing =
                status == 409 || (status == 500 && body.to_string().contains("rebalance"));
            if !rebalancing || Instant::now() > deadline {
                return (status, body);
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The connector's state when every task is in that same state too (`STOPPED` has no tasks).
    pub fn state(&self, name: &str) -> Option<String> {
        let (code, s) = self.get(&format!("/connectors/{name}/status"));
        let state = s["connector"]["state"].as_str().filter(|_| code == 200)?;
        let tasks = s["tasks"].as_array().cloned().unwrap_or_default();
        let settled = if state == "STOPPED" {
            tasks.is_empty()
        } else {
            !tasks.is_empty() && tasks.iter().all(|t| t["state"] == state)
        };
        settled.then(|| state.to_string())
    }

    pub fn wait_state(&self, name: &str, want: &str) {
        let deadline = Instant::now() + TRANSITION;
        while self.state(name).as_deref() != Some(want) {
            if Instant::now() > deadline {
                let (_, last) = self.get(&format!("/connectors/{name}/status"));
                panic!("{name} not {want} within {TRANSITION:?}; last status: {last:#}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// `wait_state`, then the state held for two seconds: right after a restart the worker's
    /// status store can still show the old RUNNING, and an `onlyFailed` restart reads it.
    pub fn wait_settled(&self, name: &str, want: &str) {
        let deadline = Instant::now() + TRANSITION;
        let mut held_since = None;
        while held_since.is_none_or(|t: Instant| t.elapsed() < Duration::from_secs(2)) {
            assert!(
                Instant::now() < deadline,
                "{name} did not settle in {want} within {TRANSITION:?}"
            );
            match self.state(name) {
                Some(s) if s == want => held_since = held_since.or(Some(Instant::now())),
                _ => held_since = None,
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn wait_gone(&self, name: &str) {
        let deadline = Instant::now() + TRANSITION;
        loop {
            let (code, body) = self.get(&format!("/connectors/{name}/status"));
            if code == 404 {
                return;
            }
            assert!(Instant::now() < deadline, "{name} still there after delete: {code} {body}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// The test's connector. Dropping it deletes the connector, its slot, publication and topics.
pub struct TestConnector {
    pub name: String,
    /// Slot and publication name, and topic prefix.
    pub slot: String,
    pub prefix: String,
}

impl TestConnector {
    pub fn new(_worker: &Worker) -> Self {
        let n = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() % 100_000);
        let pid = std::process::id();
        let slot = format!("cdctest_{pid}_{n}");
        Self { name: format!("cdc-test-{pid}-{n}"), prefix: slot.clone(), slot }
    }

    /// compose/connectors/orders.json on its own slot, publication, prefix and table, then
    /// `changes`.
    pub fn config(&self, changes: &[(&str, &str)]) -> Value {
        let own = [
            ("topic.prefix", self.prefix.as_str()),
            ("slot.name", &self.slot),
            ("publication.name", &self.slot),
            ("table.include.list", "public.order_items"),
            ("slot.drop.on.stop", "true"),
            // Each stop drops the slot, so a restarted task finds its stored LSN gone from the
            // server: Debezium 3.6 refuses to stream from there under `initial` and snapshots
            // the table again under `when_needed`.
            ("snapshot.mode", "when_needed"),
        ];
        let own: Vec<(&str, &str)> = own.into_iter().chain(changes.iter().copied()).collect();
        common::connector::config(&own)
    }

    pub fn write_spec(&self, changes: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".json").tempfile().expect("temp file");
        let spec = json!({ "name": self.name, "config": self.config(changes) });
        serde_json::to_writer_pretty(&mut f, &spec).expect("write spec");
        f
    }

    /// The walsender pid streaming the connector's slot: a task restart reconnects (and, with
    /// slot.drop.on.stop, re-creates the slot), so a new pid proves the restart happened, which
    /// the worker's status cannot: it may still say RUNNING from before the restart.
    pub fn slot_pid(&self) -> Option<i32> {
        let slot = self.slot.clone();
        on_own_runtime(async move {
            let pg = common::source_client().await;
            let sql = "SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1";
            pg.query_opt(sql, &[&slot])
                .await
                .ok()
                .flatten()
                .and_then(|r| r.get::<_, Option<i32>>(0))
        })
    }

    /// Waits until a walsender other than `before` streams the slot; returns its pid.
    pub fn wait_new_slot_pid(&self, before: Option<i32>) -> i32 {
        let deadline = Instant::now() + TRANSITION;
        loop {
            match self.slot_pid() {
                Some(pid) if Some(pid) != before => return pid,
                now => assert!(
                    Instant::now() < deadline,
                    "slot {} still streamed by {now:?} (before: {before:?})",
                    self.slot
                ),
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits until a walsender other than `before` streams the slot and has kept it for 3 s (a
    /// restarted Debezium task may connect once more, when its first connection found the slot
    /// still held by the old walsender); returns its pid.
    pub fn wait_steady_slot_pid(&self, before: Option<i32>) -> i32 {
        let deadline = Instant::now() + TRANSITION;
        let mut pid = self.wait_new_slot_pid(before);
        let mut since = Instant::now();
        while since.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(250));
            match self.slot_pid() {
                Some(now) if now == pid => {}
                now => {
                    assert!(Instant::now() < deadline, "slot {} never steady ({now:?})", self.slot);
                    pid = self.wait_new_slot_pid(Some(pid));
                    since = Instant::now();
                }
            }
        }
        pid
    }

    /// Waits up to `wait` for the slot to disappear; when it does not, drops it (so the source
    /// does not retain WAL for it) and returns `true`.
    pub fn slot_after_delete(&self, wait: Duration) -> bool {
        let slot = self.slot.clone();
        on_own_runtime(async move {
            let pg = common::source_client().await;
            let deadline = Instant::now() + wait;
            while Instant::now() < deadline {
                if !slot_exists(&pg, &slot).await {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            drop_slot(&pg, &slot).await;
            true
        })
    }
}

impl Drop for TestConnector {
    /// Best effort, every step: a cleanup failure must not hide the test's own failure.
    fn drop(&mut self) {
        let (name, slot, prefix) = (self.name.clone(), self.slot.clone(), self.prefix.clone());
        on_own_runtime(async move {
            common::connector::remove(&name, &slot).await;
            let pg = common::source_client().await;
            if let Err(e) = pg.batch_execute(&format!("DROP PUBLICATION IF EXISTS {slot}")).await {
                eprintln!("cleanup: drop publication {slot}: {e}");
            }
            common::connector::delete_topics(&prefix).await;
        });
    }
}

async fn slot_exists(pg: &tokio_postgres::Client, slot: &str) -> bool {
    pg.query_opt("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", &[&slot])
        .await
        .is_ok_and(|r| r.is_some())
}

/// Drops the slot if it exists, first ending the walsender that holds it.
async fn drop_slot(pg: &tokio_postgres::Client, slot: &str) {
    let sql = "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL";
    let _ = pg.execute(sql, &[&slot]).await;
    let sql =
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1";
    if let Err(e) = pg.execute(sql, &[&slot]).await {
        eprintln!("cleanup: drop slot {slot}: {e}");
    }
}

//! What the auto-restart scenario runs on: the console's Connect collector polled in-process
//! with auto-restart on (or read-only), and independent reads of what really happened: the
//! worker's status over plain REST, and a PostgreSQL sequence the connector's JDBC
//! connections advance (`database.initial.statements`), so a task start shows in the source
//! database whatever the console says.

use std::time::{Duration, Instant, SystemTime};

use cdc_console::collectors::connect::{AutoRestart, AutoRestartStatus, Connector};
use cdc_console::collectors::{Collector, ConnectCollector, UpdateKind};
use cdc_console::config::job::Span;
use cdc_console::config::{AutoRestartConfig, Config};
use serde_json::Value;

use super::common;

const CONNECT: &str = "http://127.0.0.1:8083";

/// How often the test polls (the console's default is 2 s; faster here, so the measured
/// intervals are close to the policy's).
pub const POLL: Duration = Duration::from_millis(500);

pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    pg: tokio_postgres::Client,
    pub name: String,
    pub schema: String,
    config: Config,
}

impl Harness {
    /// A scratch schema `schema` with a table `items` and the sequence `starts`, and the
    /// console's config with auto-restart for `name` (waits of `initial` doubling to `max`).
    pub fn new(name: &str, schema: &str, initial: Duration, max: Duration) -> Self {
        let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
        let pg = rt.block_on(common::source_client());
        let sql = format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             CREATE TABLE {schema}.items (id int PRIMARY KEY, note text);
             INSERT INTO {schema}.items SELECT g, 'item ' || g FROM generate_series(1, 3) g;
             CREATE SEQUENCE {schema}.starts;"
        );
        rt.block_on(pg.batch_execute(&sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let mut config = common::config();
        config.connect[0].auto_restart = Some(AutoRestartConfig {
            connectors: vec![name.to_string()],
            initial: Span(initial),
            max: Span(max),
        });
        let http =
            reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Self { rt, http, pg, name: name.into(), schema: schema.into(), config }
    }

    /// A collector of the local cluster with its own auto-restart, as the console makes it.
    pub fn collector(&self, read_only: bool) -> ConnectCollector {
        let auto = AutoRestart::for_clusters(&self.config, read_only).remove(0);
        ConnectCollector::new(&self.config, 0, auto).expect("cluster 0 is configured")
    }

    /// One poll; the test's connector as the snapshot has it (`None` when not listed yet).
    pub fn poll(&self, collector: &mut ConnectCollector) -> Option<Connector> {
        let UpdateKind::Connect(0, result) = self.rt.block_on(collector.poll()) else {
            panic!("not a Connect update")
        };
        let snap = result.unwrap_or_else(|e| panic!("poll: {e}"));
        let others = snap.connectors.iter().filter(|c| c.name != self.name);
        assert!(others.clone().all(|c| c.auto_restart.is_none()), "only the opted-in one");
        snap.connectors.into_iter().find(|c| c.name == self.name)
    }

    /// Polls every [`POLL`] for `how_long`; the last status seen of the test's connector.
    pub fn poll_for(&self, c: &mut ConnectCollector, how_long: Duration) -> AutoRestartStatus {
        let end = Instant::now() + how_long;
        let mut last = None;
        while Instant::now() < end {
            last = self.poll(c).and_then(|c| c.auto_restart).or(last);
            std::thread::sleep(POLL);
        }
        last.expect("the opted-in connector carries a status")
    }

    /// `PUT`/`POST`/`DELETE` against the worker, plain reqwest: (status, body).
    pub fn rest(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, String) {
        self.rt.block_on(async {
            let mut req = self.http.request(method.clone(), format!("{CONNECT}{path}"));
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            (resp.status().as_u16(), resp.text().await.unwrap_or_default())
        })
    }

    /// The worker's status of the test's connector, over plain REST.
    pub fn status(&self) -> Value {
        let (code, body) = self.try_status();
        assert_eq!(code, 200, "status: {body}");
        body
    }

    /// (HTTP status, body): a connector just created has no status for a moment (404).
    fn try_status(&self) -> (u16, Value) {
        let (code, body) =
            self.rest(reqwest::Method::GET, &format!("/connectors/{}/status", self.name), None);
        (code, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    /// Waits until the worker's status satisfies `ok`; the status then.
    pub fn wait_status(&self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (code, s) = self.try_status();
            if code == 200 && ok(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "not {what} within 60s: {code} {s:#}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// How many JDBC connections the connector's tasks have opened so far.
    pub fn starts(&self) -> i64 {
        let sql = format!(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {}.starts",
            self.schema
        );
        let row = self.rt.block_on(self.pg.query_one(&sql, &[])).unwrap_or_else(|e| panic!("{e}"));
        row.get(0)
    }

    pub fn sql(&self, sql: &str) {
        self.rt.block_on(self.pg.batch_execute(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// The scratch schema goes with the harness, whatever the test's outcome (the connector's own
/// guard deletes it, its slot, publication and topics first: it is declared after).
impl Drop for Harness {
    fn drop(&mut self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        if let Err(e) = self.rt.block_on(self.pg.batch_execute(&sql)) {
            eprintln!("cleanup: {sql}: {e}");
        }
    }
}

/// Seconds between `a` and `b`, milliseconds since the epoch.
pub fn secs_between(a: u64, b: u64) -> f64 {
    b.saturating_sub(a) as f64 / 1000.0
}

/// Seconds since `t0`, for the step log.
pub fn since(t0: SystemTime) -> f64 {
    t0.elapsed().unwrap_or_default().as_secs_f64()
}

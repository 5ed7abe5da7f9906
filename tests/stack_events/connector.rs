//! The test's own corner of the stack: a scratch database in the source server, a Debezium
//! connector on it (compose/connectors/orders.json with its own slot, publication and topic
//! prefix), all removed however the test ends: connector, slot, database, topics.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::common;
use common::connector::CONNECT;

pub struct Scratch {
    /// Connector name, slot, publication, database and topic prefix.
    pub prefix: String,
    pub db: tokio_postgres::Client,
}

impl Scratch {
    /// A new source database `<prefix>_<pid>_<n>` with `schema` in it.
    pub async fn new(prefix: &str, schema: &str) -> Self {
        let n = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() % 100_000);
        let name = format!("{prefix}_{}_{n}", std::process::id());
        let admin = common::source_client().await;
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
        let mut cfg = common::config().source.pg_config(Duration::from_secs(5));
        cfg.dbname(&name);
        let (db, conn) = cfg.connect(tokio_postgres::NoTls).await.expect("connect");
        tokio::spawn(conn);
        let scratch = Self { prefix: name, db };
        scratch.db.batch_execute(schema).await.expect("schema");
        scratch
    }

    /// Registers the connector on `tables` with `partitions` per topic, and waits until it
    /// streams (its slot active): changes from then on are streamed, not snapshotted.
    pub async fn start_connector(&self, tables: &str, partitions: &str) {
        let config = common::connector::config(&[
            ("database.dbname", &self.prefix),
            ("topic.prefix", &self.prefix),
            ("slot.name", &self.prefix),
            ("publication.name", &self.prefix),
            ("table.include.list", tables),
            ("topic.creation.default.partitions", partitions),
        ]);
        let http = reqwest::Client::new();
        let resp = http
            .put(format!("{CONNECT}/connectors/{}/config", self.prefix))
            .json(&config)
            .send()
            .await
            .expect("PUT connector");
        assert!(resp.status().is_success(), "create connector: {:?}", resp.text().await);
        let admin = common::source_client().await;
        let deadline = Instant::now() + Duration::from_secs(90);
        let sql = "SELECT active FROM pg_replication_slots WHERE slot_name = $1";
        loop {
            let active: Option<bool> =
                admin.query_opt(sql, &[&self.prefix]).await.expect("slots").map(|r| r.get(0));
            if active == Some(true) {
                return;
            }
            assert!(Instant::now() < deadline, "connector {} never streamed", self.prefix);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

impl Drop for Scratch {
    /// Best effort, every step: a cleanup failure must not hide the test's own failure.
    fn drop(&mut self) {
        let name = self.prefix.clone();
        common::connector::on_own_runtime(async move {
            common::connector::remove(&name, &name).await;
            let pg = common::source_client().await;
            if let Err(e) =
                pg.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
            {
                eprintln!("cleanup of database {name}: {e}");
            }
            common::connector::delete_topics(&name).await;
        });
    }
}

//! The diff tests' fixture: a schema of the test's own (difftest_<pid>_<test>) in both
//! databases, statements run on one or both sides, and a diff of one table pair.
#![allow(dead_code)]

use std::time::Duration;

use cdc_console::pipeline::diff::{self, Options, Pair, Pool, RowDiff, TableReport};

pub struct Fixture {
    pub src: tokio_postgres::Client,
    pub snk: tokio_postgres::Client,
    pub schema: String,
}

pub async fn client(c: &cdc_console::config::PostgresEndpoint) -> tokio_postgres::Client {
    let (client, conn) =
        c.pg_config(Duration::from_secs(5)).connect(tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

impl Fixture {
    pub async fn new(test: &str) -> Fixture {
        super::require_databases();
        let c = super::config();
        let f = Fixture {
            src: client(&c.source).await,
            snk: client(&c.sink).await,
            schema: format!("difftest_{}_{test}", std::process::id()),
        };
        f.both(&format!("DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}", s = f.schema))
            .await;
        f
    }

    pub async fn both(&self, sql: &str) {
        let sql = sql.replace("$S", &self.schema);
        self.src.batch_execute(&sql).await.unwrap_or_else(|e| panic!("source: {sql}: {e:?}"));
        self.snk.batch_execute(&sql).await.unwrap_or_else(|e| panic!("sink: {sql}: {e:?}"));
    }

    pub async fn sink(&self, sql: &str) {
        let sql = sql.replace("$S", &self.schema);
        self.snk.batch_execute(&sql).await.unwrap_or_else(|e| panic!("sink: {sql}: {e:?}"));
    }

    pub async fn diff(&self, table: &str, opts: &Options) -> TableReport {
        let c = super::config();
        let src = Pool::connect(&c.source, Duration::from_secs(5), 2).await.unwrap();
        let snk = Pool::connect(&c.sink, Duration::from_secs(5), 2).await.unwrap();
        let t = format!("{}.{table}", self.schema);
        diff::diff_pair(
            &src,
            &snk,
            &Pair { source_table: t.clone(), sink_table: t, ..Pair::default() },
            opts,
        )
        .await
        .unwrap()
    }

    pub async fn drop(self) {
        self.both(&format!("DROP SCHEMA {} CASCADE", self.schema)).await;
    }
}

pub fn small() -> Options {
    // Small segments so even 2,000 rows bisect over several levels.
    Options { factor: 4, threshold: 50, ..Options::default() }
}

pub fn k(v: &[&str]) -> Vec<String> {
    v.iter().map(std::string::ToString::to_string).collect()
}

pub fn sorted(mut d: Vec<RowDiff>) -> Vec<RowDiff> {
    d.sort_by(|a, b| a.key().cmp(b.key()));
    d
}

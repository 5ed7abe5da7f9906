//! A job as Flink SQL, without servers: the script for the default job and for each window
//! shape and event time (snapshots in tests/snapshots), and the sink password only ever as its
//! placeholder in what is printed, but in what is submitted.

use std::time::Duration;

use cdc_console::config::Config;
use cdc_console::config::job::{AggregateConfig, JobConfig, OutputConfig, Span, WindowConfig};
use cdc_console::config::secret::Secret;
use cdc_console::flink::sql::{self, FlinkSql, PASSWORD_PLACEHOLDER};
use cdc_console::pg::{Column, TableShape};

/// public.orders as compose/sql/source.sql creates it.
fn orders() -> TableShape {
    let col = |name: &str, ty: &str| Column { name: name.into(), ty: ty.into() };
    TableShape {
        columns: vec![
            col("order_id", "bigint"),
            col("user_id", "bigint"),
            col("customer_name", "text"),
            col("amount", "numeric(12,2)"),
            col("status", "text"),
            col("created_at", "timestamp with time zone"),
            col("updated_at", "timestamp with time zone"),
        ],
        key: vec!["order_id".into()],
    }
}

const SECRET: &str = "s3cr3t-'sink'-pw";

fn config() -> Config {
    let mut c = Config::default();
    c.sink.password = Some(Secret::new(SECRET));
    c
}

fn script(job: &JobConfig) -> String {
    let sql = sql::generate(&config(), job, &orders()).expect("generate");
    let text = sql.script();
    assert!(!text.contains(SECRET), "the password is printed");
    assert!(text.contains(&format!("'password' = '{PASSWORD_PLACEHOLDER}'")));
    assert!(sql.statements.iter().all(|s| !s.contains(SECRET)), "the password is recorded");
    text
}

fn span(secs: u64) -> Span {
    Span(Duration::from_secs(secs))
}

#[test]
fn the_default_job() {
    insta::assert_snapshot!("orders_by_status", script(&JobConfig::orders_by_status()));
}

#[test]
fn a_hopping_job() {
    let job = JobConfig {
        name: "amount_by_user_hop".into(),
        window: WindowConfig::Hopping { size: span(60), slide: span(20) },
        group_by: vec!["user_id".into()],
        aggregates: vec![AggregateConfig::Count, AggregateConfig::Sum { column: "amount".into() }],
        output: OutputConfig { table: "cdc.amount_by_user_hop".into(), topic: None },
        ..JobConfig::orders_by_status()
    };
    insta::assert_snapshot!("hopping", script(&job));
}

#[test]
fn a_session_job() {
    let job = JobConfig {
        name: "sessions_by_customer".into(),
        window: WindowConfig::Session { gap: span(300) },
        group_by: vec!["customer_name".into()],
        aggregates: vec![AggregateConfig::Count, AggregateConfig::Max { column: "amount".into() }],
        output: OutputConfig { table: "cdc.sessions_by_customer".into(), topic: None },
        ..JobConfig::orders_by_status()
    };
    insta::assert_snapshot!("session", script(&job));
}

#[test]
fn a_commit_time_job() {
    let job = JobConfig {
        name: "orders_by_commit".into(),
        event_time: "source.ts_ms".into(),
        output: OutputConfig { table: "cdc.orders_by_commit".into(), topic: None },
        ..JobConfig::orders_by_status()
    };
    insta::assert_snapshot!("source_ts_ms", script(&job));
}

#[test]
fn a_job_without_group_by() {
    let job = JobConfig {
        name: "all_orders".into(),
        group_by: vec![],
        aggregates: vec![AggregateConfig::Count, AggregateConfig::Avg { column: "amount".into() }],
        allowed_lateness: span(0),
        output: OutputConfig { table: "cdc.all_orders".into(), topic: None },
        ..JobConfig::orders_by_status()
    };
    insta::assert_snapshot!("no_group_by", script(&job));
}

#[test]
fn only_what_is_submitted_carries_the_password_quoted() {
    let sql = sql::generate(&config(), &JobConfig::orders_by_status(), &orders()).unwrap();
    let secret = Secret::new(SECRET);
    let submitted = FlinkSql::submitted(&sql.statements, Some(&secret));
    let sink = submitted.iter().find(|s| s.contains("'connector' = 'jdbc'")).unwrap();
    assert!(sink.contains("'password' = 's3cr3t-''sink''-pw'"), "{sink}");
    assert!(submitted.iter().all(|s| !s.contains(PASSWORD_PLACEHOLDER)));
    // Debug output of the config or the SQL never shows it either.
    assert!(!format!("{sql:?}").contains(SECRET));
    // No password configured: no password option at all.
    let mut c = config();
    c.sink.password = None;
    let sql = sql::generate(&c, &JobConfig::orders_by_status(), &orders()).unwrap();
    assert!(!sql.script().contains("'password'"));
}

#[test]
fn what_flink_cannot_read_is_refused_with_the_reason() {
    let mut job = JobConfig::orders_by_status();
    job.group_by = vec!["created_at".into()];
    let e = sql::generate(&config(), &job, &orders()).unwrap_err();
    assert!(e.to_string().contains("created_at"), "{e}");
    job.group_by = vec!["nope".into()];
    let e = sql::generate(&config(), &job, &orders()).unwrap_err();
    assert_eq!(e.to_string(), "column `nope` is not in the source table");
    let mut c = config();
    c.kafka.security_protocol = cdc_console::config::SecurityProtocol::SaslSsl;
    let e = sql::generate(&c, &JobConfig::orders_by_status(), &orders()).unwrap_err();
    assert!(e.to_string().contains("PLAINTEXT"), "{e}");
}

//! The local Flink session cluster (`compose/local/stack up flink`) as the console's Flink
//! features expect it: a TaskManager with free slots, the SQL gateway on its own port, and the
//! Kafka and JDBC connectors on the cluster's classpath. A job submitted through the gateway
//! reads Debezium JSON in the stack's shape (no schemas, decimals and timestamps as strings)
//! from a scratch topic and upserts per-status figures into a scratch table of the sink; the
//! test reads the table, then cancels the job and drops what it made.

use crate::common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Order 1 and 2 created pending, order 1 paid (its before image retracts), order 2 deleted:
/// "pending" counts 2, 1, then 0 (its row is deleted), "paid" ends at one order of 13.75.
const EVENTS: [&str; 4] = [
    r#"{"before":null,"after":{"order_id":1,"user_id":7,"customer_name":"Ann","amount":"12.50","status":"pending","created_at":"2026-12-06T21:41:14.123456Z","updated_at":"2026-12-06T21:41:14.123456Z"},"source":{"connector":"postgresql","ts_ms":1796593274123,"schema":"public","table":"orders"},"op":"c","ts_ms":1796593274200}"#,
    r#"{"before":null,"after":{"order_id":2,"user_id":8,"customer_name":"Bo","amount":"99999999.99","status":"pending","created_at":"2026-12-06T21:43:00.5Z","updated_at":"2026-12-06T21:43:00.5Z"},"source":{"connector":"postgresql","ts_ms":1796593380500,"schema":"public","table":"orders"},"op":"c","ts_ms":1796593380600}"#,
    r#"{"before":{"order_id":1,"user_id":7,"customer_name":"Ann","amount":"12.50","status":"pending","created_at":"2026-12-06T21:41:14.123456Z","updated_at":"2026-12-06T21:41:14.123456Z"},"after":{"order_id":1,"user_id":7,"customer_name":"Ann","amount":"13.75","status":"paid","created_at":"2026-12-06T21:41:14.123456Z","updated_at":"2026-12-06T21:45:00Z"},"source":{"connector":"postgresql","ts_ms":1796593500250,"schema":"public","table":"orders"},"op":"u","ts_ms":1796593500300}"#,
    r#"{"before":{"order_id":2,"user_id":8,"customer_name":"Bo","amount":"99999999.99","status":"pending","created_at":"2026-12-06T21:43:00.5Z","updated_at":"2026-12-06T21:43:00.5Z"},"after":null,"source":{"connector":"postgresql","ts_ms":1796593510000,"schema":"public","table":"orders"},"op":"d","ts_ms":1796593510100}"#,
];

fn statements(topic: &str, table: &str) -> Vec<String> {
    let brokers = common::config().kafka.brokers;
    let sink = common::config().sink;
    vec![
        format!(
            "CREATE TEMPORARY TABLE orders_in (order_id BIGINT, status STRING, \
             amount DECIMAL(12,2), updated_at TIMESTAMP_LTZ(6), \
             changed_at TIMESTAMP_LTZ(3) METADATA FROM 'value.source.timestamp' VIRTUAL) WITH (\
             'connector' = 'kafka', 'topic' = '{topic}', 'properties.bootstrap.servers' = '{brokers}', \
             'properties.group.id' = '{topic}', 'scan.startup.mode' = 'earliest-offset', \
             'format' = 'debezium-json', 'debezium-json.schema-include' = 'false', \
             'debezium-json.timestamp-format.standard' = 'ISO-8601')"
        ),
        format!(
            "CREATE TEMPORARY TABLE figures_out (status STRING, orders BIGINT, total DECIMAL(12,2), \
             last_change TIMESTAMP(3), PRIMARY KEY (status) NOT ENFORCED) WITH (\
             'connector' = 'jdbc', 'url' = 'jdbc:postgresql://{}:{}/{}', 'table-name' = '{table}', \
             'username' = '{}', 'password' = '{}')",
            sink.host,
            sink.port,
            sink.dbname,
            sink.user,
            sink.password.as_ref().map_or("", |p| p.expose())
        ),
        "SET 'pipeline.name' = 'stack_flink_cluster'".into(),
        // TIMESTAMP_LTZ → TIMESTAMP in UTC, whatever the gateway's machine's zone.
        "SET 'table.local-time-zone' = 'UTC'".into(),
        "INSERT INTO figures_out SELECT status, COUNT(*), SUM(amount), \
         CAST(MAX(changed_at) AS TIMESTAMP(3)) FROM orders_in GROUP BY status"
            .into(),
    ]
}

/// Cancels the job and drops the table however the test ends (the topic is ScratchTopic's).
struct Cleanup {
    job: Option<String>,
    table: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Ok(rt) = tokio::runtime::Runtime::new() else { return };
        rt.block_on(async {
            if let Some(job) = &self.job {
                common::flink::cancel(job).await;
            }
            let sink = common::sink_client().await;
            let _ = sink.batch_execute(&format!("DROP TABLE IF EXISTS {}", self.table)).await;
        });
    }
}

fn produce(topic: &str) {
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let producer: BaseProducer = common::kafka::plain_config().create().expect("producer");
    for (key, event) in ["1", "2", "1", "2"].iter().zip(EVENTS) {
        let record = BaseRecord::to(topic).partition(0).key(*key).payload(event);
        producer.send(record).map_err(|(e, _)| e).expect("send");
    }
    producer.flush(common::kafka::TIMEOUT).expect("flush");
}

async fn get(http: &reqwest::Client, url: &str) -> Value {
    let resp = http.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
    resp.json().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    let resp = http.post(url).json(body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(status.is_success(), "POST {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {url}: {e}: {text}"))
}

/// Runs one statement in the session and returns its result rows (an INSERT's: the job id).
async fn execute(http: &reqwest::Client, session: &str, sql: &str) -> Vec<Value> {
    let op = post(http, &format!("{session}/statements"), &json!({ "statement": sql })).await;
    let op = op["operationHandle"].as_str().expect("an operation handle");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let url = format!("{session}/operations/{op}/result/0?rowFormat=JSON");
        let resp = http.get(&url).send().await.expect("fetch the result");
        let status = resp.status();
        let body: Value = resp.json().await.expect("a JSON result");
        assert!(status.is_success(), "{sql}\n{body:#}");
        if body["resultType"] != "NOT_READY" {
            return body["results"]["data"].as_array().cloned().unwrap_or_default();
        }
        assert!(Instant::now() < deadline, "{sql}: no result after 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn job_running(http: &reqwest::Client, rest: &str, job: &str) -> bool {
    let job = get(http, &format!("{rest}/jobs/{job}")).await;
    assert!(!["FAILED", "CANCELED"].contains(&job["state"].as_str().unwrap_or("")), "{job:#}");
    job["state"] == "RUNNING"
        && job["vertices"].as_array().is_some_and(|v| v.iter().all(|v| v["status"] == "RUNNING"))
}

async fn figures(table: &str) -> Vec<(String, i64, String, String)> {
    let sink = common::sink_client().await;
    let sql = format!(
        "SELECT status, orders, total::text, to_char(last_change, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') \
         FROM {table} ORDER BY status"
    );
    let rows = sink.query(&sql, &[]).await.expect("read the sink table");
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect()
}

#[test]
fn the_flink_cluster_runs_a_kafka_to_jdbc_job_submitted_through_the_sql_gateway() {
    let _turn = common::flink::take_turn();
    common::require_stack();
    let flink = common::config().flink;
    let rest = flink.rest.as_str().trim_end_matches('/').to_string();
    let gateway = flink.sql_gateway.as_str().trim_end_matches('/').to_string();
    let name = format!("fstack_flink_{}", std::process::id());
    let mut topic = common::kafka::ScratchTopic::create(&name, 1);
    topic.owns_group(&name);
    let mut cleanup = Cleanup { job: None, table: name.clone() };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http");
    rt.block_on(async {
        let overview = get(&http, &format!("{rest}/overview")).await;
        assert!(overview["taskmanagers"].as_i64() >= Some(1), "{overview:#}");
        assert!(overview["slots-available"].as_i64() >= Some(1), "{overview:#}");
        let info = get(&http, &format!("{gateway}/v1/info")).await;
        assert_eq!(info["version"], overview["flink-version"], "gateway and cluster: {info}");

        let sink = common::sink_client().await;
        sink.batch_execute(&format!(
            "CREATE TABLE {name} (status text PRIMARY KEY, orders bigint, total numeric(12,2), \
             last_change timestamp(3))"
        ))
        .await
        .expect("create the sink table");
        produce(&topic.name);

        let session = post(&http, &format!("{gateway}/v1/sessions"), &json!({})).await;
        let session =
            format!("{gateway}/v1/sessions/{}", session["sessionHandle"].as_str().unwrap_or(""));
        let mut job = None;
        for sql in statements(&topic.name, &name) {
            job = execute(&http, &session, &sql).await.first().map(|r| r["fields"][0].clone());
        }
        let job = job.and_then(|j| j.as_str().map(String::from)).expect("the INSERT's job id");
        cleanup.job = Some(job.clone());

        let want = vec![(
            "paid".to_string(),
            1,
            "13.75".to_string(),
            "2026-12-06T21:45:00.250".to_string(),
        )];
        let deadline = Instant::now() + Duration::from_secs(45);
        while !(job_running(&http, &rest, &job).await && figures(&name).await == want) {
            assert!(Instant::now() < deadline, "after 45 s: {:?}", figures(&name).await);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let _ = http.delete(&session).send().await;
    });
}

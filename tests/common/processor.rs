//! The processor tests' job and its truth: a tumbling 10 s window over the orders topic by
//! status with event time `updated_at`, recomputed by SQL from the source's live rows.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub const TOPIC: &str = "dbserver1.public.orders";

/// The job's config file text; every retraction of a test's history stays within lateness.
pub fn job_toml(job: &str, output_topic: Option<&str>) -> String {
    job_toml_on(job, TOPIC, output_topic)
}

/// [`job_toml`] reading `input` instead of Debezium's orders topic.
pub fn job_toml_on(job: &str, input: &str, output_topic: Option<&str>) -> String {
    let topic = output_topic.map(|t| format!(", topic = \"{t}\"")).unwrap_or_default();
    format!(
        r#"[[jobs]]
name = "{job}"
topics = ["{input}"]
source_tables = ["public.orders"]
event_time = "updated_at"
window = {{ kind = "tumbling", size = "10s" }}
group_by = ["status"]
aggregates = [{{ fn = "count" }}, {{ fn = "sum", column = "amount" }}, {{ fn = "min", column = "amount" }}, {{ fn = "max", column = "amount" }}]
out_of_orderness = "2s"
idle_timeout = "30s"
allowed_lateness = "30d"
output = {{ table = "cdc.{job}"{topic} }}
"#
    )
}

/// The lowest partition watermark in the job's checkpoints: windows ending by then have fired.
pub async fn fired_until(sink: &tokio_postgres::Client, job: &str) -> i64 {
    sink.query_one(
        "SELECT min((state->>'watermark')::bigint) FROM cdc.processor_checkpoints WHERE job = $1",
        &[&job],
    )
    .await
    .expect("watermark")
    .get::<_, Option<i64>>(0)
    .expect("a watermark per partition")
}

/// (status, window start ms) → "count sum min max", from the source's live rows.
pub async fn truth(source: &tokio_postgres::Client, until: i64) -> BTreeMap<(String, i64), String> {
    source
        .query(
            "SELECT status, ws, count(*)::text || ' ' || trim_scale(sum(amount))::text || ' ' || trim_scale(min(amount))::text || ' ' || trim_scale(max(amount))::text \
             FROM (SELECT status, amount, (floor(extract(epoch FROM updated_at) * 1000 / 10000) * 10000)::bigint AS ws FROM public.orders) o \
             WHERE ws + 10000 <= $1 GROUP BY status, ws",
            &[&until],
        )
        .await
        .expect("truth")
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect()
}

pub async fn results(
    sink: &tokio_postgres::Client,
    job: &str,
    until: i64,
) -> BTreeMap<(String, i64), String> {
    sink.query(
        &format!(
            "SELECT status, (extract(epoch FROM window_start) * 1000)::bigint, \
             count::text || ' ' || trim_scale(sum_amount)::text || ' ' || trim_scale(min_amount)::text || ' ' || trim_scale(max_amount)::text \
             FROM cdc.{job} WHERE (extract(epoch FROM window_end) * 1000)::bigint <= $1"
        ),
        &[&until],
    )
    .await
    .expect("results")
    .iter()
    .map(|r| ((r.get(0), r.get(1)), r.get(2)))
    .collect()
}

/// Catches the job up (`process --until-idle` with `config`) and compares its fired windows with
/// the truth, retried for up to 2 minutes while Debezium delivers the last changes. Panics with
/// the differing windows if they never match.
pub async fn converge_to_truth(
    config: &std::path::Path,
    sink: &tokio_postgres::Client,
    source: &tokio_postgres::Client,
    job: &str,
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = super::console(
            &[
                "--config",
                config.to_str().expect("utf-8"),
                "process",
                "--until-idle",
                "--time-limit",
                "180s",
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        // Every partition's watermark has passed these windows' ends: they have fired.
        let until = fired_until(sink, job).await;
        let (want, got) = (truth(source, until).await, results(sink, job, until).await);
        if want == got {
            assert!(want.len() > 10, "too few windows compared: {}", want.len());
            return;
        }
        let differing: Vec<_> = want
            .iter()
            .filter(|(k, v)| got.get(k) != Some(v))
            .take(5)
            .map(|(k, v)| (k, v, got.get(k)))
            .collect();
        let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(k)).take(5).collect();
        assert!(
            Instant::now() < deadline,
            "windows differ from the truth, (window, truth, result): {differing:?}, extra {extra:?} (of {} windows fired until {until})",
            want.len()
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

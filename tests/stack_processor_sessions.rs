//! A session job's output merges each group's sessions across partitions (Flink merges a key's
//! sessions over the whole stream; each partition here sessionizes only its own events), against
//! the local stack's sink database: the rows the sink write leaves, batch after batch.

mod common;

use std::time::Duration;

use cdc_console::config::job::{AggregateConfig, JobConfig, OutputConfig, Span, WindowConfig};
use cdc_console::pipeline::processor::{
    ColumnPartial, Decimal, KeyValue, Partial, Window, WindowResult, sink,
};

fn job(name: &str) -> JobConfig {
    let mut job = JobConfig::orders_by_status();
    job.name = name.into();
    job.window = WindowConfig::Session { gap: Span(Duration::from_secs(10)) };
    job.aggregates = vec![AggregateConfig::Count, AggregateConfig::Sum { column: "amount".into() }];
    job.output = OutputConfig { table: format!("cdc.{name}"), topic: None };
    job
}

/// Partition `p`'s session `[start, end)` seconds of `status`: `rows` rows summing to `rows`,
/// or None for a session gone (merged away under another start).
fn session(p: i32, status: &str, start: i64, end: i64, rows: Option<i64>) -> WindowResult {
    WindowResult {
        partition: p,
        key: vec![KeyValue::Text(status.into())],
        window: Window { start: start * 1000, end: end * 1000 },
        partial: rows.map(|n| Partial {
            rows: n,
            columns: vec![ColumnPartial {
                count: n,
                sum: Decimal::from_int(n),
                min: None,
                max: None,
            }],
        }),
        late_firing: false,
    }
}

/// Writes one batch in its own transaction; returns the output rows it wrote (deleted: None).
async fn batch(
    sink: &mut tokio_postgres::Client,
    job: &JobConfig,
    out: &sink::Output,
    results: &[WindowResult],
) -> Vec<(i64, i64, Option<i64>)> {
    let tx = sink.transaction().await.expect("begin");
    let topic_of = |p: i32| ("orders".to_string(), p);
    let written =
        sink::write_results(&tx, job, out, topic_of, results).await.expect("write results");
    tx.commit().await.expect("commit");
    let mut w: Vec<_> = written
        .iter()
        .map(|w| {
            (
                w.window.start / 1000,
                w.window.end / 1000,
                w.values.as_ref().and_then(|v| v[0].1).map(|d| d.to_string().parse().unwrap_or(-1)),
            )
        })
        .collect();
    w.sort();
    w
}

/// The output table: (status, start s, end s, count).
async fn rows(sink: &tokio_postgres::Client, job: &JobConfig) -> Vec<(String, i64, i64, i64)> {
    let sql = format!(
        "SELECT status, extract(epoch FROM window_start)::int8, extract(epoch FROM window_end)::int8, count FROM {} ORDER BY 1, 2",
        job.output.table
    );
    sink.query(&sql, &[])
        .await
        .expect("output rows")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[tokio::test]
async fn sessions_of_a_group_merge_across_partitions_where_they_touch() {
    common::require_databases();
    let (mut sink, source) = (common::sink_client().await, common::source_client().await);
    let job = job(&format!("sessions_test_{}", std::process::id()));
    sink::reset(&sink, &job).await.expect("reset");
    let out = sink::ensure_output(&sink, &source, &job).await.expect("output table");
    let row = |s: &str, a, b, n| (s.to_string(), a, b, n);

    // Partition 0 fires paid [0, 20); another group's session is elsewhere.
    batch(
        &mut sink,
        &job,
        &out,
        &[session(0, "paid", 0, 20, Some(2)), session(0, "new", 0, 20, Some(1))],
    )
    .await;
    assert_eq!(rows(&sink, &job).await, vec![row("new", 0, 20, 1), row("paid", 0, 20, 2)]);

    // Partition 1's paid [15, 40) overlaps it: one session of 5, the old row replaced.
    let written = batch(&mut sink, &job, &out, &[session(1, "paid", 15, 40, Some(3))]).await;
    assert_eq!(written, vec![(0, 20, None), (0, 40, Some(5))]);
    assert_eq!(rows(&sink, &job).await, vec![row("new", 0, 20, 1), row("paid", 0, 40, 5)]);

    // Partition 1 again, touching at 40 (touching ends merge) and far away at 100.
    batch(
        &mut sink,
        &job,
        &out,
        &[
            session(1, "paid", 15, 40, None),
            session(1, "paid", 15, 50, Some(4)),
            session(1, "paid", 100, 110, Some(1)),
        ],
    )
    .await;
    assert_eq!(
        rows(&sink, &job).await,
        vec![row("new", 0, 20, 1), row("paid", 0, 50, 6), row("paid", 100, 110, 1)]
    );

    // Partition 0's session at [48, 102) bridges the two: one session; it reaches past the
    // sessions this batch touched on both sides.
    batch(&mut sink, &job, &out, &[session(0, "paid", 48, 102, Some(1))]).await;
    assert_eq!(rows(&sink, &job).await, vec![row("new", 0, 20, 1), row("paid", 0, 110, 8)]);

    // All of partition 0's paid sessions retracted to nothing: partition 1's stand apart again.
    let written = batch(
        &mut sink,
        &job,
        &out,
        &[session(0, "paid", 0, 20, None), session(0, "paid", 48, 102, None)],
    )
    .await;
    assert_eq!(written, vec![(0, 110, None), (15, 50, Some(4)), (100, 110, Some(1))]);
    assert_eq!(
        rows(&sink, &job).await,
        vec![row("new", 0, 20, 1), row("paid", 15, 50, 4), row("paid", 100, 110, 1)]
    );

    sink::reset(&sink, &job).await.expect("reset");
    sink.batch_execute(&format!("DROP TABLE {}", job.output.table)).await.expect("drop output");
}

//! Debezium → broker throughput for one bulk insert: N rows (default 100,000) inserted into
//! `public.order_items` in one transaction, timed from its commit until the change topic's log
//! end offsets (summed over partitions) have grown by N. Prints events/s, and the time to the
//! first event. Needs the local stack; the rows are deleted afterwards (not timed).
//!
//!   cargo bench --bench debezium_bulk
//!   DEBEZIUM_BENCH_ROWS=500000 cargo bench --bench debezium_bulk

use std::time::{Duration, Instant};

use cdc_console::config::Config;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

const TOPIC: &str = "dbserver1.public.order_items";

/// Sum of the topic's high watermarks; 0 while it does not exist yet.
fn log_end(consumer: &BaseConsumer) -> i64 {
    let Ok(md) = consumer.fetch_metadata(Some(TOPIC), Duration::from_secs(5)) else { return 0 };
    let partitions: Vec<i32> = md
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(rdkafka::metadata::MetadataPartition::id))
        .collect();
    partitions
        .iter()
        .filter_map(|&p| consumer.fetch_watermarks(TOPIC, p, Duration::from_secs(5)).ok())
        .map(|(_, high)| high)
        .sum()
}

#[tokio::main]
async fn main() {
    let rows: i64 =
        std::env::var("DEBEZIUM_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let config = Config::default();
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &config.kafka.brokers)
        .create()
        .expect("consumer");
    let (pg, conn) = config
        .source
        .pg_config(Duration::from_secs(5))
        .connect(tokio_postgres::NoTls)
        .await
        .expect("source (is the local stack up?)");
    tokio::spawn(conn);

    // Order ids of this run only, far above the generator's.
    let base: i64 = 9_000_000_000 + i64::from(std::process::id()) * 1_000_000;
    let before = log_end(&consumer);
    pg.batch_execute("BEGIN").await.expect("begin");
    pg.execute(
        "INSERT INTO public.order_items (order_id, line_no, sku, quantity, unit_price) \
         SELECT $1::bigint + g / 10, g % 10, 'sku-' || g, 1 + g % 5, (g % 10000) / 100.0 FROM generate_series(0, $2::bigint - 1) g",
        &[&base, &rows],
    )
    .await
    .expect("bulk insert");
    pg.batch_execute("COMMIT").await.expect("commit");
    let committed = Instant::now();

    let mut first = None;
    loop {
        let grown = log_end(&consumer) - before;
        if grown > 0 && first.is_none() {
            first = Some(committed.elapsed());
        }
        if grown >= rows {
            break;
        }
        assert!(
            committed.elapsed() < Duration::from_secs(600),
            "only {grown} of {rows} events reached the broker in 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let secs = committed.elapsed().as_secs_f64();
    let first = first.unwrap_or_default().as_secs_f64();
    println!(
        "debezium bulk: {rows} rows inserted in one transaction reached {TOPIC} in {secs:.2} s after the commit \
         = {:.0} events/s (first event after {:.0} ms; {:.0} events/s from the first to the last)",
        rows as f64 / secs,
        first * 1000.0,
        rows as f64 / (secs - first).max(1e-9)
    );
    pg.execute(
        "DELETE FROM public.order_items WHERE order_id >= $1 AND order_id < $1 + $2",
        &[&base, &(rows / 10 + 1)],
    )
    .await
    .expect("clean up");
}

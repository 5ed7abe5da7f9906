//! `diff` on the local stack's two databases, on tables of its own (schema difftest_<pid>_<test>
//! in both), so it does not depend on the replicator: key kinds, normalized values, bisection,
//! the CLI and live pipelines. Row hashes and the key-order read: stack_diff_hashes.rs.

mod common;

use std::time::Duration;

use cdc_console::pipeline::diff::{self, Options, RowDiff};
use common::diff::{Fixture, k, small, sorted};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn integer_key_identical_then_exactly_the_three_damaged_rows() {
    let f = Fixture::new("int").await;
    f.both(
        "CREATE TABLE $S.orders (order_id bigint PRIMARY KEY, customer_name text NOT NULL, amount numeric(12,2), status text, created_at timestamptz);
         INSERT INTO $S.orders SELECT g, 'c' || g, g * 1.25, CASE WHEN g % 3 = 0 THEN NULL ELSE 'new' END, timestamptz '2024-01-01 00:00:00.123456+00' + g * interval '1 s'
         FROM generate_series(1, 2000) g",
    )
    .await;
    let r = f.diff("orders", &small()).await;
    assert_eq!(r.differences, vec![], "{r:?}");
    assert!(
        r.stats.depth == 0 && r.stats.rows_fetched == 0,
        "identical tables need one checksum: {:?}",
        r.stats
    );

    f.sink("DELETE FROM $S.orders WHERE order_id = 700; UPDATE $S.orders SET status = 'paid' WHERE order_id = 1234; INSERT INTO $S.orders VALUES (10000, 'stray', 1, 'x', now())").await;
    let r = f.diff("orders", &small()).await;
    assert_eq!(
        sorted(r.differences.clone()),
        vec![
            RowDiff::Extra { key: k(&["10000"]) },
            RowDiff::Changed { key: k(&["1234"]), columns: k(&["status"]) },
            RowDiff::Missing { key: k(&["700"]) },
        ]
    );
    assert!(r.in_flight.is_empty());
    assert!(r.stats.rows_fetched < 2000, "bisected: {:?}", r.stats);
    let pg = f.diff("orders", &Options { hash: diff::checksum::Hash::Pg, ..small() }).await;
    assert_eq!(sorted(pg.differences), sorted(r.differences), "the same with hashtextextended");
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn composite_key_with_a_uuid_column() {
    let f = Fixture::new("comp").await;
    f.both(
        "CREATE TABLE $S.order_items (order_id bigint, line_no integer, item_id uuid NOT NULL, sku text NOT NULL, quantity integer, unit_price numeric(10,2), PRIMARY KEY (order_id, line_no));
         INSERT INTO $S.order_items SELECT o, l, md5(o || '/' || l)::uuid, 'sku-' || (o * l % 97), l, o * 0.01 FROM generate_series(1, 400) o, generate_series(1, 5) l",
    )
    .await;
    assert_eq!(f.diff("order_items", &small()).await.differences, vec![]);
    f.sink(
        "DELETE FROM $S.order_items WHERE order_id = 17 AND line_no = 3;
         UPDATE $S.order_items SET item_id = gen_random_uuid() WHERE order_id = 250 AND line_no = 1;
         INSERT INTO $S.order_items VALUES (250, 6, gen_random_uuid(), 'stray', 1, 1)",
    )
    .await;
    let r = f.diff("order_items", &small()).await;
    assert_eq!(r.key_columns, k(&["order_id", "line_no"]));
    assert_eq!(
        sorted(r.differences.clone()),
        vec![
            RowDiff::Missing { key: k(&["17", "3"]) },
            RowDiff::Changed { key: k(&["250", "1"]), columns: k(&["item_id"]) },
            RowDiff::Extra { key: k(&["250", "6"]) },
        ]
    );
    assert!(r.stats.depth >= 2 && r.stats.rows_fetched < 2000, "{:?}", r.stats);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn uuid_key() {
    let f = Fixture::new("uuid").await;
    f.both(
        "CREATE TABLE $S.items (item_id uuid PRIMARY KEY, sku text, price numeric);
         INSERT INTO $S.items SELECT md5(g::text)::uuid, 'sku-' || g, g FROM generate_series(1, 3000) g",
    )
    .await;
    assert_eq!(f.diff("items", &small()).await.differences, vec![]);
    let id = async |sku: &str| -> String {
        f.src
            .query_one(
                &format!("SELECT item_id::text FROM {}.items WHERE sku = $1", f.schema),
                &[&sku],
            )
            .await
            .unwrap()
            .get(0)
    };
    let (gone, changed) = (id("sku-10").await, id("sku-2000").await);
    f.sink(&format!(
        "DELETE FROM $S.items WHERE item_id = '{gone}'; UPDATE $S.items SET price = -1 WHERE item_id = '{changed}';
         INSERT INTO $S.items VALUES ('ffffffff-ffff-ffff-ffff-ffffffffffff', 'stray', 0)"
    ))
    .await;
    let r = f.diff("items", &small()).await;
    let mut want = vec![
        RowDiff::Missing { key: vec![gone] },
        RowDiff::Changed { key: vec![changed], columns: k(&["price"]) },
        RowDiff::Extra { key: k(&["ffffffff-ffff-ffff-ffff-ffffffffffff"]) },
    ];
    want.sort_by(|a, b| a.key().cmp(b.key()));
    assert_eq!(sorted(r.differences.clone()), want);
    assert!(r.stats.rows_fetched < 3000, "{:?}", r.stats);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn equal_values_in_other_scales_and_precisions_are_not_differences_but_null_is_not_empty() {
    let f = Fixture::new("norm").await;
    f.src
        .batch_execute(&format!(
            "CREATE TABLE {s}.t (id int PRIMARY KEY, amount numeric(12,2), at timestamptz(6), local timestamp, note text);
             INSERT INTO {s}.t VALUES (1, 1.50, '2024-03-01 10:00:00.123+00', '2024-03-01 10:00:00.5', 'a'), (2, 2, '2024-03-01 12:00:00+02', '2024-03-01 10:00:00', NULL), (3, 0, now(), now(), '')",
            s = f.schema
        ))
        .await
        .unwrap();
    f.snk
        .batch_execute(&format!(
            "SET TimeZone = 'America/New_York';
             CREATE TABLE {s}.t (id bigint PRIMARY KEY, amount numeric(20,6), at timestamptz(3), local timestamp(3), note varchar(10));
             INSERT INTO {s}.t VALUES (1, 1.5, '2024-03-01 05:00:00.123', '2024-03-01 10:00:00.500', 'a'), (2, 2.000000, '2024-03-01 10:00:00+00', '2024-03-01 10:00:00.000', NULL), (3, 0.0, '2000-01-01', '2000-01-01', NULL)",
            s = f.schema
        ))
        .await
        .unwrap();
    let r = f.diff("t", &small()).await;
    // Row 3: its timestamps really differ, and '' is not NULL.
    assert_eq!(
        r.differences,
        vec![RowDiff::Changed { key: k(&["3"]), columns: k(&["at", "local", "note"]) }]
    );
    // The same with typed hashes (int/bigint, numeric scales, timestamp precisions, text/varchar).
    let pg = f.diff("t", &Options { hash: diff::checksum::Hash::Pg, ..small() }).await;
    assert_eq!(pg.differences, r.differences);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bisection_fetches_far_fewer_rows_than_the_table_has() {
    let f = Fixture::new("bisect").await;
    f.both(
        "CREATE TABLE $S.big (id bigint PRIMARY KEY, v text, n numeric(12,2));
         INSERT INTO $S.big SELECT g, md5(g::text), g / 7.0 FROM generate_series(1, 100000) g",
    )
    .await;
    f.sink("UPDATE $S.big SET n = n + 1 WHERE id = 54321").await;
    let r = f.diff("big", &Options::default()).await;
    assert_eq!(r.differences, vec![RowDiff::Changed { key: k(&["54321"]), columns: k(&["n"]) }]);
    // Integer key: one scan into ~200 buckets of ~500 rows, the differing one split in 32 of
    // ~16 rows; one of those is fetched on both sides.
    assert!(r.stats.rows_fetched <= 2 * diff::grid::GRID_FETCH, "{:?}", r.stats);
    assert!(
        r.stats.segments_checked > 185 + 30 && r.stats.segments_checked < 205 + 34,
        "{:?}",
        r.stats
    );
    assert_eq!(r.stats.segments_equal, r.stats.segments_checked - 2, "{:?}", r.stats);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_exit_codes_and_json() {
    let f = Fixture::new("cli").await;
    f.both("CREATE TABLE $S.a (id int PRIMARY KEY, v text); INSERT INTO $S.a SELECT g, g::text FROM generate_series(1, 100) g").await;
    let t = format!("{}.a", f.schema);
    let out = common::console(&["diff", &t, "-o", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    f.sink("UPDATE $S.a SET v = 'x' WHERE id = 42").await;
    let out = common::console(
        &["diff", &format!("{t}={t}"), "--factor", "4", "--threshold", "10", "-o", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["consistent"], false);
    assert_eq!(
        v["tables"][0]["differences"],
        serde_json::json!([{"kind": "changed", "key": ["42"], "columns": ["v"]}]),
        "{v:#}"
    );
    let out = common::console(&["diff", &t], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 differences") && text.contains("changed") && text.contains("42"),
        "{text}"
    );
    let out = common::console(&["diff", &format!("{}.nope", f.schema)], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn live_differences_the_consumer_has_not_applied_past_are_in_flight_not_divergence() {
    let f = Fixture::new("live").await;
    f.both("CREATE TABLE $S.a (id int PRIMARY KEY, v text); INSERT INTO $S.a SELECT g, g::text FROM generate_series(1, 100) g").await;
    f.sink("DELETE FROM $S.a WHERE id = 5").await;
    // No such consumer in cdc.progress: it has applied nothing, so nothing can be judged yet.
    let opts = Options {
        consumer: Some(format!("nobody-{}", std::process::id())),
        settle: Duration::from_millis(300),
        ..small()
    };
    let r = f.diff("a", &opts).await;
    assert_eq!(r.differences, vec![]);
    assert_eq!(r.in_flight, vec![RowDiff::Missing { key: k(&["5"]) }]);
    // Without a consumer (not live) the same difference is divergence.
    let r = f.diff("a", &small()).await;
    assert_eq!(r.differences, vec![RowDiff::Missing { key: k(&["5"]) }]);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn text_key() {
    let f = Fixture::new("text").await;
    f.both(
        "CREATE TABLE $S.skus (sku text PRIMARY KEY, title text, stock integer);
         INSERT INTO $S.skus SELECT 'sku-' || g, 'title ' || g, g % 17 FROM generate_series(1, 2500) g",
    )
    .await;
    assert_eq!(f.diff("skus", &small()).await.differences, vec![]);
    f.sink("DELETE FROM $S.skus WHERE sku = 'sku-999'; UPDATE $S.skus SET title = NULL WHERE sku = 'sku-1500'; INSERT INTO $S.skus VALUES ('a-stray', 't', 0)").await;
    let r = f.diff("skus", &small()).await;
    assert_eq!(
        sorted(r.differences.clone()),
        vec![
            RowDiff::Extra { key: k(&["a-stray"]) },
            RowDiff::Changed { key: k(&["sku-1500"]), columns: k(&["title"]) },
            RowDiff::Missing { key: k(&["sku-999"]) },
        ]
    );
    assert!(r.stats.depth >= 2 && r.stats.rows_fetched < 2500, "{:?}", r.stats);
    f.drop().await;
}

//! `diff` on the local stack's two databases, on tables of its own (schema difftest_<pid>_<test>
//! in both), so it does not depend on the replicator.

mod common;

use std::time::Duration;

use cdc_console::pipeline::diff::{self, Options, Pair, Pool, RowDiff, TableReport};
use serde_json::Value;

struct Fixture {
    src: tokio_postgres::Client,
    snk: tokio_postgres::Client,
    schema: String,
}

async fn client(c: &cdc_console::config::PostgresEndpoint) -> tokio_postgres::Client {
    let (client, conn) = c.pg_config(Duration::from_secs(5)).connect(tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

impl Fixture {
    async fn new(test: &str) -> Fixture {
        require_databases();
        let c = common::config();
        let f = Fixture { src: client(&c.source).await, snk: client(&c.sink).await, schema: format!("difftest_{}_{test}", std::process::id()) };
        f.both(&format!("DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}", s = f.schema)).await;
        f
    }

    async fn both(&self, sql: &str) {
        let sql = sql.replace("$S", &self.schema);
        self.src.batch_execute(&sql).await.unwrap_or_else(|e| panic!("source: {sql}: {e:?}"));
        self.snk.batch_execute(&sql).await.unwrap_or_else(|e| panic!("sink: {sql}: {e:?}"));
    }

    async fn sink(&self, sql: &str) {
        let sql = sql.replace("$S", &self.schema);
        self.snk.batch_execute(&sql).await.unwrap_or_else(|e| panic!("sink: {sql}: {e:?}"));
    }

    async fn diff(&self, table: &str, opts: &Options) -> TableReport {
        let c = common::config();
        let src = Pool::connect(&c.source.pg_config(Duration::from_secs(5)), 2).await.unwrap();
        let snk = Pool::connect(&c.sink.pg_config(Duration::from_secs(5)), 2).await.unwrap();
        let t = format!("{}.{table}", self.schema);
        diff::diff_pair(&src, &snk, &Pair { source_table: t.clone(), sink_table: t, ..Pair::default() }, opts).await.unwrap()
    }

    async fn drop(self) {
        self.both(&format!("DROP SCHEMA {} CASCADE", self.schema)).await;
    }
}

fn small() -> Options {
    // Small segments so even 2,000 rows bisect over several levels.
    Options { factor: 4, threshold: 50, ..Options::default() }
}

fn k(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn sorted(mut d: Vec<RowDiff>) -> Vec<RowDiff> {
    d.sort_by(|a, b| a.key().cmp(b.key()));
    d
}

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
    assert!(r.stats.depth == 0 && r.stats.rows_fetched == 0, "identical tables need one checksum: {:?}", r.stats);

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
        f.src.query_one(&format!("SELECT item_id::text FROM {}.items WHERE sku = $1", f.schema), &[&sku]).await.unwrap().get(0)
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
    assert_eq!(r.differences, vec![RowDiff::Changed { key: k(&["3"]), columns: k(&["at", "local", "note"]) }]);
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
    assert!(r.stats.segments_checked > 185 + 30 && r.stats.segments_checked < 205 + 34, "{:?}", r.stats);
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
    let out = common::console(&["diff", &format!("{t}={t}"), "--factor", "4", "--threshold", "10", "-o", "json"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["consistent"], false);
    assert_eq!(v["tables"][0]["differences"], serde_json::json!([{"kind": "changed", "key": ["42"], "columns": ["v"]}]), "{v:#}");
    let out = common::console(&["diff", &t], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 differences") && text.contains("changed") && text.contains("42"), "{text}");
    let out = common::console(&["diff", &format!("{}.nope", f.schema)], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    f.drop().await;
}

/// Only the two databases are needed (not the broker nor Connect).
fn require_databases() {
    let c = common::config();
    for (what, e) in [("source", &c.source), ("sink", &c.sink)] {
        let addr = format!("{}:{}", e.host, e.port);
        std::net::TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(2))
            .unwrap_or_else(|err| panic!("{what} PostgreSQL at {addr} is not reachable ({err}); start it with compose/local/stack up"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn live_differences_the_consumer_has_not_applied_past_are_in_flight_not_divergence() {
    let f = Fixture::new("live").await;
    f.both("CREATE TABLE $S.a (id int PRIMARY KEY, v text); INSERT INTO $S.a SELECT g, g::text FROM generate_series(1, 100) g").await;
    f.sink("DELETE FROM $S.a WHERE id = 5").await;
    // No such consumer in cdc.progress: it has applied nothing, so nothing can be judged yet.
    let opts = Options { consumer: Some(format!("nobody-{}", std::process::id())), settle: Duration::from_millis(300), ..small() };
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

#[tokio::test(flavor = "multi_thread")]
async fn typed_hash_sees_bigint_changes_that_fold_alike_and_null_versus_values() {
    // hashint8extended folds 64 bits to 32: 0 and 4294967297 hash alike unless the value also
    // goes into the seed.
    let f = Fixture::new("fold").await;
    f.both("CREATE TABLE $S.t (id bigint PRIMARY KEY, v bigint NOT NULL, w int, x text); INSERT INTO $S.t SELECT g, 0, g, 'a' FROM generate_series(1, 500) g").await;
    f.sink("UPDATE $S.t SET v = 4294967297 WHERE id = 7; UPDATE $S.t SET w = NULL WHERE id = 8; UPDATE $S.t SET x = NULL, w = 9 WHERE id = 9").await;
    let pg = f.diff("t", &Options { hash: diff::checksum::Hash::Pg, ..small() }).await;
    let expect = vec![
        RowDiff::Changed { key: k(&["7"]), columns: k(&["v"]) },
        RowDiff::Changed { key: k(&["8"]), columns: k(&["w"]) },
        RowDiff::Changed { key: k(&["9"]), columns: k(&["x"]) },
    ];
    assert_eq!(sorted(pg.differences), expect);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_hash_takes_timestamps_as_utc_instants_and_sees_small_changes_and_swaps() {
    // Source timestamptz, sink timestamp (UTC wall clock) written in another time zone: the same
    // instants. Then changes of 1 µs, an hour and a day, and two rows swapping their values.
    let f = Fixture::new("ts").await;
    f.src
        .batch_execute(&format!(
            "CREATE TABLE {s}.t (id bigint PRIMARY KEY, at timestamptz NOT NULL, v text NOT NULL);
             INSERT INTO {s}.t SELECT g, timestamptz '1999-12-31 23:00:00+00' + g * interval '7 min 3.000001 s', 'v' || g FROM generate_series(1, 400) g",
            s = f.schema
        ))
        .await
        .unwrap();
    f.snk
        .batch_execute(&format!(
            "SET TimeZone = 'Asia/Kolkata';
             CREATE TABLE {s}.t (id bigint PRIMARY KEY, at timestamp(6) NOT NULL, v text NOT NULL);
             INSERT INTO {s}.t SELECT g, timestamp '1999-12-31 23:00:00' + g * interval '7 min 3.000001 s', 'v' || g FROM generate_series(1, 400) g",
            s = f.schema
        ))
        .await
        .unwrap();
    let pg = Options { hash: diff::checksum::Hash::Pg, ..small() };
    assert_eq!(f.diff("t", &pg).await.differences, vec![]);
    f.sink(
        "UPDATE $S.t SET at = at + interval '1 microsecond' WHERE id = 10; UPDATE $S.t SET at = at - interval '1 hour' WHERE id = 20;
         UPDATE $S.t SET at = at + interval '1 day' WHERE id = 30;
         UPDATE $S.t SET v = CASE id WHEN 40 THEN 'v41' ELSE 'v40' END WHERE id IN (40, 41)",
    )
    .await;
    let expect = vec![
        RowDiff::Changed { key: k(&["10"]), columns: k(&["at"]) },
        RowDiff::Changed { key: k(&["20"]), columns: k(&["at"]) },
        RowDiff::Changed { key: k(&["30"]), columns: k(&["at"]) },
        RowDiff::Changed { key: k(&["40"]), columns: k(&["v"]) },
        RowDiff::Changed { key: k(&["41"]), columns: k(&["v"]) },
    ];
    assert_eq!(sorted(f.diff("t", &pg).await.differences), expect);
    assert_eq!(sorted(f.diff("t", &small()).await.differences), expect);
    // A text key takes the segment path, whose checksums are sums (the grid xors).
    f.both("CREATE TABLE $S.u (id text PRIMARY KEY, at numeric NOT NULL, v text NOT NULL); INSERT INTO $S.u SELECT lpad(id::text, 4, '0'), extract(epoch from at), v FROM $S.t").await;
    let keys = |d: Vec<RowDiff>| sorted(d).iter().map(|d| d.key().to_vec()).collect::<Vec<_>>();
    assert_eq!(keys(f.diff("u", &pg).await.differences), vec![k(&["0010"]), k(&["0020"]), k(&["0030"]), k(&["0040"]), k(&["0041"])]);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_heap_in_key_order_is_read_by_key_ranges_with_the_same_findings() {
    // The source in key order and analyzed: its first level is one plain aggregate per bucket over
    // the key's index (empty buckets too); the sink in random order: one grouped scan; then both
    // in key order. Keys from -3,000 (bucket 0 spans both signs) with a gap (empty buckets).
    let f = Fixture::new("ordered").await;
    let create = "CREATE TABLE $S.t (id int PRIMARY KEY, v text NOT NULL, n numeric(12,2));
                  INSERT INTO $S.t SELECT g, 'v' || g, g / 4.0 FROM generate_series(-3000, 12000) g WHERE g NOT BETWEEN 2000 AND 4999";
    f.src.batch_execute(&format!("{create} ORDER BY g; ANALYZE $S.t").replace("$S", &f.schema)).await.unwrap();
    f.sink(&format!("{create} ORDER BY md5(g::text); ANALYZE $S.t")).await;
    let c = common::config();
    let src = Pool::connect(&c.source.pg_config(Duration::from_secs(5)), 1).await.unwrap();
    let snk = Pool::connect(&c.sink.pg_config(Duration::from_secs(5)), 1).await.unwrap();
    let t = format!("{}.t", f.schema);
    let (s, u) = diff::sides(&src, &snk, &Pair { source_table: t.clone(), sink_table: t, ..Pair::default() }, diff::checksum::Hash::Pg).await.unwrap();
    let order = async || (diff::grid::in_key_order(&src, &s).await.unwrap(), diff::grid::in_key_order(&snk, &u).await.unwrap());
    assert_eq!(order().await, (true, false));
    assert_eq!(f.diff("t", &Options::default()).await.differences, vec![]);

    f.sink("DELETE FROM $S.t WHERE id IN (-2999, -1, 7000); UPDATE $S.t SET n = NULL WHERE id = 0; UPDATE $S.t SET v = 'x' WHERE id = 12000; INSERT INTO $S.t VALUES (3000, 'gap', 1), (-5000, 'below', 1)").await;
    let expect = sorted(vec![
        RowDiff::Missing { key: k(&["-2999"]) },
        RowDiff::Missing { key: k(&["-1"]) },
        RowDiff::Missing { key: k(&["7000"]) },
        RowDiff::Changed { key: k(&["0"]), columns: k(&["n"]) },
        RowDiff::Changed { key: k(&["12000"]), columns: k(&["v"]) },
        RowDiff::Extra { key: k(&["3000"]) },
        RowDiff::Extra { key: k(&["-5000"]) },
    ]);
    let r = f.diff("t", &Options::default()).await;
    assert_eq!(sorted(r.differences), expect, "{:?}", r.stats);
    assert_eq!(sorted(f.diff("t", &Options { hash: diff::checksum::Hash::Md5, ..small() }).await.differences), expect);

    f.sink("CLUSTER $S.t USING t_pkey; ANALYZE $S.t").await;
    assert_eq!(order().await, (true, true));
    let r = f.diff("t", &Options::default()).await;
    assert_eq!(sorted(r.differences), expect, "{:?}", r.stats);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn many_differences_are_fetched_over_several_connections_and_all_found() {
    // 300 changed rows, one every 200 keys: ~300 leaves of ~16 rows, more than one fetch query's
    // worth, so the fetch is split over both connections (on both paths: the source in key order
    // and analyzed, the sink not analyzed).
    let f = Fixture::new("many").await;
    let create = "CREATE TABLE $S.t (id bigint PRIMARY KEY, v text NOT NULL); INSERT INTO $S.t SELECT g, 'v' || g FROM generate_series(1, 60000) g";
    f.src.batch_execute(&format!("{create}; ANALYZE $S.t").replace("$S", &f.schema)).await.unwrap();
    f.sink(create).await;
    f.sink("UPDATE $S.t SET v = 'changed' WHERE id % 200 = 7").await;
    let r = f.diff("t", &Options::default()).await;
    let expect: Vec<RowDiff> = sorted((0..300).map(|i| RowDiff::Changed { key: vec![(i * 200 + 7).to_string()], columns: k(&["v"]) }).collect());
    assert_eq!(sorted(r.differences), expect);
    assert!(r.stats.rows_fetched > 2 * 4096 && r.stats.rows_fetched < 60000, "{:?}", r.stats);
    f.drop().await;
}

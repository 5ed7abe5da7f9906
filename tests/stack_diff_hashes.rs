//! `diff` row hashes and reads on the local stack's two databases: typed hashes against changes
//! that fold alike, timestamps as instants, the first level read in key order, and fetches split
//! over several connections.

mod common;

use std::time::Duration;

use cdc_console::pipeline::diff::{self, Options, Pair, Pool, RowDiff};
use common::diff::{Fixture, k, small, sorted};

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
    assert_eq!(
        keys(f.diff("u", &pg).await.differences),
        vec![k(&["0010"]), k(&["0020"]), k(&["0030"]), k(&["0040"]), k(&["0041"])]
    );
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_heap_in_key_order_is_read_by_runs_of_tuples_with_the_same_findings_strays_included() {
    // The source in key order and analyzed: its first level is one plain aggregate per bucket over
    // the bucket's run of heap tuples; the sink in random order: one grouped scan; then both in
    // key order. Keys from -3,000 (bucket 0 spans both signs) with a gap (empty buckets).
    let f = Fixture::new("ordered").await;
    let create = "CREATE TABLE $S.t (id int PRIMARY KEY, v text NOT NULL, n numeric(12,2));
                  INSERT INTO $S.t SELECT g, 'v' || g, g / 4.0 FROM generate_series(-3000, 12000) g WHERE g NOT BETWEEN 2000 AND 4999";
    f.src
        .batch_execute(&format!("{create} ORDER BY g; ANALYZE $S.t").replace("$S", &f.schema))
        .await
        .unwrap();
    f.sink(&format!("{create} ORDER BY md5(g::text); ANALYZE $S.t")).await;
    let c = common::config();
    let src = Pool::connect(&c.source, Duration::from_secs(5), 1).await.unwrap();
    let snk = Pool::connect(&c.sink, Duration::from_secs(5), 1).await.unwrap();
    let t = format!("{}.t", f.schema);
    let (s, u) = diff::sides(
        &src,
        &snk,
        &Pair { source_table: t.clone(), sink_table: t, ..Pair::default() },
        diff::checksum::Hash::Pg,
    )
    .await
    .unwrap();
    let order = async || {
        (
            diff::grid::in_key_order(&src, &s).await.unwrap(),
            diff::grid::in_key_order(&snk, &u).await.unwrap(),
        )
    };
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
    assert_eq!(
        sorted(
            f.diff("t", &Options { hash: diff::checksum::Hash::Md5, ..small() }).await.differences
        ),
        expect
    );

    f.sink("CLUSTER $S.t USING t_pkey; ANALYZE $S.t").await;
    assert_eq!(order().await, (true, true));
    let r = f.diff("t", &Options::default()).await;
    assert_eq!(sorted(r.differences), expect, "{:?}", r.stats);

    // Rows deleted and inserted again go to the heap's end, out of key order: strays, read in
    // the last bucket's run. Row 5500 differs while both copies are strays in that run: only
    // fetching the run's strays by key finds it (its bucket has no other difference). Rows 100
    // and 11000 moved unchanged, on both sides or one: no difference.
    let moved = |ids: &str, v: &str| {
        format!(
            "WITH d AS (DELETE FROM $S.t WHERE id IN ({ids}) RETURNING *) INSERT INTO $S.t SELECT id, {v}, n FROM d;"
        )
    };
    let src_sql = format!("{} {} ANALYZE $S.t", moved("5500", "'source'"), moved("100", "v"));
    f.src.batch_execute(&src_sql.replace("$S", &f.schema)).await.unwrap();
    f.sink(&format!("{} {} ANALYZE $S.t", moved("5500", "'sink'"), moved("100, 11000", "v"))).await;
    let tail = "SELECT count(*) FROM $S.t WHERE ctid > (SELECT ctid FROM $S.t WHERE id = 12000)";
    let (a, b) = (
        f.src.query_one(&tail.replace("$S", &f.schema), &[]).await.unwrap(),
        f.snk.query_one(&tail.replace("$S", &f.schema), &[]).await.unwrap(),
    );
    assert_eq!(
        (a.get::<_, i64>(0), b.get::<_, i64>(0)),
        (2, 3),
        "the moved rows are after the last key's"
    );
    assert_eq!(order().await, (true, true));
    let mut expect = expect;
    expect.push(RowDiff::Changed { key: k(&["5500"]), columns: k(&["v"]) });
    let r = f.diff("t", &Options::default()).await;
    assert_eq!(sorted(r.differences), sorted(expect), "{:?}", r.stats);
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_whose_first_key_an_update_moved_costs_that_bucket_not_the_rest_of_the_table() {
    // Both heaps in key order; on the sink, every 1024th key is updated to the same value, which
    // moves its tuple to the heap's end: among them the first key of buckets of any width that
    // is a multiple of 1024; then three adjacent keys from 5120 at once (moved together, they
    // look in place at the end). A run placed at its bucket's first key would stretch from there
    // to the heap's end (nearly every row re-read and fetched); placed where the bucket's first
    // keys lie in place, only the buckets of moved rows differ at first, and once the moved rows
    // (strays) count in their own buckets, only the one whose row really changed: its part
    // holding that row is fetched (32 keys a side), no part holding a moved row.
    let f = Fixture::new("moved").await;
    let n = 20_480;
    f.both(&format!("CREATE TABLE $S.t (id bigint PRIMARY KEY, v text NOT NULL); INSERT INTO $S.t SELECT g, 'v' || g FROM generate_series(1, {n}) g; ANALYZE $S.t")).await;
    f.sink("UPDATE $S.t SET v = v WHERE id % 1024 = 0; UPDATE $S.t SET v = v WHERE id BETWEEN 5120 AND 5122; UPDATE $S.t SET v = 'changed' WHERE id = 10240; ANALYZE $S.t").await;
    let tail = f
        .snk
        .query_one(
            &"SELECT count(*) FROM $S.t WHERE ctid > (SELECT ctid FROM $S.t WHERE id = 20479)"
                .replace("$S", &f.schema),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(tail.get::<_, i64>(0), 22, "the updated rows moved to the heap's end");
    let c = common::config();
    let snk = Pool::connect(&c.sink, Duration::from_secs(5), 1).await.unwrap();
    let t = format!("{}.t", f.schema);
    let (_, u) = diff::sides(
        &snk,
        &snk,
        &Pair { source_table: t.clone(), sink_table: t, ..Pair::default() },
        diff::checksum::Hash::Pg,
    )
    .await
    .unwrap();
    assert!(diff::grid::in_key_order(&snk, &u).await.unwrap(), "the sink is still read by runs");
    let r = f.diff("t", &Options::default()).await;
    assert_eq!(r.differences, vec![RowDiff::Changed { key: k(&["10240"]), columns: k(&["v"]) }]);
    assert!(r.stats.rows_fetched <= 2 * 64, "{:?}", r.stats);
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
    let expect: Vec<RowDiff> = sorted(
        (0..300)
            .map(|i| RowDiff::Changed { key: vec![(i * 200 + 7).to_string()], columns: k(&["v"]) })
            .collect(),
    );
    assert_eq!(sorted(r.differences), expect);
    assert!(r.stats.rows_fetched > 2 * 4096 && r.stats.rows_fetched < 60000, "{:?}", r.stats);
    f.drop().await;
}

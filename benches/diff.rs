//! Diff of two identical N-row tables, then with 100 differences, against `SELECT count(*)` on
//! both tables (run concurrently, as the diff runs its sides). Each phase starts from clean
//! buffers (`CHECKPOINT`): else the first scans write out the pages VACUUM dirtied, and the
//! count(*) that pays for it looks slower than it is. Also printed: the floor of any diff that
//! hashes rows in the database, one plain `bit_xor` of the diff's row hash over each table. Needs the local stack's databases,
//! or the two given by `DIFF_BENCH_SOURCE` / `DIFF_BENCH_SINK` (URLs or key=value strings).
//!
//!   cargo bench --bench diff                      # 1,000,000 rows
//!   DIFF_BENCH_ROWS=10000000 cargo bench --bench diff
//!   DIFF_BENCH_HASH=md5 cargo bench --bench diff  # md5 instead of the default typed hashes
//!   DIFF_BENCH_SOURCE=postgres://postgres@127.0.0.1:56501/postgres \
//!   DIFF_BENCH_SINK=postgres://postgres@127.0.0.1:56502/postgres cargo bench --bench diff

use std::time::{Duration, Instant};

use cdc_console::config::Config;
use cdc_console::pipeline::diff::{self, Options, Pair, Pool};

/// The endpoint from `var` (a connection string) or else the local stack's.
fn endpoint(
    var: &str,
    stack: &cdc_console::config::PostgresEndpoint,
) -> cdc_console::config::PostgresEndpoint {
    let Ok(url) = std::env::var(var) else { return stack.clone() };
    let given: tokio_postgres::Config = url.parse().unwrap_or_else(|e| panic!("{var}: {e}"));
    let mut ep = stack.clone();
    if let Some(tokio_postgres::config::Host::Tcp(host)) = given.get_hosts().first() {
        ep.host.clone_from(host);
    }
    if let Some(port) = given.get_ports().first() {
        ep.port = *port;
    }
    if let Some(db) = given.get_dbname() {
        ep.dbname = db.into();
    }
    if let Some(user) = given.get_user() {
        ep.user = user.into();
    }
    ep.password = given
        .get_password()
        .map(|p| cdc_console::config::secret::Secret::new(String::from_utf8_lossy(p)));
    ep
}

async fn client(ep: &cdc_console::config::PostgresEndpoint) -> tokio_postgres::Client {
    let (c, conn) = cdc_console::pg::connect(ep, Duration::from_secs(5))
        .await
        .expect("connect (is the local stack up?)");
    tokio::spawn(conn);
    c
}

fn best<T>(runs: &mut Vec<(Duration, T)>) -> (Duration, T) {
    runs.sort_by_key(|r| r.0);
    runs.remove(0)
}

#[tokio::main]
#[expect(clippy::too_many_lines, reason = "the bench's steps in the order they run")]
async fn main() {
    let n: u64 =
        std::env::var("DIFF_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let connections: usize =
        std::env::var("DIFF_BENCH_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let reps: usize =
        std::env::var("DIFF_BENCH_REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let c = Config::default();
    let (source, sink) =
        (endpoint("DIFF_BENCH_SOURCE", &c.source), endpoint("DIFF_BENCH_SINK", &c.sink));
    let (src, snk) = (client(&source).await, client(&sink).await);
    let schema = format!("diffbench_{}", std::process::id());
    let table = format!("{schema}.orders");
    let load = Instant::now();
    let ddl = format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
         CREATE TABLE {table} (order_id bigint PRIMARY KEY, user_id bigint NOT NULL, customer_name text NOT NULL, amount numeric(12,2) NOT NULL,
                               status text NOT NULL, created_at timestamptz NOT NULL);
         INSERT INTO {table} SELECT g, g % 5000, 'customer ' || g, (g % 100000) / 100.0, (ARRAY['pending','paid','shipped'])[1 + g % 3],
                                    timestamptz '2024-01-01' + g * interval '1 ms' FROM generate_series(1, {n}) g;"
    );
    tokio::try_join!(src.batch_execute(&ddl), snk.batch_execute(&ddl)).expect("load");
    let vacuum = format!("VACUUM ANALYZE {table}");
    tokio::try_join!(src.batch_execute(&vacuum), snk.batch_execute(&vacuum)).expect("vacuum");
    tokio::try_join!(src.batch_execute("CHECKPOINT"), snk.batch_execute("CHECKPOINT"))
        .expect("checkpoint");
    println!(
        "diff bench: {n} rows per side, loaded in {:.1} s, {connections} connections per side",
        load.elapsed().as_secs_f64()
    );

    let count = async || {
        let mut runs = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let sql = format!("SELECT count(*) FROM {table}");
            let (a, b) =
                tokio::try_join!(src.query_one(&sql, &[]), snk.query_one(&sql, &[])).unwrap();
            runs.push((t.elapsed(), (a.get::<_, i64>(0), b.get::<_, i64>(0))));
        }
        best(&mut runs)
    };
    let hash = if std::env::var("DIFF_BENCH_HASH").as_deref() == Ok("md5") {
        diff::checksum::Hash::Md5
    } else {
        diff::checksum::Hash::Pg
    };
    println!("hash: {hash:?}");
    let opts = Options { connections, hash, ..Options::default() };
    let src_pool = Pool::connect(&source, Duration::from_secs(5), connections).await.unwrap();
    let snk_pool = Pool::connect(&sink, Duration::from_secs(5), connections).await.unwrap();
    let pair = Pair { source_table: table.clone(), sink_table: table.clone(), ..Pair::default() };
    let run_diff = async || {
        let mut runs = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let r = diff::diff_pair(&src_pool, &snk_pool, &pair, &opts).await.unwrap();
            runs.push((t.elapsed(), r));
        }
        best(&mut runs)
    };

    let (s, t) = diff::sides(&src_pool, &snk_pool, &pair, hash).await.unwrap();
    let (hs, ht) = diff::checksum::RowHash::pair(&s, &t, &vec![true; s.columns.len()]);
    let floor = async || {
        let mut runs = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let sql = |h: &diff::checksum::RowHash| {
                format!(
                    "SET max_parallel_workers_per_gather = 0; SET jit = off; SELECT bit_xor({}) FROM {table}",
                    h.0
                )
            };
            let (a, b) = (sql(&hs), sql(&ht));
            tokio::try_join!(src.batch_execute(&a), snk.batch_execute(&b)).unwrap();
            runs.push((t.elapsed(), ()));
        }
        tokio::try_join!(src.batch_execute("RESET ALL"), snk.batch_execute("RESET ALL")).unwrap();
        best(&mut runs).0
    };

    let (ct, counts) = count().await;
    let ft = floor().await;
    let (dt, r) = run_diff().await;
    assert!(r.differences.is_empty());
    println!(
        "floor:           row hash, one scan a side {:>8.1} ms  ratio {:.2}x",
        ft.as_secs_f64() * 1e3,
        ft.as_secs_f64() / ct.as_secs_f64()
    );
    println!(
        "identical:       count(*) both {:>8.1} ms ({} / {})  diff {:>8.1} ms  ratio {:.2}x  segments {} rows fetched {}",
        ct.as_secs_f64() * 1e3,
        counts.0,
        counts.1,
        dt.as_secs_f64() * 1e3,
        dt.as_secs_f64() / ct.as_secs_f64(),
        r.stats.segments_checked,
        r.stats.rows_fetched
    );

    // 100 differences spread over the key range: 34 deleted, 33 changed, 33 stray rows.
    let step = n / 100;
    snk.batch_execute(&format!(
        "DELETE FROM {table} WHERE order_id IN (SELECT 1 + i * {step} FROM generate_series(0, 33) i);
         UPDATE {table} SET status = 'lost' WHERE order_id IN (SELECT 2 + i * {step} FROM generate_series(34, 66) i);
         INSERT INTO {table} SELECT {n} + i * 1000, 0, 'stray', 0, 'x', now() FROM generate_series(1, 33) i;"
    ))
    .await
    .unwrap();
    snk.batch_execute(&vacuum).await.unwrap();
    snk.batch_execute("CHECKPOINT").await.unwrap();
    let (ct, _) = count().await;
    let (dt, r) = run_diff().await;
    let kinds = |m: &str| r.differences.iter().filter(|d| format!("{d:?}").starts_with(m)).count();
    assert_eq!(
        r.differences.len(),
        100,
        "{:?} missing {} extra {} changed {}",
        r.stats,
        kinds("Missing"),
        kinds("Extra"),
        kinds("Changed")
    );
    println!(
        "100 differences: count(*) both {:>8.1} ms  diff {:>8.1} ms  ratio {:.2}x  segments {} rows fetched {} depth {}",
        ct.as_secs_f64() * 1e3,
        dt.as_secs_f64() * 1e3,
        dt.as_secs_f64() / ct.as_secs_f64(),
        r.stats.segments_checked,
        r.stats.rows_fetched,
        r.stats.depth
    );
    let drop = format!("DROP SCHEMA {schema} CASCADE");
    tokio::try_join!(src.batch_execute(&drop), snk.batch_execute(&drop)).unwrap();
}

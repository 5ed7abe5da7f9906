//! Source ↔ sink row diff by checksum bisection (data-diff's method, DESIGN.md §3), with LSN
//! bracketing so rows still replicating are told apart from divergence.
//!
//! - `key`: key kinds (integer, UUID, ordered: text and composite) and segment bounds
//! - `checksum`: the SQL each side runs, with the normalization that makes equal rows hash equal
//! - `rowhash`: the per-row hash (md5 of the text, or typed PostgreSQL hashes)
//! - `bisect`: the level-by-level bisection
//! - `report`: missing, extra and changed rows, and the work done
//! - `inflight`: LSN bracketing
//! - `targets`: configured replicas or named table pairs

pub mod bisect;
pub mod checksum;
pub mod grid;
pub mod inflight;
pub mod key;
pub mod report;
pub mod rowhash;
pub mod runs;
mod settle;
pub mod targets;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use checksum::Side;
pub use report::{RowDiff, Stats, TableReport};
pub use settle::applied_lsn;

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A query on `what` (a table, or a step such as `connect`) failed; the driver's error is
    /// kept as the source and worded with PostgreSQL's severity, message and detail.
    #[error("{what}: {}", crate::pg::message(source))]
    Db {
        what: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("{0}")]
    Spec(String),
    #[error("high watermarks: {0}")]
    Watermarks(#[from] rdkafka::error::KafkaError),
    #[error("high watermarks: {0}")]
    WatermarksTask(#[from] tokio::task::JoinError),
}

impl DiffError {
    pub fn db(what: &str, source: tokio_postgres::Error) -> Self {
        DiffError::Db { what: what.to_string(), source }
    }

    /// Whether running the diff again may succeed: the database or the broker was away or busy.
    /// A bad table spec, a key the two sides disagree on, a missing table are not.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Db { source, .. } => crate::pg::retryable(source),
            Self::Watermarks(e) => crate::kafka::retryable(e),
            Self::Spec(_) | Self::WatermarksTask(_) => false,
        }
    }
}

/// A few connections to one database, used round robin (queries on one connection queue).
pub struct Pool {
    clients: Vec<tokio_postgres::Client>,
    next: AtomicUsize,
}

impl Pool {
    pub async fn connect(
        endpoint: &crate::config::PostgresEndpoint,
        timeout: Duration,
        n: usize,
    ) -> Result<Pool, DiffError> {
        let mut clients = Vec::new();
        for _ in 0..n.max(1) {
            let (c, conn) = crate::pg::connect(endpoint, timeout)
                .await
                .map_err(|e| DiffError::db(&format!("connecting to {endpoint}"), e))?;
            tokio::spawn(conn);
            clients.push(c);
        }
        Ok(Pool { clients, next: AtomicUsize::new(0) })
    }

    pub fn get(&self) -> &tokio_postgres::Client {
        &self.clients[self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len()]
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Segments per split.
    pub factor: u32,
    /// Segments with at most this many rows (on the larger side) are compared row by row.
    pub threshold: u64,
    /// Concurrent queries (and connections) per side.
    pub connections: usize,
    /// Live pipeline: the consumer whose applied LSN (`cdc.progress` in the sink) brackets reads.
    pub consumer: Option<String>,
    /// How long to wait for the consumer to apply past a differing segment's read LSN.
    pub settle: Duration,
    pub hash: checksum::Hash,
    /// The broker, to tell an idle consumer (applied everything on its partitions) from one
    /// behind: without it, only an applied LSN past the read settles a segment.
    pub kafka: Option<rdkafka::ClientConfig>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            factor: 32,
            threshold: 16_384,
            connections: 4,
            consumer: None,
            settle: Duration::from_secs(10),
            hash: checksum::Hash::Pg,
            kafka: None,
        }
    }
}

/// What to compare: a source table and a sink table, with optional column mapping and filters.
#[derive(Debug, Clone, Default)]
pub struct Pair {
    pub source_table: String,
    pub sink_table: String,
    /// Source columns compared (default: all of them); the sink's are matched by position.
    pub source_columns: Vec<String>,
    /// Sink columns (default: the source column names).
    pub sink_columns: Vec<String>,
    /// Key columns on the source (default: its primary key) and on the sink (default: the same).
    pub source_key: Vec<String>,
    pub sink_key: Vec<String>,
    pub source_filter: Option<String>,
    pub sink_filter: Option<String>,
}

/// `format_type` of each of `cols`, in one query (a round trip per column added up).
async fn types(pool: &Pool, table: &str, cols: &[String]) -> Result<Vec<String>, DiffError> {
    let rows = pool
        .get()
        .query(
            "SELECT c.name, format_type(a.atttypid, a.atttypmod) FROM unnest($2::text[]) WITH ORDINALITY c(name, n) \
             LEFT JOIN pg_attribute a ON a.attrelid = $1::text::regclass AND a.attname = c.name AND NOT a.attisdropped AND a.attnum > 0 ORDER BY c.n",
            &[&crate::pg::qualified(table), &cols],
        )
        .await
        .map_err(|e| DiffError::db(table, e))?;
    rows.iter()
        .map(|r| {
            r.get::<_, Option<String>>(1).ok_or_else(|| {
                DiffError::Spec(format!("{table}: no column {}", r.get::<_, String>(0)))
            })
        })
        .collect()
}

async fn columns(pool: &Pool, table: &str) -> Result<(Vec<String>, Vec<String>), DiffError> {
    let t = crate::pg::qualified(table);
    let p: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&t];
    // Both at once, on two of the pool's connections.
    let (cols, key) = tokio::try_join!(
        pool.get().query("SELECT attname::text FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", &p),
        pool.get().query(
            "SELECT a.attname::text FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attnum = k.attnum \
             WHERE i.indrelid = $1::text::regclass AND i.indisprimary AND a.attrelid = i.indrelid ORDER BY k.n",
            &p,
        ),
    )
    .map_err(|e| DiffError::db(table, e))?;
    Ok((cols.iter().map(|r| r.get(0)).collect(), key.iter().map(|r| r.get(0)).collect()))
}

/// Resolves defaults and column types of both sides.
pub async fn sides(
    src: &Pool,
    snk: &Pool,
    p: &Pair,
    hash: checksum::Hash,
) -> Result<(Side, Side), DiffError> {
    let (all, pk) = columns(src, &p.source_table).await?;
    if all.is_empty() {
        return Err(DiffError::Spec(format!(
            "source table {} has no columns (does it exist?)",
            p.source_table
        )));
    }
    let s_cols = if p.source_columns.is_empty() { all } else { p.source_columns.clone() };
    let s_key = if p.source_key.is_empty() { pk } else { p.source_key.clone() };
    if s_key.is_empty() {
        return Err(DiffError::Spec(format!(
            "{}: no primary key; give the key columns",
            p.source_table
        )));
    }
    let t_cols = if p.sink_columns.is_empty() { s_cols.clone() } else { p.sink_columns.clone() };
    let t_key = if p.sink_key.is_empty() { s_key.clone() } else { p.sink_key.clone() };
    if t_cols.len() != s_cols.len() || t_key.len() != s_key.len() {
        return Err(DiffError::Spec("source and sink column lists differ in length".into()));
    }
    let (s_all, t_all) =
        ([s_key.clone(), s_cols.clone()].concat(), [t_key.clone(), t_cols.clone()].concat());
    let (s_types, t_types) =
        tokio::try_join!(types(src, &p.source_table, &s_all), types(snk, &p.sink_table, &t_all))?;
    let s = Side {
        key_types: s_types[..s_key.len()].to_vec(),
        column_types: s_types[s_key.len()..].to_vec(),
        table: p.source_table.clone(),
        key: s_key,
        columns: s_cols,
        filter: p.source_filter.clone(),
        hash,
    };
    let t = Side {
        key_types: t_types[..t_key.len()].to_vec(),
        column_types: t_types[t_key.len()..].to_vec(),
        table: p.sink_table.clone(),
        key: t_key,
        columns: t_cols,
        filter: p.sink_filter.clone(),
        hash,
    };
    Ok((s, t))
}

/// Diffs one pair. Without a consumer every difference is divergence; with one, differing
/// segments are re-checked once the consumer has applied past their read LSN (or reported in
/// flight when it does not within `settle`).
pub async fn diff_pair(
    src: &Pool,
    snk: &Pool,
    pair: &Pair,
    opts: &Options,
) -> Result<TableReport, DiffError> {
    let started = Instant::now();
    let (s, t) = sides(src, snk, pair, opts.hash).await?;
    let live = opts.consumer.is_some();
    let (leaves, mut stats) = bisect::run(src, snk, &s, &t, opts, live).await?;
    let mut differences = Vec::new();
    let mut in_flight = Vec::new();
    let Some(consumer) = &opts.consumer else {
        differences.extend(leaves.into_iter().flat_map(|l| l.diffs));
        stats.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(TableReport {
            source_table: s.table,
            sink_table: t.table,
            key_columns: s.key,
            differences,
            in_flight,
            stats,
        });
    };
    let (d, f, n) = settle::judge(src, snk, &s, &t, consumer, opts, leaves).await?;
    differences.extend(d);
    in_flight.extend(f);
    stats.rows_fetched += n;
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(TableReport {
        source_table: s.table,
        sink_table: t.table,
        key_columns: s.key,
        differences,
        in_flight,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use rdkafka::error::{KafkaError, RDKafkaErrorCode};

    use super::DiffError;

    #[test]
    fn a_broker_away_is_worth_a_retry_a_bad_spec_is_not() {
        let away = KafkaError::MetadataFetch(RDKafkaErrorCode::AllBrokersDown);
        assert!(DiffError::Watermarks(away).retryable());
        let denied = KafkaError::MetadataFetch(RDKafkaErrorCode::TopicAuthorizationFailed);
        assert!(!DiffError::Watermarks(denied).retryable());
        assert!(!DiffError::Spec("orders: no primary key".into()).retryable());
    }
}

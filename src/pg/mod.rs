//! PostgreSQL helpers shared by the replicator, the processor, the diff and the collectors: the
//! one way to connect (with the endpoint's TLS settings), identifiers quoted as PostgreSQL wants
//! them, a table's shape from the catalog, and a database error in PostgreSQL's own words.

mod explain;
pub mod tls;

use tokio_postgres::Client;

pub use explain::hint;

/// Connects to `ep` as its sslmode, root CA and client certificate say; the caller runs (or
/// spawns) the returned connection. Every PostgreSQL connection the console makes is made here.
pub async fn connect(
    ep: &crate::config::PostgresEndpoint,
    connect_timeout: std::time::Duration,
) -> Result<(Client, tls::Connection), tokio_postgres::Error> {
    ep.pg_config(connect_timeout).connect(tls::Tls::of(ep)).await
}

/// An identifier quoted for SQL: `a"b` becomes `"a""b"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `schema.table` (or `table`) quoted part by part.
pub fn qualified(name: &str) -> String {
    name.split('.').map(ident).collect::<Vec<_>>().join(".")
}

/// A database error with PostgreSQL's own severity, message and detail; other errors (I/O, a
/// closed connection, TLS) as the driver words them; then, for a refused connection or a failed
/// TLS handshake, the cause in plain words and the setting that fixes it.
pub fn message(e: &tokio_postgres::Error) -> String {
    let words = driver_words(e);
    match hint(e) {
        Some(h) => format!("{words} — {h}"),
        None => words,
    }
}

fn driver_words(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{}: {} ({detail})", d.severity(), d.message()),
            None => format!("{}: {}", d.severity(), d.message()),
        },
        // "error connecting to server" says what failed; its source says why (refused, reset…).
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// A column as PostgreSQL names its type (`numeric(12,2)`, `timestamp with time zone`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: String,
}

/// A table's columns in order and its primary key columns in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape {
    pub columns: Vec<Column>,
    pub key: Vec<String>,
}

/// Columns and primary key of `table`, `None` when it does not exist.
pub async fn read_shape(
    c: &Client,
    table: &str,
) -> Result<Option<TableShape>, tokio_postgres::Error> {
    let exists: bool =
        c.query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&qualified(table)]).await?.get(0);
    if !exists {
        return Ok(None);
    }
    let rel = qualified(table);
    let columns = c
        .query(
            "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[&rel],
        )
        .await?
        .iter()
        .map(|r| Column { name: r.get(0), ty: r.get(1) })
        .collect();
    let key = c
        .query(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::text::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
            &[&rel],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(Some(TableShape { columns, key }))
}

/// A PostgreSQL error that may not happen again: the connection failed, closed or timed out, or
/// the server refused for the moment (SQLSTATE classes 08 and 53, serialization failures,
/// deadlocks, lock and statement timeouts, shutdowns).
pub fn retryable(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        return code.starts_with("08")
            || code.starts_with("53")
            || matches!(code, "40001" | "40P01" | "55P03" | "57014")
            || code.starts_with("57P");
    }
    // No answer from the server: connecting or talking to it failed (refused, reset, timed out).
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{
                AddrNotAvailable, BrokenPipe, ConnectionAborted, ConnectionRefused,
                ConnectionReset, HostUnreachable, Interrupted, NetworkDown, NetworkUnreachable,
                NotConnected, TimedOut, UnexpectedEof,
            };
            return matches!(
                io.kind(),
                ConnectionRefused
                    | ConnectionReset
                    | ConnectionAborted
                    | NotConnected
                    | BrokenPipe
                    | TimedOut
                    | UnexpectedEof
                    | Interrupted
                    | HostUnreachable
                    | NetworkUnreachable
                    | NetworkDown
                    | AddrNotAvailable
            );
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_part_by_part() {
        assert_eq!(ident(r#"we"ird"#), r#""we""ird""#);
        assert_eq!(qualified("cdc.Orders"), r#""cdc"."Orders""#);
        assert_eq!(qualified("orders"), r#""orders""#);
    }
}

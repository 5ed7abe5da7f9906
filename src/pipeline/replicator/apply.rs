//! The fast path of a batch: every event's row image is COPYed into a temporary staging table,
//! then one statement per replica (and per run of events between truncates) merges it: the last
//! event per key (highest source LSN) wins, an upsert applies only when its source LSN is newer than the row's
//! `_source_lsn`, a delete likewise, and a row the replica's filter rejects is removed.

use bytes::Bytes;
use futures::SinkExt;
use tokio_postgres::Transaction;

use super::schema::{Plan, ident, qualified};
use crate::config::ReplicaConfig;

pub const STAGE_DDL: &str = "CREATE TEMP TABLE IF NOT EXISTS _cdc_stage (
    _cdc_rep int, _cdc_seg int, _cdc_seq bigint, _cdc_op text, _cdc_lsn bigint, _cdc_doc jsonb
) ON COMMIT DELETE ROWS";

/// Upsert or delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Upsert,
    Delete,
}

/// One event's image for one replica.
#[derive(Debug, Clone)]
pub struct Staged {
    pub replica: usize,
    /// Runs of events separated by truncates: all of run n applies before truncate n.
    pub segment: i32,
    pub seq: i64,
    pub kind: Kind,
    pub lsn: u64,
    /// The row image as JSON (after for upserts, before for deletes).
    pub doc: String,
}

/// Appends `e` to a COPY text-format buffer.
pub fn copy_line(buf: &mut Vec<u8>, e: &Staged) {
    use std::io::Write;
    let op = match e.kind {
        Kind::Upsert => "u",
        Kind::Delete => "d",
    };
    let _ = write!(buf, "{}\t{}\t{}\t{}\t{}\t", e.replica, e.segment, e.seq, op, e.lsn as i64);
    // COPY's text format: backslashes doubled; tab, newline and carriage return (JSON
    // whitespace outside strings, as the event had it) escaped.
    for b in e.doc.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
    buf.push(b'\n');
}

pub async fn copy(tx: &Transaction<'_>, buf: Vec<u8>) -> Result<(), tokio_postgres::Error> {
    let sink = tx.copy_in("COPY pg_temp._cdc_stage FROM STDIN").await?;
    futures::pin_mut!(sink);
    sink.send(Bytes::from(buf)).await?;
    sink.finish().await?;
    Ok(())
}

/// The merge of one replica's staged run: `$1` the replica index, `$2` the run.
/// Returns (rows deleted, rows upserted).
pub fn merge_sql(r: &ReplicaConfig, plan: &Plan) -> String {
    let table = qualified(&r.sink);
    let record: Vec<String> = plan.columns.iter().map(|m| format!("{} {}", ident(&m.source), m.ty)).collect();
    let src_keys: Vec<String> = plan.key.iter().map(|&i| ident(&plan.columns[i].source)).collect();
    let keep = r.filter.as_deref().map(|f| format!("coalesce(({f}), false)")).unwrap_or_else(|| "true".into());
    let key_match: Vec<String> = plan
        .key
        .iter()
        .map(|&i| format!("t.{} = s.{}", ident(&plan.columns[i].sink), ident(&plan.columns[i].source)))
        .collect();
    let sink_cols: Vec<String> = plan.columns.iter().map(|m| ident(&m.sink)).collect();
    let src_cols: Vec<String> = plan.columns.iter().map(|m| format!("s.{}", ident(&m.source))).collect();
    let sink_keys: Vec<String> = plan.key.iter().map(|&i| ident(&plan.columns[i].sink)).collect();
    let mut set: Vec<String> = plan
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !plan.key.contains(i))
        .map(|(_, m)| format!("{0} = EXCLUDED.{0}", ident(&m.sink)))
        .collect();
    set.push("_source_lsn = EXCLUDED._source_lsn".into());
    format!(
        "WITH s AS (
            SELECT DISTINCT ON ({keys}) st._cdc_op = 'u' AND {keep} AS _cdc_keep, st._cdc_lsn, r.*
            FROM pg_temp._cdc_stage st, jsonb_to_record(st._cdc_doc) AS r({record})
            WHERE st._cdc_rep = $1 AND st._cdc_seg = $2
            ORDER BY {keys}, st._cdc_lsn DESC, st._cdc_seq DESC
        ), del AS (
            DELETE FROM {table} t USING s WHERE NOT s._cdc_keep AND {key_match} AND t._source_lsn < s._cdc_lsn RETURNING 1
        ), ups AS (
            INSERT INTO {table} AS t ({sink_cols}, _source_lsn)
            SELECT {src_cols}, s._cdc_lsn FROM s WHERE s._cdc_keep
            ON CONFLICT ({sink_keys}) DO UPDATE SET {set} WHERE t._source_lsn < EXCLUDED._source_lsn
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM del), (SELECT count(*) FROM ups)",
        keys = src_keys.join(", "),
        record = record.join(", "),
        key_match = key_match.join(" AND "),
        sink_cols = sink_cols.join(", "),
        src_cols = src_cols.join(", "),
        sink_keys = sink_keys.join(", "),
        set = set.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_escape_backslashes() {
        let mut buf = Vec::new();
        let e = Staged { replica: 1, segment: 0, seq: 7, kind: Kind::Delete, lsn: 42, doc: r#"{"a":"x\"y\\z"}"#.into() };
        copy_line(&mut buf, &e);
        assert_eq!(String::from_utf8(buf).unwrap(), "1\t0\t7\td\t42\t{\"a\":\"x\\\\\"y\\\\\\\\z\"}\n");
        let mut buf = Vec::new();
        copy_line(&mut buf, &Staged { doc: "{\"a\":\n\t1}\r".into(), ..e });
        assert_eq!(String::from_utf8(buf).unwrap(), "1\t0\t7\td\t42\t{\"a\":\\n\\t1}\\r\n");
    }
}

//! The fast path of a batch: every event's row image is COPYed into the replica's staging table
//! (a temporary table with the replica's source columns, typed), then one statement per replica
//! (and per run of events between truncates) merges it: the last event per key (highest source
//! LSN) wins, an upsert applies only when its source LSN is newer than the row's `_source_lsn`,
//! a delete likewise, and a row the replica's filter rejects is removed.

use bytes::Bytes;
use futures::SinkExt;
use tokio_postgres::Transaction;

use super::copy_text::{self, FieldError};
use super::schema::{Plan, ident, qualified};
use crate::config::ReplicaConfig;
use crate::pipeline::envelope::RawRow;

/// Upsert or delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Upsert,
    Delete,
}

/// The staging table of replica `i` on this connection.
pub fn stage_table(i: usize) -> String {
    format!("pg_temp._cdc_stage_{i}")
}

/// (Re)creates replica `i`'s staging table for `plan`: run on the batch connection whenever the
/// plan changes (a new source column changes the staged columns).
pub fn stage_ddl(i: usize, plan: &Plan) -> String {
    let columns: Vec<String> = plan.columns.iter().map(|m| format!(", {} {}", ident(&m.source), m.ty)).collect();
    format!(
        "DROP TABLE IF EXISTS {t}; CREATE TEMP TABLE _cdc_stage_{i} (_cdc_seg int, _cdc_seq bigint, _cdc_op \"char\", _cdc_lsn bigint{cols}) ON COMMIT DELETE ROWS",
        t = stage_table(i),
        cols = columns.concat()
    )
}

/// One event's place in the batch.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// Runs of events separated by truncates: all of run n applies before truncate n.
    pub segment: i32,
    pub seq: i64,
    pub kind: Kind,
    pub lsn: u64,
}

/// Appends one staging line for `row` (the after image of an upsert, the before image of a
/// delete) to a COPY text-format buffer. On error the buffer is left as it was.
pub fn copy_line(buf: &mut Vec<u8>, e: Event, plan: &Plan, row: &RawRow<'_>) -> Result<(), FieldError> {
    use std::io::Write;
    let mark = buf.len();
    let op = match e.kind {
        Kind::Upsert => "u",
        Kind::Delete => "d",
    };
    let _ = write!(buf, "{}\t{}\t{}\t{}", e.segment, e.seq, op, e.lsn as i64);
    for m in &plan.columns {
        buf.push(b'\t');
        let value = row.iter().find(|(n, _)| n.0 == m.source).map(|(_, v)| *v);
        if let Err(err) = copy_text::field(buf, &m.source, value) {
            buf.truncate(mark);
            return Err(err);
        }
    }
    buf.push(b'\n');
    Ok(())
}

pub async fn copy(tx: &Transaction<'_>, replica: usize, buf: Vec<u8>) -> Result<(), tokio_postgres::Error> {
    let sink = tx.copy_in(&format!("COPY {} FROM STDIN", stage_table(replica))).await?;
    futures::pin_mut!(sink);
    sink.send(Bytes::from(buf)).await?;
    sink.finish().await?;
    Ok(())
}

/// The merge of replica `i`'s staged run `$1`.
/// Returns (rows deleted, rows upserted).
pub fn merge_sql(i: usize, r: &ReplicaConfig, plan: &Plan) -> String {
    let table = qualified(&r.sink);
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
            SELECT DISTINCT ON ({keys}) _cdc_op = 'u' AND {keep} AS _cdc_keep, *
            FROM {stage}
            WHERE _cdc_seg = $1
            ORDER BY {keys}, _cdc_lsn DESC, _cdc_seq DESC
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
        stage = stage_table(i),
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
    use crate::pipeline::envelope;
    use crate::pipeline::replicator::schema::Mapped;

    fn plan() -> Plan {
        let m = |n: &str, ty: &str| Mapped { source: n.into(), sink: n.into(), ty: ty.into() };
        Plan { columns: vec![m("id", "bigint"), m("note", "text"), m("gone", "text")], key: vec![0], source_columns: vec!["id".into(), "note".into(), "gone".into()] }
    }

    #[test]
    fn copy_lines_follow_the_plan_and_escape() {
        let image: Box<serde_json::value::RawValue> = serde_json::from_str(r#"{"note":"x\"y\\z\n","id":7}"#).unwrap();
        let row = envelope::columns(&image).unwrap();
        let mut buf = Vec::new();
        copy_line(&mut buf, Event { segment: 0, seq: 3, kind: Kind::Delete, lsn: 42 }, &plan(), &row).unwrap();
        // Columns in the plan's order; an absent column is NULL.
        assert_eq!(String::from_utf8(buf).unwrap(), "0\t3\td\t42\t7\tx\"y\\\\z\\n\t\\N\n");
    }

    #[test]
    fn a_bad_value_leaves_the_buffer_as_it_was() {
        let image: Box<serde_json::value::RawValue> = serde_json::from_str(r#"{"id":1,"note":"a\u0000"}"#).unwrap();
        let row = envelope::columns(&image).unwrap();
        let mut buf = b"before\n".to_vec();
        let err = copy_line(&mut buf, Event { segment: 0, seq: 0, kind: Kind::Upsert, lsn: 1 }, &plan(), &row).unwrap_err();
        assert_eq!(err.column, "note");
        assert_eq!(buf, b"before\n");
    }
}

//! The fast path of a batch: every event's row image is COPYed (binary format) into one of the
//! replica's two staging tables (one typed column per replicated column, plus a text twin for
//! values in forms `copy_binary` does not decode), then one statement per replica (and per run of
//! events between truncates) merges it: the last event per key (highest source LSN) wins, an
//! upsert applies only when its source LSN is newer than the row's `_source_lsn`, a delete
//! likewise, and a row the replica's filter rejects is removed.
//!
//! The staging tables are unlogged tables, two per replica, used in turn: one connection COPYs a
//! batch into one while the other merges the previous batch from the other (see `merger.rs`).

use bytes::Bytes;
use futures::SinkExt;
use tokio_postgres::{Client, Transaction};

use super::copy_binary::{self, Encoding};
use super::copy_text::FieldError;
use super::schema::{Mapped, Plan};
use crate::config::ReplicaConfig;
use crate::pg::{ident, qualified};
use crate::pipeline::envelope::RawRow;

/// Upsert or delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Upsert,
    Delete,
}

/// Staging table `parity` (0 or 1) of the replica named `replica`.
pub fn stage_table(replica: &str, parity: usize) -> String {
    let mut end = replica.len().min(48);
    while !replica.is_char_boundary(end) {
        end -= 1;
    }
    format!("cdc.{}", ident(&format!("_stage_{}_{parity}", &replica[..end])))
}

/// Column `n`'s staged value: its typed column, or the text twin cast by the type's input.
fn staged_value(n: usize, m: &Mapped) -> String {
    match m.encoding {
        Encoding::Other => format!("_t{n}::{}", m.ty),
        e if e.twin() => format!("coalesce(_v{n}, _t{n}::{})", m.ty),
        _ => format!("_v{n}"),
    }
}

/// (Re)creates the replica's staging tables for `plan`: whenever the plan changes (a new source
/// column changes the staged columns), with no batch in flight.
pub fn stage_ddl(replica: &str, plan: &Plan) -> String {
    let mut columns = String::new();
    for (n, m) in plan.columns.iter().enumerate() {
        if m.encoding.typed() {
            columns.push_str(&format!(", _v{n} {}", unconstrained(&m.ty)));
        }
        if m.encoding.text_column() {
            columns.push_str(&format!(", _t{n} text"));
        }
    }
    (0..2)
        .map(|parity| {
            format!(
                "DROP TABLE IF EXISTS {t}; CREATE UNLOGGED TABLE {t} (_cdc_seg int, _cdc_seq bigint, _cdc_op \"char\", _cdc_lsn bigint{columns}) \
                 WITH (autovacuum_enabled = false); COMMENT ON TABLE {t} IS '{}{}';",
                super::staging::COMMENT,
                replica.replace('\'', "''"),
                t = stage_table(replica, parity),
            )
        })
        .collect()
}

/// The type without the precision or length that can refuse a value (`numeric(12,2)` →
/// `numeric`, `character varying(20)` → `character varying`): the COPY into staging refuses
/// nothing, and the merge into the replica's column does, where a refused row becomes a dead
/// letter instead of failing the batch (`poison.rs`). Types whose bare name is narrower
/// (`character` is `character(1)`) keep theirs.
fn unconstrained(ty: &str) -> String {
    for base in ["numeric", "character varying"] {
        if let Some(rest) = ty.strip_prefix(base).and_then(|r| r.strip_prefix('('))
            && let Some((_, after)) = rest.split_once(')')
        {
            return format!("{base}{after}");
        }
    }
    ty.to_string()
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

/// Appends one staged tuple for `row` (the after image of an upsert, the before image of a
/// delete) to a binary COPY buffer (header and trailer are [`copy`]'s). On error the buffer is
/// left as it was.
pub fn copy_line(
    buf: &mut Vec<u8>,
    e: Event,
    plan: &Plan,
    row: &RawRow<'_>,
) -> Result<(), FieldError> {
    let mark = buf.len();
    let fields: usize = 4 + plan.columns.iter().map(|m| m.encoding.fields()).sum::<usize>();
    buf.extend_from_slice(&(fields as i16).to_be_bytes());
    copy_binary::put(buf, &e.segment.to_be_bytes());
    copy_binary::put(buf, &e.seq.to_be_bytes());
    copy_binary::put(
        buf,
        match e.kind {
            Kind::Upsert => b"u",
            Kind::Delete => b"d",
        },
    );
    copy_binary::put(buf, &(e.lsn as i64).to_be_bytes());
    for m in &plan.columns {
        let value = row.iter().find(|(n, _)| n.0 == m.source).map(|(_, v)| *v);
        if let Err(err) = copy_binary::column(buf, m.encoding, &m.source, value) {
            buf.truncate(mark);
            return Err(err);
        }
    }
    Ok(())
}

/// Fills staging tables `parity` of the replicas in `buffers` (replica name, tuples; empty
/// tuples leave the table empty) in one transaction, committed before their merge starts.
pub async fn stage_batch(
    sink: &mut Client,
    parity: usize,
    buffers: Vec<(&str, Vec<u8>)>,
) -> Result<(), tokio_postgres::Error> {
    if buffers.is_empty() {
        return Ok(());
    }
    let tx = sink.transaction().await?;
    for (replica, buf) in buffers {
        let table = stage_table(replica, parity);
        tx.batch_execute(&format!("TRUNCATE {table}")).await?;
        if !buf.is_empty() {
            copy(&tx, &table, buf).await?;
        }
    }
    tx.commit().await
}

async fn copy(
    tx: &Transaction<'_>,
    table: &str,
    buf: Vec<u8>,
) -> Result<(), tokio_postgres::Error> {
    let sink = tx.copy_in(&format!("COPY {table} FROM STDIN (FORMAT binary)")).await?;
    futures::pin_mut!(sink);
    sink.send(Bytes::from_static(copy_binary::HEADER)).await?;
    sink.send(Bytes::from(buf)).await?;
    sink.send(Bytes::from_static(copy_binary::TRAILER)).await?;
    sink.finish().await?;
    Ok(())
}

/// The merge of the replica's staged run `$1` from staging table `parity`, of the events whose
/// batch sequence is in `$2..$3` (all of them but when a row's value failed the merge: see
/// `poison.rs`); `distinct` when the run may hold several events per key (the last one is
/// picked here, else it was when staging). Returns (rows deleted, rows upserted).
pub fn merge_sql(parity: usize, distinct: bool, r: &ReplicaConfig, plan: &Plan) -> String {
    let table = qualified(&r.sink);
    let src_keys: Vec<String> = plan.key.iter().map(|&i| ident(&plan.columns[i].source)).collect();
    let keep =
        r.filter.as_deref().map_or_else(|| "true".into(), |f| format!("coalesce(({f}), false)"));
    let key_match: Vec<String> = plan
        .key
        .iter()
        .map(|&i| {
            format!("t.{} = s.{}", ident(&plan.columns[i].sink), ident(&plan.columns[i].source))
        })
        .collect();
    let sink_cols: Vec<String> = plan.columns.iter().map(|m| ident(&m.sink)).collect();
    let src_cols: Vec<String> =
        plan.columns.iter().map(|m| format!("s.{}", ident(&m.source))).collect();
    let sink_keys: Vec<String> = plan.key.iter().map(|&i| ident(&plan.columns[i].sink)).collect();
    let mut set: Vec<String> = plan
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !plan.key.contains(i))
        .map(|(_, m)| format!("{0} = EXCLUDED.{0}", ident(&m.sink)))
        .collect();
    set.push("_source_lsn = EXCLUDED._source_lsn".into());
    let values: Vec<String> = plan
        .columns
        .iter()
        .enumerate()
        .map(|(n, m)| format!("{} AS {}", staged_value(n, m), ident(&m.source)))
        .collect();
    format!(
        "WITH v AS (
            SELECT _cdc_seq, _cdc_op, _cdc_lsn, {values} FROM {stage}
            WHERE _cdc_seg = $1 AND _cdc_seq >= $2 AND _cdc_seq < $3
        ), s AS (
            SELECT {distinct_on}_cdc_op = 'u' AND {keep} AS _cdc_keep, * FROM v{order}
        ), del AS (
            DELETE FROM {table} t USING s WHERE NOT s._cdc_keep AND {key_match} AND t._source_lsn < s._cdc_lsn RETURNING 1
        ), ups AS (
            INSERT INTO {table} AS t ({sink_cols}, _source_lsn)
            SELECT {src_cols}, s._cdc_lsn FROM s WHERE s._cdc_keep
            ON CONFLICT ({sink_keys}) DO UPDATE SET {set} WHERE t._source_lsn < EXCLUDED._source_lsn
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM del), (SELECT count(*) FROM ups)",
        values = values.join(", "),
        distinct_on = if distinct { format!("DISTINCT ON ({}) ", src_keys.join(", ")) } else { String::new() },
        order = if distinct { format!(" ORDER BY {}, _cdc_lsn DESC, _cdc_seq DESC", src_keys.join(", ")) } else { String::new() },
        stage = stage_table(&r.name, parity),
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

    fn plan() -> Plan {
        let m = |n: &str, ty: &str| Mapped::new(n, n, ty);
        Plan {
            columns: vec![m("id", "bigint"), m("note", "text"), m("gone", "text")],
            key: vec![0],
            source_columns: vec!["id".into(), "note".into(), "gone".into()],
        }
    }

    #[test]
    fn staging_columns_refuse_no_length_or_precision() {
        let u = super::unconstrained;
        assert_eq!(u("numeric(12,2)"), "numeric");
        assert_eq!(u("numeric(12,2)[]"), "numeric[]");
        assert_eq!(u("character varying(20)"), "character varying");
        assert_eq!(u("character(3)"), "character(3)");
        assert_eq!(u("timestamp(3) with time zone"), "timestamp(3) with time zone");
        assert_eq!(u("bigint"), "bigint");
    }

    #[test]
    fn copy_lines_follow_the_plan_in_binary_fields() {
        let image: Box<serde_json::value::RawValue> =
            serde_json::from_str(r#"{"note":"x\"y\\z\n","id":7}"#).unwrap();
        let row = envelope::columns(&image).unwrap();
        let mut buf = Vec::new();
        copy_line(
            &mut buf,
            Event { segment: 0, seq: 3, kind: Kind::Delete, lsn: 42 },
            &plan(),
            &row,
        )
        .unwrap();
        // Field count, then (length, bytes) per field in the plan's order: the bigint and its
        // unused text twin (NULL, length -1), the text unescaped, the absent column NULL.
        let mut want = 8i16.to_be_bytes().to_vec();
        let fields: [Option<&[u8]>; 8] = [
            Some(&0i32.to_be_bytes()),
            Some(&3i64.to_be_bytes()),
            Some(b"d"),
            Some(&42i64.to_be_bytes()),
            Some(&7i64.to_be_bytes()),
            None,
            Some(b"x\"y\\z\n"),
            None,
        ];
        for field in fields {
            match field {
                Some(f) => {
                    want.extend((f.len() as i32).to_be_bytes());
                    want.extend(f);
                }
                None => want.extend((-1i32).to_be_bytes()),
            }
        }
        assert_eq!(buf, want);
    }

    #[test]
    fn typed_columns_have_a_text_twin_in_the_staging_table_and_the_merge() {
        let p = Plan {
            columns: vec![
                Mapped::new("id", "id", "bigint"),
                Mapped::new("v", "v", "text"),
                Mapped::new("ip", "ip", "inet"),
            ],
            key: vec![0],
            source_columns: vec!["id".into(), "v".into(), "ip".into()],
        };
        let ddl = stage_ddl("r", &p);
        assert!(ddl.contains(r#"CREATE UNLOGGED TABLE cdc."_stage_r_1" (_cdc_seg int, _cdc_seq bigint, _cdc_op "char", _cdc_lsn bigint, _v0 bigint, _t0 text, _v1 text, _t2 text)"#), "{ddl}");
        assert!(
            ddl.contains(
                r#"COMMENT ON TABLE cdc."_stage_r_1" IS 'cdc-console staging of replica r';"#
            ),
            "{ddl}"
        );
        let r = ReplicaConfig::full("r", "public.t", "cdc.t", "topic");
        let merge = merge_sql(1, true, &r, &p);
        assert!(
            merge.contains(
                r#"FROM cdc."_stage_r_1"
            WHERE _cdc_seg = $1 AND _cdc_seq >= $2 AND _cdc_seq < $3"#
            ),
            "{merge}"
        );
        assert!(
            merge.contains(r#"SELECT DISTINCT ON ("id") "#)
                && merge.contains(r#"ORDER BY "id", _cdc_lsn DESC, _cdc_seq DESC"#),
            "{merge}"
        );
        let merge = merge_sql(1, false, &r, &p);
        assert!(!merge.contains("DISTINCT ON") && !merge.contains("ORDER BY"), "{merge}");
        assert!(
            merge.contains(r#"coalesce(_v0, _t0::bigint) AS "id", _v1 AS "v", _t2::inet AS "ip""#),
            "{merge}"
        );
    }

    #[test]
    fn a_bad_value_leaves_the_buffer_as_it_was() {
        let image: Box<serde_json::value::RawValue> =
            serde_json::from_str(r#"{"id":1,"note":"a\u0000"}"#).unwrap();
        let row = envelope::columns(&image).unwrap();
        let mut buf = b"before\n".to_vec();
        let err = copy_line(
            &mut buf,
            Event { segment: 0, seq: 0, kind: Kind::Upsert, lsn: 1 },
            &plan(),
            &row,
        )
        .unwrap_err();
        assert_eq!(err.column, "note");
        assert_eq!(buf, b"before\n");
    }
}

//! Reading the letters: per consumer at a glance (outstanding ones counted, reasons grouped,
//! redriven ones counted apart), the newest outstanding ones, one by id or by offset, and a key
//! or payload made readable.

use serde::Serialize;
use tokio_postgres::GenericClient;

/// One consumer's letters at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsumerLetters {
    pub consumer: String,
    /// Outstanding letters (not redriven).
    pub count: u64,
    /// Letters redriven (kept as the audit trail).
    pub redriven: u64,
    /// When the first and the last were recorded, milliseconds since the epoch.
    pub first_ms: i64,
    pub last_ms: i64,
    /// The outstanding letters' reasons, their numbers blanked (`line N column N`) so that alike
    /// ones group, most frequent first.
    pub reasons: Vec<ReasonCount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
    /// When the last letter with this reason was recorded, milliseconds since the epoch.
    pub last_ms: i64,
}

/// One letter, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Letter {
    pub id: i64,
    pub consumer: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub reason: String,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub recorded_ms: i64,
    /// When it was redriven, milliseconds since the epoch; `None` while outstanding.
    pub redriven_ms: Option<i64>,
    /// What the redrive did: `applied`, or `superseded by offset N`.
    pub redrive_outcome: Option<String>,
}

const MS: &str = "(extract(epoch FROM recorded_at) * 1000)::bigint";

/// The letters to read from. A table from before redrives lacks their columns until something
/// migrates it (the replicator, the processor and the CLI do, the collectors only read), and
/// every letter in it is outstanding.
async fn letters_in(c: &impl GenericClient) -> Result<&'static str, tokio_postgres::Error> {
    let migrated: bool = c
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'cdc.dead_letters'::regclass \
             AND attname = 'redrive_outcome' AND NOT attisdropped)",
            &[],
        )
        .await?
        .get(0);
    Ok(if migrated {
        "cdc.dead_letters"
    } else {
        "(SELECT *, NULL::timestamptz AS redriven_at, NULL::text AS redrive_outcome FROM cdc.dead_letters) AS d"
    })
}

/// Per consumer (all, or `consumer`'s), the letters counted with their reasons grouped.
pub async fn summary(
    c: &impl GenericClient,
    consumer: Option<&str>,
) -> Result<Vec<ConsumerLetters>, tokio_postgres::Error> {
    let from = letters_in(c).await?;
    let rows = c
        .query(
            &format!(
                "SELECT consumer, regexp_replace(reason, '(?<![-\\w])[0-9]+\\M', 'N', 'g') AS r, \
                 count(*) FILTER (WHERE redriven_at IS NULL) AS n, min({MS}), max({MS}), \
                 count(*) FILTER (WHERE redriven_at IS NOT NULL) FROM {from} \
                 WHERE $1::text IS NULL OR consumer = $1 GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"
            ),
            &[&consumer],
        )
        .await?;
    let mut out: Vec<ConsumerLetters> = Vec::new();
    for row in rows {
        let consumer: String = row.get(0);
        let count = row.get::<_, i64>(2).unsigned_abs();
        let (first, last): (i64, i64) = (row.get(3), row.get(4));
        if out.last().is_none_or(|c| c.consumer != consumer) {
            out.push(ConsumerLetters {
                consumer,
                first_ms: first,
                last_ms: last,
                ..Default::default()
            });
        }
        let c = out.last_mut().expect("pushed above");
        c.count += count;
        c.redriven += row.get::<_, i64>(5).unsigned_abs();
        c.first_ms = c.first_ms.min(first);
        c.last_ms = c.last_ms.max(last);
        if count > 0 {
            c.reasons.push(ReasonCount { reason: row.get(1), count, last_ms: last });
        }
    }
    Ok(out)
}

/// The columns [`letter`] reads, from `from`.
pub(super) fn letters_from(from: &str) -> String {
    format!(
        "SELECT id, consumer, topic, partition, \"offset\", reason, key, payload, \
         (extract(epoch FROM recorded_at) * 1000)::bigint, \
         (extract(epoch FROM redriven_at) * 1000)::bigint, redrive_outcome FROM {from}"
    )
}

pub(super) fn letter(row: &tokio_postgres::Row) -> Letter {
    Letter {
        id: row.get(0),
        consumer: row.get(1),
        topic: row.get(2),
        partition: row.get(3),
        offset: row.get(4),
        reason: row.get(5),
        key: row.get(6),
        payload: row.get(7),
        recorded_ms: row.get(8),
        redriven_ms: row.get(9),
        redrive_outcome: row.get(10),
    }
}

/// The newest outstanding letters (all consumers', or `consumer`'s), newest first.
pub async fn newest(
    c: &impl GenericClient,
    consumer: Option<&str>,
    limit: i64,
) -> Result<Vec<Letter>, tokio_postgres::Error> {
    let sql = format!(
        "{} WHERE ($1::text IS NULL OR consumer = $1) AND redriven_at IS NULL \
         ORDER BY recorded_at DESC, id DESC LIMIT $2",
        letters_from(letters_in(c).await?)
    );
    Ok(c.query(&sql, &[&consumer, &limit]).await?.iter().map(letter).collect())
}

/// Which letters [`find`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick<'a> {
    Id(i64),
    /// A consumer's letters at an offset, optionally narrowed to a topic and a partition.
    At {
        consumer: &'a str,
        offset: i64,
        topic: Option<&'a str>,
        partition: Option<i32>,
    },
}

pub async fn find(
    c: &impl GenericClient,
    pick: &Pick<'_>,
) -> Result<Vec<Letter>, tokio_postgres::Error> {
    let letters = letters_from(letters_in(c).await?);
    let rows = match pick {
        Pick::Id(id) => c.query(&format!("{letters} WHERE id = $1"), &[id]).await?,
        Pick::At { consumer, offset, topic, partition } => {
            let sql = format!(
                "{letters} WHERE consumer = $1 AND \"offset\" = $2 AND ($3::text IS NULL OR topic = $3) \
                 AND ($4::int IS NULL OR partition = $4) ORDER BY topic, partition"
            );
            c.query(&sql, &[consumer, offset, topic, partition]).await?
        }
    };
    Ok(rows.iter().map(letter).collect())
}

/// A payload or key for reading: pretty JSON when it parses, else the text with escapes when it
/// is UTF-8, else hex.
pub fn readable(bytes: Option<&[u8]>) -> String {
    let Some(b) = bytes else { return "(null)".into() };
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(b) {
        return serde_json::to_string_pretty(&v).unwrap_or_default();
    }
    if let Ok(s) = std::str::from_utf8(b) {
        return s.escape_debug().to_string();
    }
    b.iter().fold(String::from("hex "), |mut s, x| {
        use std::fmt::Write as _;
        let _ = write!(s, "{x:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_payloads() {
        assert_eq!(readable(None), "(null)");
        assert_eq!(readable(Some(br#"{"a":1}"#)), "{\n  \"a\": 1\n}");
        assert_eq!(readable(Some(b"{oops\n")), "{oops\\n");
        assert_eq!(readable(Some(&[0xff, 0x00])), "hex ff00");
    }
}

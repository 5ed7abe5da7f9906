//! The letters side of a redrive: which letters were chosen, and what became of each, written in
//! the redrive's transaction with what it applied. A letter is marked once: the mark only takes
//! an outstanding letter, so a second redrive finds it redriven and applies nothing.

use tokio_postgres::GenericClient;

use super::read::{Letter, letter, letters_from};

/// Which of a consumer's letters a redrive takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen<'a> {
    /// Every outstanding letter.
    All,
    /// These letters, outstanding or already redriven (said so, nothing applied).
    Ids(&'a [i64]),
}

/// The chosen letters of `consumer` in log order (topic, partition, offset), and the ids asked
/// for that are not among its letters. The table is migrated (`DDL`) first.
pub async fn chosen(
    c: &impl GenericClient,
    consumer: &str,
    chosen: Chosen<'_>,
) -> Result<(Vec<Letter>, Vec<i64>), tokio_postgres::Error> {
    let order = "ORDER BY topic, partition, \"offset\"";
    let select = letters_from("cdc.dead_letters");
    let letters: Vec<Letter> = match chosen {
        Chosen::All => {
            let sql = format!("{select} WHERE consumer = $1 AND redriven_at IS NULL {order}");
            c.query(&sql, &[&consumer]).await?.iter().map(letter).collect()
        }
        Chosen::Ids(ids) => {
            let sql = format!("{select} WHERE consumer = $1 AND id = ANY($2) {order}");
            c.query(&sql, &[&consumer, &ids]).await?.iter().map(letter).collect()
        }
    };
    let missing = match chosen {
        Chosen::All => Vec::new(),
        Chosen::Ids(ids) => {
            let mut missing: Vec<i64> =
                ids.iter().copied().filter(|id| !letters.iter().any(|l| l.id == *id)).collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        }
    };
    Ok((letters, missing))
}

/// How many letters of `consumer` are outstanding.
pub async fn outstanding(
    c: &impl GenericClient,
    consumer: &str,
) -> Result<u64, tokio_postgres::Error> {
    super::count(c, &[consumer.to_string()]).await
}

/// Marks letters redriven, each with what became of it (`applied`, `superseded by offset N`).
/// Only outstanding letters are marked: fewer than asked means another redrive (or a purge) got
/// to some first, and the caller rolls back.
pub async fn mark(
    tx: &impl GenericClient,
    marks: &[(i64, String)],
) -> Result<u64, tokio_postgres::Error> {
    if marks.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = marks.iter().map(|m| m.0).collect();
    let outcomes: Vec<&str> = marks.iter().map(|m| m.1.as_str()).collect();
    tx.execute(
        "UPDATE cdc.dead_letters d SET redriven_at = now(), redrive_outcome = m.outcome \
         FROM unnest($1::bigint[], $2::text[]) AS m(id, outcome) \
         WHERE d.id = m.id AND d.redriven_at IS NULL",
        &[&ids, &outcomes],
    )
    .await
}

/// Letters the redrive refused again: they stay outstanding, with the reason of this refusal.
pub async fn refused_again(
    tx: &impl GenericClient,
    reasons: &[(i64, String)],
) -> Result<u64, tokio_postgres::Error> {
    if reasons.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = reasons.iter().map(|m| m.0).collect();
    let texts: Vec<&str> = reasons.iter().map(|m| m.1.as_str()).collect();
    tx.execute(
        "UPDATE cdc.dead_letters d SET reason = r.reason \
         FROM unnest($1::bigint[], $2::text[]) AS r(id, reason) \
         WHERE d.id = r.id AND d.redriven_at IS NULL",
        &[&ids, &texts],
    )
    .await
}

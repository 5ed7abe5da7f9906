//! Session jobs' output: a group's sessions merged across partitions.
//!
//! Each partition sessionizes its own events (state is per partition, so it can move between
//! instances), but Flink merges a key's sessions over the whole stream. Merging windows that
//! overlap or touch is transitive, so a group's sessions over all partitions are the islands of
//! its per-partition sessions: one output row per island, its aggregates merged from the
//! partials in it. A batch rewrites the islands around the sessions it touched.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::Transaction;

use super::outbox::Written;
use super::output::{Output, Target, delete_spans, key_json};
use crate::config::job::JobConfig;
use crate::pipeline::processor::{GroupKey, Partial, Window};

/// Sessions (any order) grouped into islands of windows that overlap or touch, by start.
pub(super) fn islands(mut sessions: Vec<(Window, Partial)>) -> Vec<(Window, Vec<Partial>)> {
    sessions.sort_by_key(|(w, _)| *w);
    let mut out: Vec<(Window, Vec<Partial>)> = Vec::new();
    for (w, p) in sessions {
        match out.last_mut() {
            Some((island, ps)) if island.touches(&w) => {
                *island = island.cover(&w);
                ps.push(p);
            }
            _ => out.push((w, vec![p])),
        }
    }
    out
}

/// Per group, the span `[lo, hi]` covering `windows`.
fn spans<'a>(
    windows: impl Iterator<Item = &'a (GroupKey, Window)>,
) -> BTreeMap<GroupKey, (i64, i64)> {
    let mut spans: BTreeMap<GroupKey, (i64, i64)> = BTreeMap::new();
    for (k, w) in windows {
        let s = spans.entry(k.clone()).or_insert((w.start, w.end));
        *s = (s.0.min(w.start), s.1.max(w.end));
    }
    spans
}

/// Every partition's sessions of each group that overlap or touch its span, the spans grown
/// until no session reaches past them (an island can chain beyond the touched sessions).
async fn sessions_around(
    tx: &Transaction<'_>,
    job: &str,
    mut spans: BTreeMap<GroupKey, (i64, i64)>,
) -> Result<
    (BTreeMap<GroupKey, (i64, i64)>, BTreeMap<GroupKey, Vec<(Window, Partial)>>),
    tokio_postgres::Error,
> {
    loop {
        let keys: Vec<&GroupKey> = spans.keys().collect();
        let json: Vec<String> = keys.iter().map(|k| key_json(k).to_string()).collect();
        let (lo, hi): (Vec<i64>, Vec<i64>) = spans.values().copied().unzip();
        let rows = tx
            .query(
                "SELECT u.i, p.window_start, p.window_end, p.partial::text FROM unnest($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS u(k, lo, hi, i), \
                 LATERAL (SELECT w.window_start, w.window_end, w.partial FROM cdc.window_partials w \
                          WHERE w.job = $1 AND w.group_key = u.k::jsonb AND w.window_end >= u.lo AND w.window_start <= u.hi OFFSET 0) p",
                &[&job, &json, &lo, &hi],
            )
            .await?;
        let mut found: BTreeMap<GroupKey, Vec<(Window, Partial)>> = BTreeMap::new();
        let mut grown = spans.clone();
        for r in rows {
            let Some(key) = keys.get(r.get::<_, i64>(0) as usize - 1) else { continue };
            let w = Window { start: r.get(1), end: r.get(2) };
            let Ok(p) = serde_json::from_str::<Partial>(&r.get::<_, String>(3)) else { continue };
            if let Some(s) = grown.get_mut(*key) {
                *s = (s.0.min(w.start), s.1.max(w.end));
            }
            found.entry((*key).clone()).or_default().push((w, p));
        }
        if grown == spans {
            return Ok((spans, found));
        }
        spans = grown;
    }
}

/// The output rows to write for a batch that touched `touched` (sessions of this batch's
/// partitions, updated or deleted): each group's islands around them. Their old rows are deleted
/// first; those not written again come back as deletions for the output topic.
pub(super) async fn targets(
    tx: &Transaction<'_>,
    job: &JobConfig,
    out: &Output,
    touched: &BTreeSet<(GroupKey, Window)>,
) -> Result<(Vec<Target>, Vec<Written>), tokio_postgres::Error> {
    let (spans, mut sessions) = sessions_around(tx, &job.name, spans(touched.iter())).await?;
    let spans: Vec<(GroupKey, i64, i64)> =
        spans.into_iter().map(|(k, (lo, hi))| (k, lo, hi)).collect();
    let old = delete_spans(tx, job, out, &spans).await?;
    let mut targets: Vec<Target> = Vec::new();
    for (key, _, _) in &spans {
        for (w, ps) in islands(sessions.remove(key).unwrap_or_default()) {
            targets.push(((key.clone(), w), ps));
        }
    }
    let kept: BTreeSet<&(GroupKey, Window)> = targets.iter().map(|(t, _)| t).collect();
    let gone = old
        .iter()
        .filter(|o| !kept.contains(o))
        .map(|(key, window)| Written { key: key.clone(), window: *window, values: None })
        .collect();
    Ok((targets, gone))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(rows: i64) -> Partial {
        Partial { rows, columns: vec![] }
    }

    #[test]
    fn sessions_that_overlap_or_touch_form_one_island() {
        let w = |start, end| Window { start, end };
        let got = islands(vec![
            (w(40, 50), partial(4)),
            (w(0, 10), partial(1)),
            (w(10, 20), partial(2)),
            (w(15, 30), partial(3)),
            (w(31, 35), partial(5)),
        ]);
        let shape: Vec<(Window, Vec<i64>)> =
            got.into_iter().map(|(w, ps)| (w, ps.iter().map(|p| p.rows).collect())).collect();
        assert_eq!(
            shape,
            vec![(w(0, 30), vec![1, 2, 3]), (w(31, 35), vec![5]), (w(40, 50), vec![4])]
        );
    }

    #[test]
    fn spans_cover_each_groups_windows() {
        let k = |s: &str| vec![crate::pipeline::processor::KeyValue::Text(s.into())];
        let touched = [
            (k("a"), Window { start: 5, end: 9 }),
            (k("a"), Window { start: 1, end: 3 }),
            (k("b"), Window { start: 7, end: 8 }),
        ];
        let got = spans(touched.iter());
        assert_eq!(got.get(&k("a")), Some(&(1, 9)));
        assert_eq!(got.get(&k("b")), Some(&(7, 8)));
    }
}

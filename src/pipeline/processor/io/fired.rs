//! The job's latest results as its output table holds them: what the processor view lists
//! under the figures, so the user sees what the job computes, not only that it runs. Read from
//! the table when the job starts, then kept from what each batch writes.

use serde::Serialize;
use tokio_postgres::Client;

use super::outbox::Written;
use super::output::key_text;
use crate::config::job::JobConfig;
use crate::pg::{ident, qualified};

/// How many fired windows the snapshot keeps.
pub const LATEST_WINDOWS: usize = 8;

/// One output row: the group's values, the window, the aggregates (as text, as stored).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FiredWindow {
    pub group: Vec<(String, Option<String>)>,
    /// Millisecond epochs.
    pub window_start: i64,
    pub window_end: i64,
    pub aggregates: Vec<(String, Option<String>)>,
    /// The window emptied (retractions took its last row): its output row was deleted.
    pub deleted: bool,
}

impl FiredWindow {
    pub fn of(job: &JobConfig, w: &Written) -> Self {
        Self {
            group: job.group_by.iter().cloned().zip(w.key.iter().map(key_text)).collect(),
            window_start: w.window.start,
            window_end: w.window.end,
            aggregates: w
                .values
                .iter()
                .flatten()
                .map(|(c, v)| (c.clone(), v.map(|d| d.to_string())))
                .collect(),
            deleted: w.values.is_none(),
        }
    }
}

/// `latest` with a batch's rows in front (newest window end first), at most [`LATEST_WINDOWS`];
/// a window written again replaces its older entry.
pub fn keep_latest(latest: &mut Vec<FiredWindow>, job: &JobConfig, written: &[Written]) {
    let mut fresh: Vec<FiredWindow> = written.iter().map(|w| FiredWindow::of(job, w)).collect();
    fresh.sort_by_key(|w| std::cmp::Reverse(w.window_end));
    latest.retain(|old| {
        !fresh.iter().any(|f| {
            (f.window_start, f.window_end, &f.group)
                == (old.window_start, old.window_end, &old.group)
        })
    });
    fresh.append(latest);
    fresh.sort_by_key(|w| std::cmp::Reverse(w.window_end));
    fresh.truncate(LATEST_WINDOWS);
    *latest = fresh;
}

/// The newest rows of the job's output table (by window end), every column as text.
pub async fn read_latest(
    sink: &Client,
    job: &JobConfig,
) -> Result<Vec<FiredWindow>, tokio_postgres::Error> {
    let text = |c: &str| format!("{}::text", ident(c));
    let aggregates: Vec<String> =
        job.aggregates.iter().map(crate::config::job::AggregateConfig::output_column).collect();
    let columns: Vec<String> = job
        .group_by
        .iter()
        .chain(&aggregates)
        .map(|c| text(c))
        .chain([
            "(extract(epoch FROM window_start) * 1000)::bigint".into(),
            "(extract(epoch FROM window_end) * 1000)::bigint".into(),
        ])
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY window_end DESC, updated_at DESC LIMIT {LATEST_WINDOWS}",
        columns.join(", "),
        qualified(&job.output.table)
    );
    let (g, a) = (job.group_by.len(), aggregates.len());
    Ok(sink
        .query(&sql, &[])
        .await?
        .iter()
        .map(|r| FiredWindow {
            group: job.group_by.iter().enumerate().map(|(i, c)| (c.clone(), r.get(i))).collect(),
            aggregates: aggregates
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), r.get(g + i)))
                .collect(),
            window_start: r.get(g + a),
            window_end: r.get(g + a + 1),
            deleted: false,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::processor::{Decimal, KeyValue, Window};

    fn written(status: &str, start: i64, count: &str) -> Written {
        Written {
            key: vec![KeyValue::Text(status.into())],
            window: Window { start, end: start + 10_000 },
            values: Some(vec![("count".into(), Decimal::parse(count).ok())]),
        }
    }

    #[test]
    fn the_newest_windows_are_kept_a_rewritten_one_replaces_its_entry() {
        let job = JobConfig::orders_by_status();
        let mut latest = Vec::new();
        keep_latest(&mut latest, &job, &[written("paid", 0, "3"), written("new", 10_000, "1")]);
        keep_latest(&mut latest, &job, &[written("paid", 0, "4")]);
        let shown: Vec<(i64, Option<&str>, Option<&str>)> = latest
            .iter()
            .map(|w| (w.window_start, w.group[0].1.as_deref(), w.aggregates[0].1.as_deref()))
            .collect();
        assert_eq!(shown, [(10_000, Some("new"), Some("1")), (0, Some("paid"), Some("4"))]);
        assert_eq!(latest[0].group[0].0, job.group_by[0]);
        let many: Vec<Written> = (0..20).map(|i| written("paid", i * 10_000, "1")).collect();
        keep_latest(&mut latest, &job, &many);
        assert_eq!(latest.len(), LATEST_WINDOWS);
        assert_eq!(latest[0].window_start, 190_000, "newest first");
    }
}

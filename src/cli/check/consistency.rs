//! Each replica diffed against its source with the diff `cdc-console diff` runs (checksum
//! bisection, bracketed by the replica's applied LSN): a row still in flight is diffed again
//! until it settles or the settle time is up; a diverged row fails the check, named by table,
//! key and columns.

use std::time::{Duration, Instant};

use super::model::{Check, Kind, Outcome, first_few};
use crate::config::Config;
use crate::pipeline::diff::{self, RowDiff, TableReport};

/// Rows named in the one-line reason; the details list up to [`LISTED`].
const SHOWN: usize = 3;
const LISTED: usize = 200;

/// One check per replica in `names` (each is a configured replica), all at once: most of a
/// diff's time is waiting for rows in flight to settle.
pub async fn checks(config: &Config, names: &[String], settle: Duration) -> Vec<Check> {
    futures::future::join_all(names.iter().map(|name| async move {
        let started = Instant::now();
        replica(config, name, settle).await.took(started.elapsed())
    }))
    .await
}

async fn replica(config: &Config, name: &str, settle: Duration) -> Check {
    let deadline = Instant::now() + settle;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let opts = diff::Options {
            settle: left.max(Duration::from_secs(1)),
            kafka: Some(crate::kafka::client_config(config)),
            ..diff::Options::default()
        };
        let (reports, errors) = match diff::targets::run(config, &[name.to_string()], &opts).await {
            Ok(r) => r,
            Err(e) => return error(name, format!("could not diff: {e}")),
        };
        if !errors.is_empty() {
            return error(name, first_few(&errors, 1)).details(errors);
        }
        let Some(report) = reports.into_iter().next() else {
            return error(name, "the diff reported nothing".to_string());
        };
        if !report.differences.is_empty() {
            return diverged(name, &report);
        }
        if report.in_flight.is_empty() {
            let s = &report.stats;
            let reason = format!(
                "{} = {}: consistent ({} segments checked, {} rows compared)",
                report.source_table, report.sink_table, s.segments_checked, s.rows_fetched
            );
            return Check::new(Kind::Consistency, name, Outcome::Pass, reason);
        }
        if Instant::now() >= deadline {
            return unsettled(name, &report, settle);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn error(name: &str, why: String) -> Check {
    Check::new(Kind::Consistency, name, Outcome::Error, why)
}

fn diverged(name: &str, r: &TableReport) -> Check {
    let rows = described(r, &r.differences);
    let reason = format!(
        "{}: {} diverged row(s) from {}: {}",
        r.sink_table,
        rows.len(),
        r.source_table,
        first_few(&rows, SHOWN)
    );
    Check::new(Kind::Consistency, name, Outcome::Fail, reason).details(listed(rows))
}

/// Still in flight when the settle time ran out: the replica is behind, not proven equal.
fn unsettled(name: &str, r: &TableReport, settle: Duration) -> Check {
    let rows = described(r, &r.in_flight);
    let reason = format!(
        "{}: {} row(s) still in flight after {}s (the replicator is behind or stopped): {}",
        r.sink_table,
        rows.len(),
        settle.as_secs(),
        first_few(&rows, SHOWN)
    );
    Check::new(Kind::Consistency, name, Outcome::Fail, reason).details(listed(rows))
}

fn listed(mut rows: Vec<String>) -> Vec<String> {
    if rows.len() > LISTED {
        let more = rows.len() - LISTED;
        rows.truncate(LISTED);
        rows.push(format!("and {more} more"));
    }
    rows
}

/// `order_id=2 changed: status`, `order_id=7 missing from the sink`, `order_id=9 extra in the
/// sink`.
fn described(r: &TableReport, rows: &[RowDiff]) -> Vec<String> {
    rows.iter()
        .map(|d| {
            let key: Vec<String> =
                r.key_columns.iter().zip(d.key()).map(|(c, v)| format!("{c}={v}")).collect();
            let key = key.join(",");
            match d {
                RowDiff::Missing { .. } => format!("{key} missing from the sink"),
                RowDiff::Extra { .. } => format!("{key} extra in the sink"),
                RowDiff::Changed { columns, .. } => {
                    format!("{key} changed: {}", columns.join(", "))
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(differences: Vec<RowDiff>) -> TableReport {
        TableReport {
            source_table: "public.orders".into(),
            sink_table: "cdc.orders_replica".into(),
            key_columns: vec!["order_id".into(), "line".into()],
            differences,
            in_flight: Vec::new(),
            stats: diff::Stats::default(),
        }
    }

    #[test]
    fn a_diverged_row_is_named_by_table_key_and_columns_and_the_rest_are_counted() {
        let k = |a: &str| vec![a.to_string(), "1".to_string()];
        let r = report(vec![
            RowDiff::Changed { key: k("2"), columns: vec!["status".into(), "amount".into()] },
            RowDiff::Missing { key: k("7") },
            RowDiff::Extra { key: k("9") },
            RowDiff::Missing { key: k("11") },
        ]);
        let c = diverged("orders_replica", &r);
        assert_eq!(c.result, Outcome::Fail);
        assert_eq!(
            c.reason,
            "cdc.orders_replica: 4 diverged row(s) from public.orders: order_id=2,line=1 changed: \
             status, amount; order_id=7,line=1 missing from the sink; order_id=9,line=1 extra in \
             the sink and 1 more"
        );
        assert_eq!(c.details.len(), 4);
        assert_eq!(listed((0..205).map(|i| i.to_string()).collect()).last().unwrap(), "and 5 more");
    }
}

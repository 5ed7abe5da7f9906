//! `cdc-console diff [REPLICA | SOURCE_TABLE[=SINK_TABLE] …]`: source ↔ sink row diff by checksum
//! bisection; a replica is compared through its column mapping and filter. Exit 0 when consistent, 1 when diverged, 2 on error. Rows still in flight (live
//! pipeline with `--consumer`) are reported but do not make the exit code 1.

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::diff::{self, Options, RowDiff, TableReport};

/// Exit code when a table diverged (same value as EXIT_DOWN).
pub const EXIT_DIVERGED: u8 = EXIT_DOWN;

#[derive(Serialize)]
struct Report<'a> {
    consistent: bool,
    tables: &'a [TableReport],
    errors: &'a [String],
}

pub async fn run(
    config: &Config,
    tables: &[String],
    opts: &Options,
    output: Output,
) -> anyhow::Result<u8> {
    let (reports, errors) = match diff::targets::run(config, tables, opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cdc-console: diff: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let consistent = reports.iter().all(TableReport::consistent);
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Report {
                consistent,
                tables: &reports,
                errors: &errors
            })?
        ),
        Output::Table => print!("{}", render(&reports, &errors)),
    }
    Ok(if !errors.is_empty() {
        EXIT_ERROR
    } else if consistent {
        EXIT_OK
    } else {
        EXIT_DIVERGED
    })
}

fn render(reports: &[TableReport], errors: &[String]) -> String {
    let mut out = String::new();
    for r in reports {
        let s = &r.stats;
        out.push_str(&format!(
            "{} = {}: {} differences, {} in flight ({} segments checked, {} rows fetched, {} ms)\n",
            r.source_table,
            r.sink_table,
            r.differences.len(),
            r.in_flight.len(),
            s.segments_checked,
            s.rows_fetched,
            s.elapsed_ms
        ));
        let mut t = Table::new(&["state", "kind", &r.key_columns.join(","), "columns"]);
        let rows = r
            .differences
            .iter()
            .map(|d| ("diverged", d))
            .chain(r.in_flight.iter().map(|d| ("in flight", d)));
        for (state, d) in rows {
            let (kind, cols) = match d {
                RowDiff::Missing { .. } => ("missing", String::new()),
                RowDiff::Extra { .. } => ("extra", String::new()),
                RowDiff::Changed { columns, .. } => ("changed", columns.join(",")),
            };
            t.row(vec![state.into(), kind.into(), d.key().join(","), cols]);
        }
        if !t.is_empty() {
            out.push_str(&t.render());
        }
    }
    for e in errors {
        out.push_str(&format!("error: {e}\n"));
    }
    out
}

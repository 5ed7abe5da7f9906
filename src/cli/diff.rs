//! `cdc-console diff [REPLICA | SOURCE_TABLE[=SINK_TABLE] …]`: source ↔ sink row diff by checksum
//! bisection; a replica is compared through its column mapping and filter. Exit 0 when consistent, 1 when diverged, 2 on error. Rows still in flight (live
//! pipeline with `--consumer`) are reported but do not make the exit code 1.

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK, Output};
use crate::config::{Config, ReplicaConfig};
use crate::pipeline::replicator::schema;
use crate::pipeline::diff::{self, Options, Pair, RowDiff, TableReport};

/// Exit code when a table diverged (same value as EXIT_DOWN).
pub const EXIT_DIVERGED: u8 = EXIT_DOWN;

#[derive(Serialize)]
struct Report<'a> {
    consistent: bool,
    tables: &'a [TableReport],
    errors: &'a [String],
}

/// `a=b` → (a, b); `a` → (a, a).
pub fn parse_pair(s: &str) -> Pair {
    let (a, b) = s.split_once('=').unwrap_or((s, s));
    Pair { source_table: a.to_string(), sink_table: b.to_string(), ..Pair::default() }
}

/// What one argument names: a configured replica, or a table pair.
enum Target<'a> {
    Replica(&'a ReplicaConfig),
    Pair(Pair),
}

fn targets<'a>(config: &'a Config, args: &[String]) -> Vec<Target<'a>> {
    if args.is_empty() {
        return config.replicas.iter().map(Target::Replica).collect();
    }
    args.iter()
        .map(|a| match config.replicas.iter().find(|r| &r.name == a) {
            Some(r) => Target::Replica(r),
            None => Target::Pair(parse_pair(a)),
        })
        .collect()
}

/// A replica compared as the replicator writes it: the transformed source (kept columns, its
/// filter) against the sink table's mapped columns.
async fn replica_pair(src: &diff::Pool, r: &ReplicaConfig) -> Result<Pair, String> {
    let shape = schema::read_shape(src.get(), &r.source)
        .await
        .map_err(|e| crate::pipeline::replicator::pg_error(&e))?
        .ok_or_else(|| format!("source table {} does not exist", r.source))?;
    let plan = schema::plan(r, &shape).map_err(|e| e.to_string())?;
    Ok(Pair {
        source_table: r.source.clone(),
        sink_table: r.sink.clone(),
        source_columns: plan.columns.iter().map(|m| m.source.clone()).collect(),
        sink_columns: plan.columns.iter().map(|m| m.sink.clone()).collect(),
        source_key: plan.key.iter().map(|&i| plan.columns[i].source.clone()).collect(),
        sink_key: plan.key.iter().map(|&i| plan.columns[i].sink.clone()).collect(),
        source_filter: r.filter.clone(),
        sink_filter: None,
    })
}

pub async fn run(config: &Config, tables: &[String], opts: &Options, output: Output) -> anyhow::Result<u8> {
    let timeout = std::time::Duration::from_millis(config.timeouts.request_ms.0.max(1000));
    let pools = async {
        let src = diff::Pool::connect(&config.source.pg_config(timeout), opts.connections).await?;
        let snk = diff::Pool::connect(&config.sink.pg_config(timeout), opts.connections).await?;
        Ok::<_, diff::DiffError>((src, snk))
    }
    .await;
    let (src, snk) = match pools {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cdc-console: diff: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for target in targets(config, tables) {
        let (pair, opts) = match target {
            Target::Pair(p) => (p, opts.clone()),
            Target::Replica(r) => match replica_pair(&src, r).await {
                Ok(p) => (p, Options { consumer: opts.consumer.clone().or_else(|| Some(r.name.clone())), ..opts.clone() }),
                Err(e) => {
                    errors.push(format!("replica {}: {e}", r.name));
                    continue;
                }
            },
        };
        match diff::diff_pair(&src, &snk, &pair, &opts).await {
            Ok(r) => reports.push(r),
            Err(e) => errors.push(format!("{} = {}: {e}", pair.source_table, pair.sink_table)),
        }
    }
    let consistent = reports.iter().all(TableReport::consistent);
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&Report { consistent, tables: &reports, errors: &errors })?),
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
        let rows = r.differences.iter().map(|d| ("diverged", d)).chain(r.in_flight.iter().map(|d| ("in flight", d)));
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

//! What a diff compares: the configured replicas (through their column mapping and filter,
//! bracketed by their own progress) or table pairs named `SOURCE[=SINK]`. Shared by the `diff`
//! command and the console's diff key.

use std::time::Duration;

use super::{DiffError, Options, Pair, Pool, TableReport};
use crate::config::{Config, ReplicaConfig};
use crate::pipeline::replicator::schema;

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
async fn replica_pair(src: &Pool, r: &ReplicaConfig) -> Result<Pair, String> {
    let shape = crate::pg::read_shape(src.get(), &r.source)
        .await
        .map_err(|e| crate::pg::message(&e))?
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

/// Diffs every target `args` names (every replica when empty): the reports, and the targets that
/// failed with why. Only failing to reach a database is an error.
pub async fn run(
    config: &Config,
    args: &[String],
    opts: &Options,
) -> Result<(Vec<TableReport>, Vec<String>), DiffError> {
    let timeout = Duration::from_millis(config.timeouts.request_ms.0.max(1000));
    let src = Pool::connect(&config.source, timeout, opts.connections).await?;
    let snk = Pool::connect(&config.sink, timeout, opts.connections).await?;
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for target in targets(config, args) {
        let (pair, opts) = match target {
            Target::Pair(p) => (p, opts.clone()),
            Target::Replica(r) => match replica_pair(&src, r).await {
                Ok(p) => (
                    p,
                    Options {
                        consumer: opts.consumer.clone().or_else(|| Some(r.name.clone())),
                        ..opts.clone()
                    },
                ),
                Err(e) => {
                    errors.push(format!("replica {}: {e}", r.name));
                    continue;
                }
            },
        };
        match super::diff_pair(&src, &snk, &pair, &opts).await {
            Ok(r) => reports.push(r),
            Err(e) => errors.push(format!("{} = {}: {e}", pair.source_table, pair.sink_table)),
        }
    }
    Ok((reports, errors))
}

/// The console's last diff, as the screen shows it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DiffSnapshot {
    pub running: bool,
    pub started: Option<std::time::SystemTime>,
    pub finished: Option<std::time::SystemTime>,
    pub reports: Vec<TableReport>,
    pub errors: Vec<String>,
}

//! Lag of the pipeline's consumer groups under thresholds in offsets and seconds: the
//! replicator's group on the replicas' topics, each processor job's group on its topics, and
//! any group named with `--group` on everything it consumes.
//!
//! The replicator's group is shared by every replicator on the cluster (one group id), so only
//! the partitions of this configuration's topics count: another pipeline's replicator that
//! stopped long ago must not fail this one's gate.

use std::collections::BTreeSet;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::model::{Check, Kind, Outcome, first_few};
use crate::collectors::groups::{Group, PartitionLag, Probe, record_time};
use crate::config::Config;

/// The thresholds: lag in offsets (none: not judged) and in seconds, per partition.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub offsets: Option<u64>,
    pub seconds: f64,
}

/// A group to judge, and the topics that count (None: all of them).
struct Watched {
    group: String,
    topics: Option<BTreeSet<String>>,
}

fn watched(config: &Config, named: &[String]) -> Vec<Watched> {
    let mut out = Vec::new();
    if !config.replicas.is_empty() {
        out.push(Watched {
            group: crate::pipeline::replicator::GROUP_ID.to_string(),
            topics: Some(config.replicas.iter().map(|r| r.topic.clone()).collect()),
        });
    }
    for job in &config.jobs {
        out.push(Watched {
            group: format!("{}{}", crate::pipeline::processor::GROUP_PREFIX, job.name),
            topics: Some(job.topics.iter().cloned().collect()),
        });
    }
    out.extend(named.iter().map(|g| Watched { group: g.clone(), topics: None }));
    out
}

/// One check per group; every group errs when the groups cannot be read.
pub async fn checks(config: &Config, named: &[String], limits: Limits) -> Vec<Check> {
    let started = Instant::now();
    let watched = watched(config, named);
    if watched.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = watched.iter().map(|w| w.group.clone()).collect();
    let mut probe = Probe::new(config).watch(names).without_record_reads();
    let mut snapshot = match probe.collect().await {
        Ok(s) => s,
        Err(e) => {
            let why = format!("consumer groups unreadable: {e}");
            return watched
                .iter()
                .map(|w| Check::new(Kind::Lag, &w.group, Outcome::Error, why.clone()))
                .collect();
        }
    };
    // Lag in seconds read exactly: the record at each lagging committed offset.
    let lagging = record_time::lagging(&snapshot);
    if let Ok(times) = record_time::read(config, lagging, config.timeouts.request()).await {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        record_time::apply(&mut snapshot, &times, i64::try_from(now_ms).unwrap_or(i64::MAX));
    }
    let took = started.elapsed();
    watched
        .iter()
        .map(|w| {
            let judged = match snapshot.group(&w.group) {
                Some(g) => judge(g, w.topics.as_ref(), limits),
                None => {
                    fail(&w.group, vec![format!("group {} is unknown to the cluster", w.group)])
                }
            };
            judged.took(took)
        })
        .collect()
}

/// The group's partitions (those of `topics`) against the limits.
fn judge(g: &Group, topics: Option<&BTreeSet<String>>, limits: Limits) -> Check {
    let counted: Vec<&PartitionLag> =
        g.partitions.iter().filter(|p| topics.is_none_or(|t| t.contains(&p.topic))).collect();
    let mut failures: Vec<String> = topics
        .into_iter()
        .flatten()
        .filter(|t| !counted.iter().any(|p| &p.topic == *t))
        .map(|t| format!("{t}: nothing committed by {} (has it consumed yet?)", g.name))
        .collect();
    if topics.is_none() && counted.is_empty() {
        failures.push(format!("group {} has committed nothing", g.name));
    }
    failures.extend(counted.iter().filter_map(|p| over(p, limits)));
    if !failures.is_empty() {
        return fail(&g.name, failures);
    }
    let max = counted.iter().filter_map(|p| p.lag).max().unwrap_or(0);
    let secs = counted.iter().filter_map(|p| p.lag_seconds.map(|s| s.seconds)).fold(0.0, f64::max);
    let reason = format!(
        "max lag {max} offsets, {secs:.1}s on {} partition(s) (limits: {}, {}s)",
        counted.len(),
        limits.offsets.map_or("none".into(), |n| format!("{n} offsets")),
        limits.seconds
    );
    Check::new(Kind::Lag, &g.name, Outcome::Pass, reason)
}

/// Why a partition fails the limits, if it does.
fn over(p: &PartitionLag, limits: Limits) -> Option<String> {
    let at = format!("{}[{}]", p.topic, p.partition);
    if let Some(r) = &p.reason {
        return Some(format!("{at}: {r}"));
    }
    let Some(lag) = p.lag else {
        let why = p.error.clone().unwrap_or_else(|| "nothing committed".into());
        return Some(format!("{at}: lag unknown: {why}"));
    };
    if let Some(max) = limits.offsets.filter(|m| lag > *m) {
        return Some(format!("{at}: lag {lag} offsets > {max}"));
    }
    let secs = p.lag_seconds.map(|s| s.seconds)?;
    (secs > limits.seconds)
        .then(|| format!("{at}: {secs:.1}s behind > {}s ({lag} offsets)", limits.seconds))
}

fn fail(group: &str, failures: Vec<String>) -> Check {
    Check::new(Kind::Lag, group, Outcome::Fail, first_few(&failures, 2)).details(failures)
}

#[cfg(test)]
#[path = "lag_tests.rs"]
mod tests;

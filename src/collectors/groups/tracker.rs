//! What the groups collector remembers between polls, and how one poll's raw answers become a
//! snapshot. Pure: the probe does the I/O and hands over an [`Observation`], so the whole path
//! from offsets to verdicts is tested without a broker.
//!
//! Kept per partition: the (log-end, time) table for lag in seconds (shared by every group
//! reading the partition). Per group and partition: the commit window for Burrow's verdict.
//! Per group: the lag history. State for partitions and groups that disappear is dropped.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use super::committed::Committed;
use super::listing::Described;
use super::log_end::LogEnds;
use super::model::{Group, GroupsSnapshot, Member, PartitionLag, PartitionRef};
use crate::collectors::lag::history::{GroupHistory, Sample, eta_seconds};
use crate::collectors::lag::offset_lag;
use crate::collectors::lag::range::OutOfRange;
use crate::collectors::lag::seconds::LagTable;
use crate::collectors::lag::verdict::{Commit, CommitWindow, Rules, Verdict, group_verdict};

/// One poll's answers.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// Seconds since the Unix epoch.
    pub at: f64,
    pub groups: BTreeMap<String, Described>,
    pub listing_error: Option<String>,
    /// Partition ids of every topic in the metadata.
    pub topics: BTreeMap<String, Vec<i32>>,
    pub committed: HashMap<String, Result<Committed, String>>,
    pub log_ends: LogEnds,
    /// Log start offsets; a partition missing or failed here is only not checked against its
    /// start.
    pub log_starts: LogEnds,
}

#[derive(Debug, Default)]
pub struct Tracker {
    rules: Rules,
    tables: HashMap<(String, i32), LagTable>,
    windows: HashMap<(String, String, i32), CommitWindow>,
    histories: HashMap<String, GroupHistory>,
}

impl Tracker {
    pub fn new(rules: Rules) -> Self {
        Self { rules, ..Self::default() }
    }

    pub fn observe(&mut self, obs: Observation) -> GroupsSnapshot {
        let at = obs.at;
        self.tables.retain(|tp, _| obs.log_ends.contains_key(tp));
        for (tp, end) in &obs.log_ends {
            if let Ok(end) = end {
                self.tables.entry(tp.clone()).or_default().add(*end, at);
            }
        }
        let mut seen = BTreeSet::new();
        let groups = obs.groups.values().map(|d| self.group(d, &obs, &mut seen)).collect();
        self.windows.retain(|k, _| seen.contains(k));
        self.histories.retain(|g, _| obs.groups.contains_key(g));
        GroupsSnapshot { groups, listing_error: obs.listing_error }
    }

    fn group(
        &mut self,
        d: &Described,
        obs: &Observation,
        seen: &mut BTreeSet<(String, String, i32)>,
    ) -> Group {
        let empty = Committed::new();
        let (committed, error) = match obs.committed.get(&d.name) {
            Some(Ok(c)) => (c, None),
            Some(Err(e)) => (&empty, Some(e.clone())),
            None => (&empty, None),
        };
        let owners = owners(&d.members);
        let mut partitions = Vec::new();
        for (topic, ids) in group_partitions(committed, &owners, &obs.topics) {
            for partition in ids {
                let key = (d.name.clone(), topic.clone(), partition);
                partitions.push(self.partition(key, committed, &owners, obs, seen));
            }
        }
        let lagging = || partitions.iter().filter(|p| p.lag.is_some());
        let total_lag =
            lagging().map(|p| p.lag).sum::<Option<u64>>().filter(|_| lagging().next().is_some());
        let max_lag = lagging().filter_map(|p| p.lag).max();
        // Data lost first, then Burrow's order, then the largest lag.
        let worst_row = partitions
            .iter()
            .filter(|p| p.verdict > Verdict::Ok)
            .max_by_key(|p| (p.reason.is_some(), p.verdict, p.lag));
        let reason = worst_row.and_then(|w| out_of_range_reason(w, &partitions));
        let worst = worst_row.map(|p| PartitionRef {
            topic: p.topic.clone(),
            partition: p.partition,
            verdict: p.verdict,
        });
        let windows: Vec<f64> = lagging()
            .filter_map(|p| self.windows.get(&(d.name.clone(), p.topic.clone(), p.partition)))
            .map(|w| w.complete(&self.rules))
            .collect();
        let history = self.histories.entry(d.name.clone()).or_default();
        if let Some(total) = total_lag {
            history.push(Sample {
                at: obs.at,
                total_lag: total,
                consumed: lagging().filter_map(|p| p.current_offset).sum(),
                produced: lagging().filter_map(|p| p.log_end_offset).sum(),
                partitions: fingerprint(lagging().map(|p| (&p.topic, p.partition))),
            });
        }
        let rates = history.rates();
        let max_lag_seconds =
            partitions.iter().filter_map(|p| p.lag_seconds.map(|l| l.seconds)).reduce(f64::max);
        Group {
            name: d.name.clone(),
            state: d.state.clone(),
            protocol_type: d.protocol_type.clone(),
            protocol: d.protocol.clone(),
            members: d.members.clone(),
            total_lag,
            max_lag,
            max_lag_seconds,
            verdict: group_verdict(partitions.iter().map(|p| p.verdict)),
            worst,
            complete: if windows.is_empty() {
                0.0
            } else {
                windows.iter().sum::<f64>() / windows.len() as f64
            },
            rates,
            eta_seconds: total_lag.and_then(|t| eta_seconds(t, rates)),
            caught_up: super::model::keeping_up(total_lag, max_lag_seconds, rates),
            consumed_by: super::model::console_stage(&d.name),
            lag_history: history.lags(),
            error,
            reason,
            lost: partitions.iter().filter_map(|p| p.lost).reduce(u64::saturating_add),
            partitions,
        }
    }

    fn partition(
        &mut self,
        key: (String, String, i32),
        committed: &Committed,
        owners: &HashMap<(&str, i32), &Member>,
        obs: &Observation,
        seen: &mut BTreeSet<(String, String, i32)>,
    ) -> PartitionLag {
        let (_, topic, partition) = &key;
        let tp = (topic.clone(), *partition);
        let current = committed.get(&tp).copied();
        let (log_end, error) = match obs.log_ends.get(&tp) {
            Some(Ok(e)) => (Some(*e), None),
            Some(Err(e)) => (None, Some(e.clone())),
            None => (None, None),
        };
        let log_start = obs.log_starts.get(&tp).and_then(|r| r.as_ref().ok()).copied();
        let owner = owners.get(&(topic.as_str(), *partition));
        let out_of_range =
            current.zip(log_end).and_then(|(c, e)| OutOfRange::check(c, log_start, e));
        let lag = current
            .zip(log_end)
            .filter(|_| !matches!(out_of_range, Some(OutOfRange::BeyondEnd { .. })))
            .map(|(c, e)| offset_lag(e, c));
        let mut verdict = Verdict::Ok;
        if out_of_range.is_some() {
            // Data lost: ERR whatever the window says. The window is dropped (not `seen`), so a
            // reset offset starts a fresh one instead of reading as a REWIND.
            verdict = Verdict::Err;
        } else if let (Some(offset), Some(lag)) = (current, lag) {
            let window = self.windows.entry(key.clone()).or_default();
            window.observe(Commit { offset, at: obs.at, lag }, owner.is_some(), &self.rules);
            verdict = window.verdict(lag, obs.at, &self.rules);
            seen.insert(key.clone());
        }
        PartitionLag {
            lag_seconds: current
                .filter(|_| out_of_range.is_none())
                .and_then(|c| self.tables.get(&tp)?.lag_seconds(c, obs.at)),
            topic: tp.0,
            partition: tp.1,
            current_offset: current,
            log_start_offset: log_start,
            log_end_offset: log_end,
            lag,
            consumer_id: owner.map(|m| m.member_id.clone()),
            host: owner.map(|m| m.host.clone()),
            client_id: owner.map(|m| m.client_id.clone()),
            verdict,
            error,
            reason: out_of_range.map(OutOfRange::reason),
            lost: out_of_range.and_then(OutOfRange::lost),
        }
    }
}

/// The group's reason for data lost: its worst partition's, named, and how many more there are.
fn out_of_range_reason(worst: &PartitionLag, partitions: &[PartitionLag]) -> Option<String> {
    let reason = worst.reason.as_deref()?;
    let more = match partitions.iter().filter(|p| p.reason.is_some()).count() - 1 {
        0 => String::new(),
        1 => " (and 1 more partition)".to_string(),
        n => format!(" (and {n} more partitions)"),
    };
    Some(format!("{}[{}]: {reason}{more}", worst.topic, worst.partition))
}

/// (topic, partition) → the member assigned it.
fn owners(members: &[Member]) -> HashMap<(&str, i32), &Member> {
    let mut out = HashMap::new();
    for m in members {
        for t in m.assignment.iter().flatten() {
            for p in &t.partitions {
                out.insert((t.topic.as_str(), *p), m);
            }
        }
    }
    out
}

/// The group's rows: every partition of each topic it committed to or is assigned, as
/// kafka-consumer-groups shows them (a topic unknown to the metadata shows what is known of it).
fn group_partitions(
    committed: &Committed,
    owners: &HashMap<(&str, i32), &Member>,
    topics: &BTreeMap<String, Vec<i32>>,
) -> BTreeMap<String, BTreeSet<i32>> {
    let mut out: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    let known = committed.keys().map(|(t, p)| (t.as_str(), *p)).chain(owners.keys().copied());
    for (topic, partition) in known {
        out.entry(topic.to_string()).or_default().insert(partition);
    }
    for (topic, ids) in &mut out {
        ids.extend(topics.get(topic).into_iter().flatten());
    }
    out
}

fn fingerprint<'a>(partitions: impl Iterator<Item = (&'a String, i32)>) -> u64 {
    let mut h = DefaultHasher::new();
    for p in partitions {
        p.hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tests;

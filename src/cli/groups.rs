//! `cdc-console groups` and `lag`: the groups collector polled once (or for `--window`), with
//! lag in seconds read exactly from record timestamps, printed as tables or JSON.
//!
//! Exit codes: 0; 1 when a shown group's verdict is ERR (a partition STOP, STALL or REWIND);
//! 2 when the groups cannot be read or the named group does not exist.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::collectors::groups::{Group, GroupsSnapshot, Probe, record_time};
use crate::collectors::lag::seconds::{Estimate, LagSeconds};
use crate::config::Config;

/// What both commands print around the groups.
#[derive(Serialize)]
struct Report<T> {
    generated_at: String,
    brokers: String,
    /// Polls behind the verdicts (Burrow's rules need several commits per partition).
    samples: usize,
    /// How `lag_seconds` was obtained: one-shot commands read the record at the committed
    /// offset of each lagging partition.
    lag_seconds_method: &'static str,
    listing_error: Option<String>,
    groups: Vec<T>,
}

/// A group with a partition count instead of its rows, for `groups -o json`.
fn summary(g: &Group) -> serde_json::Result<serde_json::Value> {
    let mut v = serde_json::to_value(g)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("partitions");
        o.insert("partition_count".into(), g.partitions.len().into());
    }
    Ok(v)
}

pub async fn groups(config: &Config, window: Duration, output: Output) -> anyhow::Result<u8> {
    let (snapshot, samples) = sample(config, None, window).await?;
    match output {
        Output::Json => {
            let groups =
                snapshot.groups.iter().map(summary).collect::<serde_json::Result<Vec<_>>>()?;
            println!(
                "{}",
                serde_json::to_string_pretty(&report(
                    config,
                    samples,
                    snapshot.listing_error.clone(),
                    groups
                ))?
            );
        }
        Output::Table => print!("{}", render_groups(&snapshot)),
    }
    Ok(exit_code(&snapshot.groups))
}

pub async fn lag(
    config: &Config,
    group: Option<&str>,
    window: Duration,
    output: Output,
) -> anyhow::Result<u8> {
    let (snapshot, samples) = sample(config, group, window).await?;
    match output {
        Output::Json => {
            let r =
                report(config, samples, snapshot.listing_error.clone(), snapshot.groups.clone());
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
        Output::Table => print!("{}", render_lag(&snapshot, samples)),
    }
    Ok(exit_code(&snapshot.groups))
}

/// Polls every refresh interval for `window` (at least once), keeps only `only` when given (an
/// error when nobody knows it), then reads exact lag in seconds for what is shown.
async fn sample(
    config: &Config,
    only: Option<&str>,
    window: Duration,
) -> anyhow::Result<(GroupsSnapshot, usize)> {
    let mut probe = Probe::new(config).watch(only.map(str::to_string)).without_record_reads();
    let every = config.timeouts.refresh();
    let start = Instant::now();
    let mut snapshot = probe.collect().await?;
    let mut samples = 1;
    while start.elapsed() + every <= window {
        tokio::time::sleep(every).await;
        snapshot = probe.collect().await?;
        samples += 1;
    }
    if let Some(name) = only {
        snapshot.groups.retain(|g| g.name == name);
        let known =
            |g: &Group| !g.members.is_empty() || !g.partitions.is_empty() || g.state != "Unknown";
        if !snapshot.groups.iter().any(known) {
            anyhow::bail!(
                "consumer group {name:?} does not exist (no members, no committed offsets)"
            );
        }
    }
    let times =
        match record_time::read(config, record_time::lagging(&snapshot), config.timeouts.request())
            .await
        {
            Ok(t) => t,
            Err(e) => {
                eprintln!("cdc-console: lag in seconds unknown: {e}");
                Default::default()
            }
        };
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    record_time::apply(&mut snapshot, &times, now_ms);
    Ok((snapshot, samples))
}

fn report<T>(
    config: &Config,
    samples: usize,
    listing_error: Option<String>,
    groups: Vec<T>,
) -> Report<T> {
    Report {
        generated_at: crate::store::rfc3339(SystemTime::now()),
        brokers: config.kafka.brokers.clone(),
        samples,
        lag_seconds_method: record_time::METHOD,
        listing_error,
        groups,
    }
}

/// 1 (as a stage down) when a shown group's verdict is ERR.
fn exit_code(groups: &[Group]) -> u8 {
    if groups.iter().any(|g| g.verdict.is_error()) { EXIT_DOWN } else { EXIT_OK }
}

fn render_groups(s: &GroupsSnapshot) -> String {
    let mut t = Table::new(&[
        "group",
        "state",
        "protocol",
        "members",
        "partitions",
        "total-lag",
        "max-lag",
        "max-lag-s",
        "verdict",
        "eta",
    ]);
    for g in &s.groups {
        let protocol = [g.protocol_type.as_str(), g.protocol.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>();
        t.row(vec![
            g.name.clone(),
            g.state_word(),
            dash(Some(protocol.join("/")).filter(|p| !p.is_empty())),
            g.members.len().to_string(),
            g.partitions.len().to_string(),
            dash(g.total_lag),
            dash(g.max_lag),
            dash(g.max_lag_seconds.map(|s| format!("{s:.1}"))),
            g.verdict.to_string(),
            if g.caught_up { "caught up".into() } else { dash(g.eta_seconds.map(eta)) },
        ]);
    }
    let mut out = if t.is_empty() { "(no consumer groups)\n".to_string() } else { t.render() };
    for g in s.groups.iter().filter(|g| g.reason.is_some()) {
        out += &format!("{} ERR: {}\n", g.name, dash(g.reason.clone()));
    }
    out += &notes(s);
    out
}

fn render_lag(s: &GroupsSnapshot, samples: usize) -> String {
    let mut out = String::new();
    for g in &s.groups {
        let mut t = Table::new(&[
            "group",
            "topic",
            "partition",
            "current-offset",
            "log-end-offset",
            "lag",
            "consumer-id",
            "host",
            "client-id",
            "lag-seconds",
            "verdict",
        ]);
        for p in &g.partitions {
            t.row(vec![
                g.name.clone(),
                p.topic.clone(),
                p.partition.to_string(),
                dash(p.current_offset),
                dash(p.log_end_offset),
                dash(p.lag),
                dash(p.consumer_id.clone()),
                dash(p.host.clone()),
                dash(p.client_id.clone()),
                dash(p.lag_seconds.map(seconds)),
                p.verdict.to_string(),
            ]);
        }
        out += &if t.is_empty() {
            format!("Consumer group {:?} has no committed offsets.\n", g.name)
        } else {
            t.render()
        };
        let who = match &g.consumed_by {
            Some(stage) if g.members.is_empty() => format!(
                "consumed by the console's {stage} (it assigns its partitions itself: no members)"
            ),
            _ => format!("{}, {} member(s)", g.state, g.members.len()),
        };
        let catch_up = if g.caught_up {
            "caught up".to_string()
        } else {
            format!("catch-up {}", g.eta_seconds.map_or_else(|| "ETA unknown".into(), eta))
        };
        out += &format!(
            "{}: {who}, total lag {}, max lag {}, verdict {}{}, {catch_up}\n\n",
            g.name,
            dash(g.total_lag),
            dash(g.max_lag),
            g.verdict,
            g.worst
                .as_ref()
                .map(|w| format!(" ({}/{} {})", w.topic, w.partition, w.verdict))
                .unwrap_or_default(),
        );
        for p in g.partitions.iter().filter(|p| p.reason.is_some()) {
            out += &format!(
                "{} {}/{} ERR: {}\n",
                g.name,
                p.topic,
                p.partition,
                dash(p.reason.clone())
            );
        }
        if let Some(e) = &g.error {
            out += &format!("{}: committed offsets unavailable: {e}\n\n", g.name);
        }
    }
    if s.groups.is_empty() {
        out += "(no consumer groups)\n";
    }
    if samples < 3 {
        out += "Burrow's verdicts from a single poll are OK by rule (data lost is ERR at once); \
                use --window 30s to judge.\n";
    }
    out += &notes(s);
    out
}

fn notes(s: &GroupsSnapshot) -> String {
    s.listing_error
        .as_ref()
        .map(|e| format!("Note: the broker did not list groups ({e}).\n"))
        .unwrap_or_default()
}

fn dash(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

fn seconds(l: LagSeconds) -> String {
    let bound = if l.estimate == Estimate::AtLeast { "≥" } else { "" };
    format!("{bound}{:.1}", l.seconds)
}

fn eta(s: f64) -> String {
    humantime::format_duration(Duration::from_secs(s.round() as u64)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::lag::verdict::Verdict;

    fn group(name: &str, verdict: Verdict) -> Group {
        Group {
            name: name.into(),
            state: "Stable".into(),
            protocol_type: "consumer".into(),
            protocol: "range".into(),
            members: vec![],
            partitions: vec![],
            total_lag: Some(5),
            max_lag: Some(5),
            max_lag_seconds: None,
            verdict,
            worst: None,
            complete: 0.0,
            rates: None,
            eta_seconds: Some(90.0),
            caught_up: false,
            consumed_by: None,
            lag_history: vec![],
            error: None,
            reason: None,
            lost: None,
        }
    }

    #[test]
    fn exit_is_1_only_for_err() {
        assert_eq!(exit_code(&[group("a", Verdict::Ok), group("b", Verdict::Warn)]), EXIT_OK);
        assert_eq!(exit_code(&[group("a", Verdict::Ok), group("b", Verdict::Err)]), EXIT_DOWN);
    }

    #[test]
    fn out_of_range_partitions_are_worded_under_both_tables() {
        use crate::collectors::groups::PartitionLag;
        let reason = "committed offset 91418 is beyond the log end 33479: the topic was \
                      recreated or truncated; records written since are not being consumed";
        let mut g = group("g", Verdict::Err);
        g.reason = Some(format!("t[0]: {reason}"));
        g.partitions.push(PartitionLag {
            topic: "t".into(),
            partition: 0,
            current_offset: Some(91_418),
            log_start_offset: Some(0),
            log_end_offset: Some(33_479),
            lag: None,
            lag_seconds: None,
            consumer_id: None,
            host: None,
            client_id: None,
            verdict: Verdict::Err,
            error: None,
            reason: Some(reason.into()),
            lost: None,
        });
        let s = GroupsSnapshot { groups: vec![g], listing_error: None };
        let lag = render_lag(&s, 1);
        assert!(
            lag.contains("g      t      0          91418           33479           -  "),
            "{lag}"
        );
        assert!(lag.contains(&format!("\ng t/0 ERR: {reason}\n")), "{lag}");
        let groups = render_groups(&s);
        assert!(groups.contains(&format!("\ng ERR: t[0]: {reason}\n")), "{groups}");
        assert_eq!(exit_code(&s.groups), EXIT_DOWN);
    }

    #[test]
    fn groups_table_shows_a_dash_for_the_unknown() {
        let s = GroupsSnapshot {
            groups: vec![group("g", Verdict::Warn)],
            listing_error: Some("nope".into()),
        };
        let out = render_groups(&s);
        assert!(
            out.starts_with(
                "GROUP  STATE   PROTOCOL        MEMBERS  PARTITIONS  TOTAL-LAG  MAX-LAG  MAX-LAG-S  VERDICT  ETA\n"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "g      Stable  consumer/range  0        0           5          5        -          WARN     1m 30s\n"
            ),
            "{out}"
        );
        assert!(out.ends_with("Note: the broker did not list groups (nope).\n"), "{out}");
    }

    #[test]
    fn the_consoles_own_group_says_who_consumes_it_and_a_steady_small_lag_is_caught_up() {
        let mut g = group("cdc-console-replicator", Verdict::Ok);
        (g.state, g.eta_seconds) = ("Empty".into(), None);
        g.consumed_by = crate::collectors::groups::console_stage(&g.name);
        g.caught_up = true;
        let s = GroupsSnapshot { groups: vec![g], listing_error: None };
        let groups = render_groups(&s);
        assert!(groups.contains("cdc-console-replicator  console replicator"), "{groups}");
        assert!(groups.trim_end().ends_with("caught up") && !groups.contains("Empty"), "{groups}");
        let lag = render_lag(&s, 3);
        assert!(
            lag.contains(
                "cdc-console-replicator: consumed by the console's replicator (it assigns its partitions itself: no members), total lag 5, max lag 5, verdict OK, caught up\n"
            ),
            "{lag}"
        );
        assert!(!lag.contains("0 member(s)") && !lag.contains("ETA"), "{lag}");
    }
}

//! `cdc-console brokers` and `topics`: the Kafka collector's snapshot, printed once.
//!
//! Exit codes: 0 when all is well; 1 when a broker is down (`brokers`) or a listed partition is
//! offline, below min.insync.replicas (it refuses writes) or under-replicated, or a topic has an
//! error (`topics`), each named under `problems`; 2 when the cluster cannot be read at all.

use std::time::Duration;

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK, Output};
use crate::collectors::kafka::{Broker, BrokerState, KafkaSnapshot, Probe, Topic};
use crate::config::Config;

#[derive(Serialize)]
struct BrokersReport<'a> {
    cluster_id: Option<&'a str>,
    controller: Option<i32>,
    brokers: &'a [Broker],
    /// Why the exit code is 1.
    problems: Vec<String>,
    /// What could be read only in part (see `KafkaSnapshot::warnings`).
    warnings: &'a [String],
}

#[derive(Serialize)]
struct TopicsReport<'a> {
    topics: Vec<&'a Topic>,
    problems: Vec<String>,
    warnings: &'a [String],
}

pub async fn brokers(config: &Config, output: Output) -> anyhow::Result<u8> {
    let mut probe = Probe::new(config).without_offsets();
    let snap = match probe.collect().await {
        Ok(s) => s,
        Err(e) => return Ok(cannot_read(&e)),
    };
    let problems: Vec<String> = snap
        .brokers
        .iter()
        .filter(|b| b.is_down())
        .map(|b| {
            format!(
                "broker {} ({}) is down: {}",
                b.id,
                b.address(),
                b.reason.as_deref().unwrap_or("no reason given")
            )
        })
        .collect();
    match output {
        Output::Json => {
            let report = BrokersReport {
                cluster_id: snap.cluster_id.as_deref(),
                controller: snap.controller,
                brokers: &snap.brokers,
                problems: problems.clone(),
                warnings: &snap.warnings,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Output::Table => {
            print!("{}", brokers_table(&snap));
            warn(&snap.warnings);
        }
    }
    Ok(if problems.is_empty() { EXIT_OK } else { EXIT_DOWN })
}

/// How long `topics` waits between its two reads of the log-end offsets: a rate needs two, and a
/// second is what the TUI's refresh would give.
const RATE_WINDOW: Duration = Duration::from_secs(1);

pub async fn topics(config: &Config, internal: bool, output: Output) -> anyhow::Result<u8> {
    let mut probe = Probe::new(config);
    if let Err(e) = probe.collect().await {
        return Ok(cannot_read(&e));
    }
    tokio::time::sleep(RATE_WINDOW).await;
    let snap = match probe.collect().await {
        Ok(s) => s,
        Err(e) => return Ok(cannot_read(&e)),
    };
    let shown: Vec<&Topic> = snap.topics.iter().filter(|t| internal || !t.internal).collect();
    let problems = topic_problems(&shown);
    match output {
        Output::Json => {
            let report = TopicsReport {
                topics: shown,
                problems: problems.clone(),
                warnings: &snap.warnings,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Output::Table => {
            print!("{}", topics_table(&shown));
            warn(&snap.warnings);
        }
    }
    Ok(if problems.is_empty() { EXIT_OK } else { EXIT_DOWN })
}

fn cannot_read(e: &crate::collectors::CollectError) -> u8 {
    eprintln!("cdc-console: cannot read the Kafka cluster: {e}");
    EXIT_ERROR
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn topic_problems(topics: &[&Topic]) -> Vec<String> {
    let mut out = Vec::new();
    for t in topics {
        if let Some(e) = &t.error {
            out.push(format!("topic {}: {e}", t.name));
        }
        for p in &t.partition_details {
            if p.offline {
                out.push(format!("{}-{} is offline: no leader", t.name, p.id));
            } else if let (true, Some(min)) = (p.below_min_isr, t.min_insync_replicas) {
                out.push(format!("{}-{} refuses writes: {}", t.name, p.id, p.min_isr_reason(min)));
            } else if p.under_replicated {
                out.push(format!(
                    "{}-{} is under-replicated: ISR {:?} of replicas {:?}",
                    t.name, p.id, p.isr, p.replicas
                ));
            }
        }
    }
    out
}

fn brokers_table(snap: &KafkaSnapshot) -> String {
    let mut t = Table::new(&[
        "id",
        "host:port",
        "rack",
        "controller",
        "state",
        "client",
        "rtt avg",
        "rtt p99",
        "reason",
    ]);
    for b in &snap.brokers {
        let state = match b.state {
            BrokerState::Up => "UP",
            BrokerState::Down => "DOWN",
            BrokerState::Unknown => "UNKNOWN",
        };
        t.row(vec![
            b.id.to_string(),
            b.address(),
            dash(b.rack.clone()),
            if b.controller { "yes" } else { "" }.into(),
            state.into(),
            dash(b.client_state.clone()),
            millis(b.rtt_avg_ms),
            millis(b.rtt_p99_ms),
            b.reason.clone().unwrap_or_default(),
        ]);
    }
    let head = match &snap.cluster_id {
        Some(id) => format!("Cluster {id}, {} broker(s)\n", snap.brokers.len()),
        None => format!("{} broker(s)\n", snap.brokers.len()),
    };
    if t.is_empty() { head + "(no brokers)\n" } else { head + &t.render() }
}

/// A summary line per topic, then one line per partition, like `kafka-topics --describe`.
fn topics_table(topics: &[&Topic]) -> String {
    if topics.is_empty() {
        return "(no topics)\n".into();
    }
    let mut summary = Table::new(&[
        "topic",
        "partitions",
        "msg/s",
        "min isr",
        "below min isr",
        "under-replicated",
        "offline",
        "error",
    ]);
    let mut parts = Table::new(&[
        "topic",
        "partition",
        "leader",
        "replicas",
        "isr",
        "log start",
        "log end",
        "status",
    ]);
    for t in topics {
        summary.row(vec![
            t.name.clone(),
            t.partitions.to_string(),
            t.messages_per_sec.map_or_else(|| "-".into(), |r| format!("{r:.1}")),
            dash(t.min_insync_replicas.map(|m| m.to_string())),
            t.below_min_isr().to_string(),
            t.under_replicated().to_string(),
            t.offline().to_string(),
            t.error.clone().unwrap_or_default(),
        ]);
        for p in &t.partition_details {
            let status = if p.offline {
                "offline".to_string()
            } else if p.below_min_isr {
                "below-min-isr".into()
            } else if p.under_replicated {
                "under-replicated".into()
            } else {
                "ok".into()
            };
            let status = match p.problem(t.min_insync_replicas) {
                Some(e) => format!("{status}: {e}"),
                None => status,
            };
            parts.row(vec![
                t.name.clone(),
                p.id.to_string(),
                dash(p.leader.map(|l| l.to_string())),
                ids(&p.replicas),
                ids(&p.isr),
                dash(p.log_start_offset.map(|o| o.to_string())),
                dash(p.log_end_offset.map(|o| o.to_string())),
                status,
            ]);
        }
    }
    summary.render() + "\n" + &parts.render()
}

fn ids(v: &[i32]) -> String {
    v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

fn dash(s: Option<String>) -> String {
    s.unwrap_or_else(|| "-".into())
}

fn millis(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".into(), |m| format!("{m:.1}ms"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::kafka::Partition;

    #[test]
    fn partitions_print_with_leader_isr_and_status() {
        let t = Topic {
            name: "orders".into(),
            partitions: 2,
            messages_per_sec: Some(12.5),
            partition_details: vec![
                Partition {
                    log_start_offset: Some(0),
                    log_end_offset: Some(7),
                    ..Partition::from_metadata(0, 1, &[1, 2], &[1, 2], None)
                },
                Partition::from_metadata(1, -1, &[2, 1], &[2], None),
            ],
            ..Topic::default()
        };
        let text = topics_table(&[&t]);
        assert!(
            text.contains("orders  0          1       1,2       1,2  0          7        ok"),
            "{text}"
        );
        assert!(text.contains("offline") && text.contains("12.5"), "{text}");
        assert_eq!(topic_problems(&[&t]), vec!["orders-1 is offline: no leader"]);
    }

    #[test]
    fn a_partition_below_min_isr_is_a_problem_with_its_reason() {
        let mut t = Topic {
            name: "orders".into(),
            partitions: 2,
            partition_details: vec![
                Partition::from_metadata(0, 1, &[1, 2, 3], &[1, 2], None),
                Partition::from_metadata(1, 2, &[1, 2, 3], &[2], None),
            ],
            ..Topic::default()
        };
        t.apply_min_isr(Some(2));
        let reason =
            "1 in-sync replica of 3, below min.insync.replicas=2: writes with acks=all are refused";
        assert_eq!(
            topic_problems(&[&t]),
            [
                "orders-0 is under-replicated: ISR [1, 2] of replicas [1, 2, 3]".to_string(),
                format!("orders-1 refuses writes: {reason}"),
            ]
        );
        let text = topics_table(&[&t]);
        assert!(text.contains(&format!("below-min-isr: {reason}")), "{text}");
        assert!(
            text.contains("MIN ISR  BELOW MIN ISR")
                && text.contains("orders  2           -      2        1              2 "),
            "{text}"
        );
    }
}

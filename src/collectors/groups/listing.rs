//! Which groups exist and who is in them: ListGroups + DescribeGroups (rdkafka's
//! `fetch_group_list`), merged with the console's own consumers.
//!
//! Brokers differ in what they answer: Apache Kafka describes every group fully (checked against
//! kafka-consumer-groups in tests/stack_groups_cli.rs); some Kafka-protocol brokers list only groups
//! with committed offsets and leave members' client id, host and assignment empty; librdkafka's
//! mock cluster has neither ListGroups nor DescribeGroups ("Required feature not supported by
//! broker"). The merge fills each gap from what the console
//! knows first-hand and never overwrites what the broker said.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::kafka::CauseContext;

use super::assignment;
use super::error::GroupsError;
use super::model::{Member, MemberSource};
use super::own::OwnMember;

/// A group as the broker describes it, before offsets are added.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub name: String,
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub members: Vec<Member>,
}

impl Described {
    pub fn unknown(name: &str) -> Self {
        Self {
            name: name.to_string(),
            state: "Unknown".into(),
            protocol_type: String::new(),
            protocol: String::new(),
            members: Vec::new(),
        }
    }
}

/// Every group the broker lists, described (blocking).
pub fn list(
    client: &BaseConsumer<CauseContext>,
    timeout: Duration,
) -> Result<Vec<Described>, GroupsError> {
    let groups = client
        .fetch_group_list(None, timeout)
        .map_err(|e| GroupsError::Kafka { what: "listing groups", reason: e.to_string() })?;
    Ok(groups
        .groups()
        .iter()
        .map(|g| {
            let consumer = g.protocol_type() == "consumer";
            let members = g
                .members()
                .iter()
                .map(|m| Member {
                    member_id: m.id().to_string(),
                    client_id: m.client_id().to_string(),
                    host: m.client_host().to_string(),
                    // Connect's groups (protocol type "connect") use another format.
                    assignment: match m.assignment() {
                        Some(bytes) if consumer && !bytes.is_empty() => assignment::parse(bytes)
                            .inspect_err(|e| {
                                tracing::warn!(group = g.name(), member = m.id(), "{e}");
                            })
                            .ok(),
                        _ => None,
                    },
                    source: MemberSource::Broker,
                })
                .collect();
            Described {
                name: g.name().to_string(),
                state: g.state().to_string(),
                protocol_type: g.protocol_type().to_string(),
                protocol: g.protocol().to_string(),
                members,
            }
        })
        .collect())
}

/// Adds the console's own consumers to the broker's groups: a member the broker lists gets its
/// blank fields filled; one the broker does not list (or a group it does not describe) is added
/// with source "console". Groups named in `watched` appear even when nobody knows them yet.
pub fn merge(
    broker: Vec<Described>,
    own: &BTreeMap<String, Vec<OwnMember>>,
    watched: &[String],
) -> BTreeMap<String, Described> {
    let mut out: BTreeMap<String, Described> =
        broker.into_iter().map(|d| (d.name.clone(), d)).collect();
    for name in watched {
        out.entry(name.clone()).or_insert_with(|| Described::unknown(name));
    }
    for (group, members) in own {
        let d = out.entry(group.clone()).or_insert_with(|| Described::unknown(group));
        if d.protocol_type.is_empty() {
            d.protocol_type = "consumer".into();
        }
        for m in members.iter().filter(|m| !m.member_id.is_empty()) {
            match d.members.iter_mut().find(|b| b.member_id == m.member_id) {
                Some(b) => fill(b, m),
                None => d.members.push(Member {
                    member_id: m.member_id.clone(),
                    client_id: m.client_id.clone(),
                    host: m.host.clone(),
                    assignment: Some(m.assignment.clone()),
                    source: MemberSource::Console,
                }),
            }
        }
        d.members.sort_by(|a, b| a.member_id.cmp(&b.member_id));
    }
    out
}

fn fill(b: &mut Member, m: &OwnMember) {
    let mut filled = false;
    for (field, known) in [(&mut b.client_id, &m.client_id), (&mut b.host, &m.host)] {
        if field.is_empty() {
            field.clone_from(known);
            filled = true;
        }
    }
    if b.assignment.is_none() {
        b.assignment = Some(m.assignment.clone());
        filled = true;
    }
    if filled {
        b.source = MemberSource::Console;
    }
}

#[cfg(test)]
#[path = "listing_tests.rs"]
mod tests;

//! The merge of the broker's group descriptions with the console's own consumers.

use super::*;
use crate::collectors::groups::model::TopicAssignment;

fn own(group: &str, member: &str, client: &str, topics: &[(&str, &[i32])]) -> OwnMember {
    OwnMember {
        group: group.into(),
        member_id: member.into(),
        client_id: client.into(),
        host: "console-host".into(),
        assignment: topics
            .iter()
            .map(|(t, ps)| TopicAssignment { topic: (*t).into(), partitions: ps.to_vec() })
            .collect(),
    }
}

fn by_group(members: Vec<OwnMember>) -> BTreeMap<String, Vec<OwnMember>> {
    let mut m: BTreeMap<String, Vec<OwnMember>> = BTreeMap::new();
    for o in members {
        m.entry(o.group.clone()).or_default().push(o);
    }
    m
}

fn broker_member(
    id: &str,
    client: &str,
    host: &str,
    assignment: Option<Vec<TopicAssignment>>,
) -> Member {
    Member {
        member_id: id.into(),
        client_id: client.into(),
        host: host.into(),
        assignment,
        source: MemberSource::Broker,
    }
}

#[test]
fn a_broker_that_describes_nothing_gets_the_consoles_members() {
    let own = by_group(vec![
        own("g", "m-2", "c2", &[("t", &[1, 3])]),
        own("g", "m-1", "c1", &[("t", &[0, 2])]),
    ]);
    let merged = merge(Vec::new(), &own, &[]);
    let g = &merged["g"];
    assert_eq!(g.state, "Unknown");
    assert_eq!(g.protocol_type, "consumer");
    let ids: Vec<_> =
        g.members.iter().map(|m| (m.member_id.as_str(), m.client_id.as_str(), m.source)).collect();
    assert_eq!(ids, [("m-1", "c1", MemberSource::Console), ("m-2", "c2", MemberSource::Console)]);
    assert_eq!(g.members[1].assignment.as_ref().map(|a| a[0].partitions.clone()), Some(vec![1, 3]));
}

#[test]
fn blank_fields_from_the_broker_are_filled_and_known_ones_kept() {
    // A broker that lists the member without its client id, host and assignment.
    let sparse = Described {
        name: "g".into(),
        state: "Stable".into(),
        protocol_type: "consumer".into(),
        protocol: String::new(),
        members: vec![
            broker_member("m-1", "", "", None),
            broker_member("m-9", "other", "/10.0.0.9", None),
        ],
    };
    let own = by_group(vec![own("g", "m-1", "c1", &[("t", &[0])])]);
    let merged = merge(vec![sparse], &own, &[]);
    let m = &merged["g"].members;
    assert_eq!(
        (m[0].client_id.as_str(), m[0].host.as_str(), m[0].source),
        ("c1", "console-host", MemberSource::Console)
    );
    assert_eq!(m[0].assignment.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        (m[1].client_id.as_str(), m[1].source),
        ("other", MemberSource::Broker),
        "not ours: untouched"
    );

    // Apache Kafka: everything known, nothing replaced.
    let full = Described {
        name: "g".into(),
        state: "Stable".into(),
        protocol_type: "consumer".into(),
        protocol: "range".into(),
        members: vec![broker_member("m-1", "c1", "/127.0.0.1", Some(vec![]))],
    };
    let merged = merge(vec![full.clone()], &own, &[]);
    assert_eq!(merged["g"], full);
}

#[test]
fn watched_groups_appear_and_members_not_yet_joined_are_left_out() {
    let own = by_group(vec![own("g", "", "c1", &[])]);
    let merged = merge(Vec::new(), &own, &["w".to_string()]);
    assert_eq!(merged["w"], Described::unknown("w"));
    assert!(merged["g"].members.is_empty());
}

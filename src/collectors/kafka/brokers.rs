//! The broker list: metadata, DescribeCluster and the client's statistics merged into one
//! verdict per broker, remembering brokers between polls.
//!
//! Metadata lists only live brokers: a broker that dies simply vanishes from it (on Apache Kafka
//! and on the mock cluster alike). A console that showed metadata alone would show a three-broker
//! cluster shrinking to two, never a broker down. So every broker ever listed is remembered, and
//! one missing from the latest metadata is shown down, with where it was. A broker never listed
//! but still named as a replica is shown down too.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::cluster::ClusterInfo;
use super::metadata::Listed;
use super::model::{Broker, BrokerState};
use super::stats::Link;

#[derive(Debug, Default)]
pub struct KnownBrokers {
    /// Every broker listed so far with its last address and rack.
    seen: BTreeMap<i32, (Listed, Option<String>)>,
}

impl KnownBrokers {
    /// One broker per id ever listed or named as a replica, sorted by id.
    ///
    /// * `replicas`: broker ids the partitions name. A dead broker stays in its partitions'
    ///   replica lists, so even a first poll (a one-shot CLI) sees it; its address is then
    ///   unknown (empty host, port 0).
    /// * `cluster`: None when DescribeCluster failed this poll; racks then stay as last known
    ///   (they change only with a broker restart) and no broker is flagged controller.
    /// * `links`: None before the first statistics; states are then unknown rather than
    ///   guessed.
    pub fn merge(
        &mut self,
        listed: &[Listed],
        replicas: &BTreeSet<i32>,
        cluster: Option<&ClusterInfo>,
        links: Option<&HashMap<i32, Link>>,
    ) -> Vec<Broker> {
        for b in listed {
            let rack = match cluster {
                Some(c) => c.racks.get(&b.id).cloned().flatten(),
                None => self.seen.get(&b.id).and_then(|(_, r)| r.clone()),
            };
            self.seen.insert(b.id, (b.clone(), rack));
        }
        let ids: BTreeSet<i32> = self.seen.keys().chain(replicas).copied().collect();
        ids.into_iter()
            .map(|id| {
                let seen = self.seen.get(&id);
                let link = links.and_then(|l| l.get(&id));
                let listed_now = listed.iter().any(|b| b.id == id);
                let (state, reason) = verdict(listed_now, links.is_some(), link);
                Broker {
                    id,
                    host: seen.map(|(at, _)| at.host.clone()).unwrap_or_default(),
                    port: seen.map_or(0, |(at, _)| at.port),
                    rack: seen.and_then(|(_, rack)| rack.clone()),
                    controller: cluster.and_then(|c| c.controller) == Some(id),
                    state,
                    client_state: link.map(|l| l.state.clone()),
                    reason,
                    rtt_avg_ms: link.and_then(|l| l.rtt_avg_ms),
                    rtt_p99_ms: link.and_then(|l| l.rtt_p99_ms),
                }
            })
            .collect()
    }
}

/// Down when the cluster no longer lists the broker or the client cannot hold a connection to
/// it; up when listed and connected; unknown when the client has not said yet.
fn verdict(listed: bool, have_stats: bool, link: Option<&Link>) -> (BrokerState, Option<String>) {
    match (listed, link) {
        (false, link) => {
            let mut why = "missing from the cluster metadata: the cluster does not count it alive"
                .to_string();
            if let Some(l) = link.filter(|l| !l.is_up()) {
                why += &format!("; the client's connection is {}", l.state);
            }
            (BrokerState::Down, Some(why))
        }
        (true, Some(l)) if l.is_up() => (BrokerState::Up, None),
        (true, Some(l)) => {
            (BrokerState::Down, Some(format!("the client's connection is {}, not UP", l.state)))
        }
        (true, None) if have_stats => {
            (BrokerState::Unknown, Some("the client has not connected to it yet".into()))
        }
        (true, None) => (BrokerState::Unknown, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(ids: &[i32]) -> Vec<Listed> {
        ids.iter().map(|&id| Listed { id, host: "127.0.0.1".into(), port: 9000 + id }).collect()
    }

    fn link(state: &str) -> Link {
        Link { state: state.into(), rtt_avg_ms: Some(1.0), rtt_p99_ms: Some(2.0) }
    }

    #[test]
    fn a_broker_leaving_the_metadata_stays_listed_as_down() {
        let mut known = KnownBrokers::default();
        let none = BTreeSet::new();
        let cluster = ClusterInfo {
            cluster_id: Some("c".into()),
            controller: Some(2),
            racks: HashMap::from([(1, Some("a".into())), (2, None), (3, Some("c".into()))]),
        };
        let links = HashMap::from([(1, link("UP")), (2, link("UPDATE")), (3, link("UP"))]);
        let all = known.merge(&listed(&[1, 2, 3]), &none, Some(&cluster), Some(&links));
        assert!(all.iter().all(|b| b.state == BrokerState::Up), "{all:?}");
        assert_eq!(all.iter().filter(|b| b.controller).map(|b| b.id).collect::<Vec<_>>(), vec![2]);
        assert_eq!(all[0].rack.as_deref(), Some("a"));

        let links = HashMap::from([(1, link("UP")), (2, link("UP")), (3, link("CONNECT"))]);
        let after = known.merge(&listed(&[1, 2]), &none, None, Some(&links));
        assert_eq!(after.len(), 3);
        assert_eq!(after[2].state, BrokerState::Down);
        assert_eq!(after[2].port, 9003);
        assert_eq!(after[2].rack.as_deref(), Some("c"), "rack remembered");
        assert!(!after[1].controller, "no DescribeCluster answer, no controller flag");

        let listed_but_unreachable = known.merge(&listed(&[1, 2, 3]), &none, None, Some(&links));
        assert_eq!(listed_but_unreachable[2].state, BrokerState::Down);
        assert!(listed_but_unreachable[2].reason.as_deref().is_some_and(|r| r.contains("CONNECT")));

        let before_stats = known.merge(&listed(&[1]), &none, None, None);
        assert_eq!(before_stats[0].state, BrokerState::Unknown);
    }

    #[test]
    fn a_replica_never_listed_is_a_broker_down() {
        let mut fresh = KnownBrokers::default();
        let all =
            fresh.merge(&listed(&[1, 2]), &BTreeSet::from([1, 2, 3]), None, Some(&HashMap::new()));
        assert_eq!(all.len(), 3);
        assert_eq!((all[2].id, all[2].state, all[2].port), (3, BrokerState::Down, 0));
        assert_eq!(all[2].address(), "?");
    }
}

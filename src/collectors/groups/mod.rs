//! Consumer groups: members and assignments, committed offsets, lag per partition in offsets and
//! seconds, Burrow's verdicts, catch-up ETA and a short lag history.
//!
//! One poll, every blocking librdkafka call on the blocking pool and bounded by the timeout:
//! ```text
//!  Metadata ─────────────┐                     ┌─ log ends and starts: ListOffsets
//!                        ├─ committed offsets ─┤   "latest" and "earliest", per leader ─┐
//!  ListGroups+Describe ──┘  (one client, all   │                                      ├─ Tracker
//!   + own consumers         groups in flight)  └──────────────────────────────────────┘
//! ```
//! Only the metadata must answer, and once it has, a failed metadata request falls back to the
//! previous layout (a broker going down often fails the next metadata request first). A broker
//! that cannot list groups (the mock cluster) still yields the watched groups and the console's
//! own; a group whose offsets fail shows its error; a dead leader fails only its partitions.
//! The [`Tracker`](tracker::Tracker) keeps what lag in seconds and verdicts need between polls;
//! where its interpolation does not reach back to a committed offset, [`exact`] reads the record
//! there (cached, a bounded number per poll).

pub mod assignment;
mod committed;
pub mod error;
pub mod exact;
mod listing;
mod log_end;
mod model;
pub mod own;
pub mod record_time;
mod tracker;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rdkafka::Offset;
use rdkafka::consumer::{BaseConsumer, Consumer};

pub use error::GroupsError;
pub use listing::Described;
pub use model::{
    CAUGHT_UP_SECONDS, Group, GroupsSnapshot, Member, MemberSource, PartitionLag, PartitionRef,
    TopicAssignment, console_stage, keeping_up,
};
pub use tracker::{Observation, Tracker};

use super::{CollectError, Collector, UpdateKind};
use crate::collectors::lag::unix_seconds;
use crate::collectors::lag::verdict::Rules;
use crate::config::Config;
use crate::kafka::CauseContext;
use error::blocking;

/// Polls groups with one long-lived client and remembers what the lag algorithms need.
pub struct Probe {
    brokers: String,
    timeout: Duration,
    client: Result<Arc<BaseConsumer<CauseContext>>, GroupsError>,
    watched: Vec<String>,
    own: Option<own::OwnConsumers>,
    tracker: Tracker,
    /// None when the caller reads every record timestamp itself.
    exact: Option<exact::Exact>,
    /// The last topic layout the metadata gave.
    layout: Option<Layout>,
}

impl Probe {
    pub fn new(config: &Config) -> Self {
        let mut c = crate::kafka::client_config(config);
        // "latest" must be the high watermark, as kafka-consumer-groups shows it.
        c.set("isolation.level", "read_uncommitted");
        let client = c
            .create_with_context::<_, BaseConsumer<CauseContext>>(CauseContext::default())
            .map(Arc::new)
            .map_err(|e| GroupsError::Client(e.to_string()));
        Self {
            brokers: config.kafka.brokers.clone(),
            timeout: config.timeouts.request(),
            client,
            watched: Vec::new(),
            own: None,
            tracker: Tracker::new(Rules::default()),
            exact: Some(exact::Exact::new(config)),
            layout: None,
        }
    }

    /// Groups to show even when the broker does not list them (some Kafka-protocol brokers list
    /// only groups with commits; the mock cluster lists none).
    #[must_use]
    pub fn watch(mut self, groups: impl IntoIterator<Item = String>) -> Self {
        self.watched.extend(groups);
        self
    }

    /// The console's own consumers, whose members and assignments fill what the broker leaves out.
    #[must_use]
    pub fn with_own(mut self, own: own::OwnConsumers) -> Self {
        self.own = Some(own);
        self
    }

    /// Interpolation only, for a caller that reads the record at every lagging offset itself
    /// (the one-shot commands).
    #[must_use]
    pub fn without_record_reads(mut self) -> Self {
        self.exact = None;
        self
    }

    /// What reading records for lag in seconds has cost so far; None without record reads.
    pub fn read_stats(&self) -> Option<exact::ReadStats> {
        self.exact.as_ref().map(exact::Exact::stats)
    }

    pub async fn collect(&mut self) -> Result<GroupsSnapshot, CollectError> {
        let obs =
            self.observe().await.map_err(|e| self.explained(e).into_collect(&self.brokers))?;
        let at = obs.at;
        let mut snapshot = self.tracker.observe(obs);
        if let Some(exact) = &mut self.exact {
            exact.apply(&mut snapshot, at).await;
        }
        Ok(snapshot)
    }

    /// `e` with the cause librdkafka reported (an authentication or TLS failure, say) when the
    /// client knows one: its own errors say only "timed out" or "all brokers down".
    fn explained(&self, e: GroupsError) -> GroupsError {
        let cause = self.client.as_ref().ok().and_then(|c| c.context().cause.get());
        match (e, cause) {
            (GroupsError::Kafka { what, reason }, Some(cause)) => {
                GroupsError::Kafka { what, reason: format!("{cause} ({reason})") }
            }
            (GroupsError::Timeout { what, after }, Some(cause)) => GroupsError::Kafka {
                what,
                reason: format!("{cause} (no answer within {})", humantime::format_duration(after)),
            },
            (e, _) => e,
        }
    }

    /// One poll's I/O.
    async fn observe(&mut self) -> Result<Observation, GroupsError> {
        let client = self.client.clone()?;
        let t = self.timeout;
        let bound = t + Duration::from_millis(500);
        let at = unix_seconds(SystemTime::now());
        let (meta, listed) = tokio::join!(
            blocking("metadata", bound, {
                let client = client.clone();
                move || topics(&client, t)
            }),
            blocking("listing groups", bound, {
                let client = client.clone();
                move || listing::list(&client, t)
            }),
        );
        let mut notes = Vec::new();
        let Layout { topics, leaders } = match (meta, &self.layout) {
            (Ok(fresh), _) => self.layout.insert(fresh).clone(),
            (Err(e), Some(last)) => {
                notes.push(format!("{e}; using the previous poll's partitions"));
                last.clone()
            }
            (Err(e), None) => return Err(e),
        };
        let described = listed.unwrap_or_else(|e| {
            notes.push(e.to_string());
            Vec::new()
        });
        let listing_error = (!notes.is_empty()).then(|| notes.join("; "));
        let own = self.own.as_ref().map(own::OwnConsumers::by_group).unwrap_or_default();
        let groups = listing::merge(described, &own, &self.watched);
        // Connect's worker groups never commit offsets; asking would cost a full scan each.
        let names: Vec<String> = groups
            .values()
            .filter(|d| matches!(d.protocol_type.as_str(), "" | "consumer"))
            .map(|d| d.name.clone())
            .collect();
        let all: Vec<(String, Vec<i32>)> =
            topics.iter().map(|(t, ids)| (t.clone(), ids.clone())).collect();
        let committed = blocking("committed offsets", bound, {
            let client = client.clone();
            let names = names.clone();
            move || Ok(committed::fetch(client.client(), &names, &all, t))
        })
        .await
        .unwrap_or_else(|e| names.iter().map(|g| (g.clone(), Err(e.to_string()))).collect());
        let wanted = wanted_topics(&committed, &groups);
        let mut by_leader: BTreeMap<i32, Vec<(String, i32)>> = BTreeMap::new();
        for ((topic, partition), leader) in
            leaders.into_iter().filter(|((topic, _), _)| wanted.contains(topic))
        {
            by_leader.entry(leader).or_default().push((topic, partition));
        }
        let led = by_leader.split_off(&0);
        let (mut log_ends, log_starts) = tokio::join!(
            log_end::fetch(client.clone(), led.clone(), Offset::End, t),
            log_end::fetch(client, led, Offset::Beginning, t),
        );
        // Leader -1: no leader elected, nobody to ask.
        log_ends
            .extend(by_leader.into_values().flatten().map(|tp| (tp, Err("no leader".to_string()))));
        Ok(Observation { at, groups, listing_error, topics, committed, log_ends, log_starts })
    }
}

impl Collector for Probe {
    async fn poll(&mut self) -> UpdateKind {
        UpdateKind::Groups(self.collect().await)
    }
}

/// Partition ids per topic and each partition's leader.
#[derive(Debug, Clone)]
struct Layout {
    topics: BTreeMap<String, Vec<i32>>,
    leaders: BTreeMap<(String, i32), i32>,
}

/// The topic layout from the metadata (blocking).
fn topics(client: &BaseConsumer<CauseContext>, timeout: Duration) -> Result<Layout, GroupsError> {
    // Nothing else polls this client; its queue still collects error events (a broker down for
    // hours means one every few seconds), so each poll drains it.
    for _ in 0..1000 {
        if client.poll(Duration::ZERO).is_none() {
            break;
        }
    }
    let m = client.fetch_metadata(None, timeout).map_err(|e| {
        // The cause (TLS, SASL) is in the queue's logs and errors.
        crate::kafka::cause::drain(client);
        GroupsError::Kafka { what: "metadata", reason: e.to_string() }
    })?;
    let mut ids = BTreeMap::new();
    let mut leaders = BTreeMap::new();
    for t in m.topics().iter().filter(|t| t.error().is_none()) {
        ids.insert(
            t.name().to_string(),
            t.partitions().iter().map(rdkafka::metadata::MetadataPartition::id).collect(),
        );
        leaders.extend(t.partitions().iter().map(|p| ((t.name().to_string(), p.id()), p.leader())));
    }
    Ok(Layout { topics: ids, leaders })
}

/// Topics some group committed to or is assigned: the only ones whose log ends matter.
fn wanted_topics(
    committed: &std::collections::HashMap<String, Result<committed::Committed, String>>,
    groups: &BTreeMap<String, Described>,
) -> BTreeSet<String> {
    let from_commits =
        committed.values().flat_map(|r| r.iter().flat_map(|c| c.keys().map(|(t, _)| t.clone())));
    let from_members = groups
        .values()
        .flat_map(|d| &d.members)
        .flat_map(|m| m.assignment.iter().flatten().map(|a| a.topic.clone()));
    from_commits.chain(from_members).collect()
}

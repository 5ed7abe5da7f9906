//! Each topic's effective `min.insync.replicas`, read with the Admin API's DescribeConfigs and
//! cached between polls.
//!
//! Metadata does not carry it, yet it is what turns a shrunk ISR from a warning into a stall:
//! with acks=all (Debezium through Connect, the console's own producers) a partition with fewer
//! in-sync replicas refuses every write. The value changes only when someone alters a topic or
//! the brokers' defaults, so it is read for new topics at once, for every topic each
//! [`REFRESH`], and [`RETRY`] after a failure. A failure never fails the poll: the last known
//! values stay, and the failure stays in the snapshot's warnings until a read succeeds.
//!
//! librdkafka sends a topic DescribeConfigs to the controller and first waits to learn which
//! broker that is; the request goes instead to the broker that has just answered the probe's
//! metadata, as DescribeCluster does (see `cluster`): any broker answers it, and on the mock
//! cluster, whose controller is none of its brokers, the wait would always time out.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{
    AdminClient, AdminOptions, ConfigResource, OwnedResourceSpecifier, ResourceSpecifier,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::error::ProbeError;
use super::model::Topic;

/// How often every topic is read again, for configs altered since.
const REFRESH: Duration = Duration::from_secs(300);
/// How long after a failed read the topics still unknown are asked again.
const RETRY: Duration = Duration::from_secs(30);
const KEY: &str = "min.insync.replicas";

/// The cache, and the admin client that fills it (made on first use: `brokers` never needs it).
pub struct MinIsr {
    config: ClientConfig,
    admin: Option<AdminClient<DefaultClientContext>>,
    known: HashMap<String, i32>,
    /// Topics answered for since the last full read, with a value or without one.
    answered: HashSet<String>,
    /// When every listed topic was last read; None before the first full read.
    full_read: Option<Instant>,
    /// The last failure and when it happened; cleared by a read that fully succeeds.
    failed: Option<(Instant, ProbeError)>,
}

impl MinIsr {
    pub fn new(config: ClientConfig) -> Self {
        Self {
            config,
            admin: None,
            known: HashMap::new(),
            answered: HashSet::new(),
            full_read: None,
            failed: None,
        }
    }

    /// Reads what is due for the topics `names` (all of them, the new ones, or none) from broker
    /// `via` (None: the controller), the request bounded by `timeout`.
    pub async fn refresh(&mut self, names: &[String], via: Option<i32>, timeout: Duration) {
        let now = Instant::now();
        let listed: HashSet<&String> = names.iter().collect();
        self.known.retain(|name, _| listed.contains(name));
        self.answered.retain(|name| listed.contains(name));
        let (due, full) = self.due(names, now);
        if due.is_empty() {
            return;
        }
        let outcome = match self.admin() {
            Ok(admin) => describe(admin, &due, via, timeout).await,
            Err(reason) => Err(reason),
        };
        let (at, asked) = (Instant::now(), what(&due));
        match outcome {
            Ok(read) => {
                let missing: Vec<&String> =
                    due.iter().filter(|name| !read.contains_key(*name)).collect();
                self.known.extend(read);
                self.answered
                    .extend(due.iter().filter(|name| self.known.contains_key(*name)).cloned());
                if full {
                    self.full_read = Some(at);
                }
                self.failed = (!missing.is_empty()).then(|| {
                    let reason = format!("the answer had no {KEY} (no DescribeConfigs permission, or a topic just deleted?)");
                    (at, ProbeError::TopicConfigs { topics: what(&missing), reason })
                });
            }
            // A cluster without DescribeConfigs (librdkafka's mock) has nothing to read: the
            // values stay unknown, and saying so on every poll would only hide real warnings.
            Err(Failure::Unsupported) => {
                self.answered.extend(due);
                self.full_read = self.full_read.or(Some(at));
                self.failed = None;
            }
            Err(Failure::Other(reason)) => {
                self.failed = Some((at, ProbeError::TopicConfigs { topics: asked, reason }));
            }
        }
    }

    /// Sets each topic's value and flags its partitions; returns the standing failure, if any,
    /// for the snapshot's warnings.
    pub fn apply(&self, topics: &mut [Topic]) -> Option<String> {
        for t in topics.iter_mut() {
            t.apply_min_isr(self.known.get(&t.name).copied());
        }
        self.failed.as_ref().map(|(_, e)| e.to_string())
    }

    /// The topics to read now, and whether that is a full read.
    fn due(&self, names: &[String], now: Instant) -> (Vec<String>, bool) {
        if self.failed.as_ref().is_some_and(|(at, _)| now.saturating_duration_since(*at) < RETRY) {
            return (Vec::new(), false);
        }
        if self.full_read.is_none_or(|at| now.saturating_duration_since(at) >= REFRESH) {
            return (names.to_vec(), true);
        }
        (names.iter().filter(|name| !self.answered.contains(*name)).cloned().collect(), false)
    }

    fn admin(&mut self) -> Result<&AdminClient<DefaultClientContext>, Failure> {
        if self.admin.is_none() {
            let admin = self
                .config
                .create()
                .map_err(|e| Failure::Other(format!("cannot create a Kafka admin client: {e}")))?;
            self.admin = Some(admin);
        }
        self.admin.as_ref().ok_or_else(|| Failure::Other("no admin client".into()))
    }
}

enum Failure {
    /// The brokers do not implement DescribeConfigs.
    Unsupported,
    Other(String),
}

/// One DescribeConfigs request for `names`: the value per topic that had one in the answer.
async fn describe(
    admin: &AdminClient<DefaultClientContext>,
    names: &[String],
    via: Option<i32>,
    timeout: Duration,
) -> Result<HashMap<String, i32>, Failure> {
    let specs: Vec<ResourceSpecifier> = names.iter().map(|n| ResourceSpecifier::Topic(n)).collect();
    let options = AdminOptions::new().request_timeout(Some(timeout)).broker_id(via);
    // A little past the request timeout, so librdkafka reports its own timeout first.
    let answer = tokio::time::timeout(
        timeout + Duration::from_millis(500),
        admin.describe_configs(&specs, &options),
    )
    .await;
    match answer {
        Err(_) => {
            Err(Failure::Other(format!("no answer within {}", humantime::format_duration(timeout))))
        }
        Ok(Err(KafkaError::AdminOp(RDKafkaErrorCode::UnsupportedFeature))) => {
            Err(Failure::Unsupported)
        }
        Ok(Err(e)) => Err(Failure::Other(e.to_string())),
        // rdkafka drops a resource's own error code and returns it without entries: such a
        // topic is simply left out here.
        Ok(Ok(resources)) => {
            Ok(resources.into_iter().flatten().filter_map(|r| value(&r)).collect())
        }
    }
}

/// The topic's name and parsed value, when the resource is a topic with the entry.
fn value(r: &ConfigResource) -> Option<(String, i32)> {
    let OwnedResourceSpecifier::Topic(name) = &r.specifier else { return None };
    let min = r.get(KEY)?.value.as_deref()?.trim().parse().ok()?;
    Some((name.clone(), min))
}

/// "topic orders" or "3 topics", for a warning.
fn what<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [one] => format!("topic {}", one.as_ref()),
        many => format!("{} topics", many.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn reads_all_then_new_topics_and_waits_after_a_failure() {
        let t0 = Instant::now();
        let mut c = MinIsr::new(ClientConfig::new());
        let (all, full) = c.due(&names(&["a", "b"]), t0);
        assert_eq!((all, full), (names(&["a", "b"]), true), "the first read is a full one");

        c.known.insert("a".into(), 2);
        c.answered.extend(names(&["a", "b"]));
        c.full_read = Some(t0);
        assert_eq!(
            c.due(&names(&["a", "b"]), t0 + Duration::from_secs(5)),
            (vec![], false),
            "nothing new"
        );
        assert_eq!(
            c.due(&names(&["a", "b", "c"]), t0 + Duration::from_secs(5)),
            (names(&["c"]), false)
        );
        assert_eq!(c.due(&names(&["a", "b"]), t0 + REFRESH), (names(&["a", "b"]), true));

        let failure =
            ProbeError::TopicConfigs { topics: what(&["c"]), reason: "no answer within 5s".into() };
        c.failed = Some((t0, failure));
        assert_eq!(
            c.due(&names(&["a", "c"]), t0 + Duration::from_secs(5)),
            (vec![], false),
            "not before RETRY"
        );
        assert_eq!(c.due(&names(&["a", "c"]), t0 + RETRY), (names(&["c"]), false));

        let mut topics = vec![
            Topic { name: "a".into(), ..Topic::default() },
            Topic { name: "c".into(), ..Topic::default() },
        ];
        let warning = c.apply(&mut topics);
        assert_eq!(
            (topics[0].min_insync_replicas, topics[1].min_insync_replicas),
            (Some(2), None),
            "the last known value is kept"
        );
        assert_eq!(
            warning.as_deref(),
            Some(
                "min.insync.replicas of topic c unknown: no answer within 5s (last known values kept; retried within a minute)"
            )
        );
        assert_eq!(what(&["a", "b", "c"]), "3 topics");
    }
}

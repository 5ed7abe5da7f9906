//! Client-side broker health from librdkafka's statistics: the state of the client's connection
//! to each broker and the round-trip time of its requests.
//!
//! Metadata only lists the brokers the cluster believes alive; it cannot say that this machine
//! cannot reach one, or that one answers slowly. librdkafka already tracks both per broker and
//! emits them every `statistics.interval.ms` as JSON; the context below keeps the latest.
//! Statistics are delivered only while someone polls the client, so the probe calls [`serve`]
//! before it reads them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::{ClientContext, Statistics};

use crate::kafka::LastCause;

/// How often librdkafka emits statistics. librdkafka's granularity is 1 s; a shorter interval
/// would not be honoured, and a longer one would make a broker's fall show later than the poll
/// that could see it. Each emission is parsed in full, which grows with the partitions the client
/// tracks, so it is not set lower than the refresh interval needs.
pub const STATISTICS_INTERVAL: Duration = Duration::from_secs(1);

/// The client's view of one broker, by node id.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// UP, DOWN, INIT, CONNECT, TRY_CONNECT, APIVERSION_QUERY, AUTH_*, UPDATE…
    pub state: String,
    pub rtt_avg_ms: Option<f64>,
    pub rtt_p99_ms: Option<f64>,
}

impl Link {
    /// UPDATE is librdkafka's transient "up, and metadata changed" state, not a disconnection.
    pub fn is_up(&self) -> bool {
        matches!(self.state.as_str(), "UP" | "UPDATE")
    }
}

/// The client's context: keeps the latest statistics, stamped when they arrived, and the last
/// cause of failure librdkafka reported.
#[derive(Default)]
pub struct StatsContext {
    latest: Mutex<Option<(Instant, Statistics)>>,
    pub cause: LastCause,
}

impl ClientContext for StatsContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        crate::kafka::cause::log(&self.cause, level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.cause.record_error(&error, reason);
        tracing::warn!(target: "librdkafka", "{error}: {reason}");
    }

    fn stats(&self, mut statistics: Statistics) {
        // Per-topic figures are not read, and they are what grows with the cluster.
        statistics.topics.clear();
        let mut latest = self.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *latest = Some((Instant::now(), statistics));
    }
}

impl ConsumerContext for StatsContext {}

impl StatsContext {
    /// When the latest statistics arrived; None before the first.
    pub fn received_at(&self) -> Option<Instant> {
        self.latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|(at, _)| *at)
    }

    /// The latest view of each broker the client knows by node id; None before the first
    /// statistics. Bootstrap entries (node id -1) are left out: they name an address, not a
    /// broker, and the learned entry for the same broker carries its state.
    pub fn links(&self) -> Option<HashMap<i32, Link>> {
        let latest = self.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (_, stats) = latest.as_ref()?;
        Some(links_of(stats))
    }
}

fn links_of(stats: &Statistics) -> HashMap<i32, Link> {
    stats
        .brokers
        .values()
        .filter(|b| b.nodeid >= 0)
        .map(|b| {
            // librdkafka's windows are in microseconds; an empty window reads as zeros.
            let rtt = b.rtt.as_ref().filter(|w| w.cnt > 0);
            let link = Link {
                state: b.state.clone(),
                rtt_avg_ms: rtt.map(|w| w.avg as f64 / 1000.0),
                rtt_p99_ms: rtt.map(|w| w.p99 as f64 / 1000.0),
            };
            (b.nodeid, link)
        })
        .collect()
}

/// Serves the client's queue for up to `budget`, which is what delivers statistics to the
/// context. Client error events met on the way (a broker connection refused…) are left to the
/// context's default handler, which logs them: the broker list says the same per broker.
pub fn serve(client: &BaseConsumer<StatsContext>, budget: Duration) {
    let started = Instant::now();
    // `poll` returns early only for an error event (no message can come without an
    // assignment); otherwise it serves events until the budget is spent.
    while let Some(left) = budget.checked_sub(started.elapsed()).filter(|d| !d.is_zero()) {
        if client.poll(left).is_none() {
            break;
        }
    }
}

/// Serves the queue until statistics newer than `after` arrive or `deadline` passes; how the
/// first poll (and so a one-shot CLI command) gets a state for every broker instead of
/// "unknown".
pub fn await_fresh(client: &BaseConsumer<StatsContext>, after: Instant, deadline: Instant) {
    while client.context().received_at().is_none_or(|at| at <= after) {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { return };
        serve(client, left.min(Duration::from_millis(100)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_come_from_learned_brokers_only() {
        let json = r#"{"name":"c","client_id":"c","type":"consumer","ts":1,"time":1,"age":1,
            "replyq":0,"msg_cnt":0,"msg_size":0,"msg_max":0,"msg_size_max":0,"simple_cnt":0,
            "metadata_cache_cnt":0,"tx":0,"tx_bytes":0,"rx":0,"rx_bytes":0,"txmsgs":0,
            "txmsg_bytes":0,"rxmsgs":0,"rxmsg_bytes":0,"topics":{},
            "brokers":{
              "127.0.0.1:9092/bootstrap":{"name":"127.0.0.1:9092/bootstrap","nodeid":-1,"nodename":"127.0.0.1:9092","source":"configured","state":"UP","stateage":1,"outbuf_cnt":0,"outbuf_msg_cnt":0,"waitresp_cnt":0,"waitresp_msg_cnt":0,"tx":0,"txbytes":0,"txerrs":0,"txretries":0,"txidle":0,"req_timeouts":0,"rx":0,"rxbytes":0,"rxerrs":0,"rxcorriderrs":0,"rxpartial":0,"rxidle":0,"req":{},"zbuf_grow":0,"buf_grow":0,"toppars":{}},
              "127.0.0.1:9092/2":{"name":"127.0.0.1:9092/2","nodeid":2,"nodename":"127.0.0.1:9092","source":"learned","state":"CONNECT","stateage":1,"outbuf_cnt":0,"outbuf_msg_cnt":0,"waitresp_cnt":0,"waitresp_msg_cnt":0,"tx":0,"txbytes":0,"txerrs":0,"txretries":0,"txidle":0,"req_timeouts":0,"rx":0,"rxbytes":0,"rxerrs":0,"rxcorriderrs":0,"rxpartial":0,"rxidle":0,"req":{},"zbuf_grow":0,"buf_grow":0,"toppars":{},
                 "rtt":{"min":900,"max":3000,"avg":1500,"sum":3000,"cnt":2,"stddev":1,"hdrsize":1,"p50":1000,"p75":2000,"p90":3000,"p95":3000,"p99":3000,"p99_99":3000,"outofrange":0}}
            }}"#;
        let stats: Statistics = serde_json::from_str(json).expect("statistics parse");
        let links = links_of(&stats);
        assert_eq!(links.len(), 1);
        let two = &links[&2];
        assert_eq!(two.state, "CONNECT");
        assert!(!two.is_up());
        assert_eq!((two.rtt_avg_ms, two.rtt_p99_ms), (Some(1.5), Some(3.0)));
    }
}

//! Every metric family the console exports: its name, help, type and label set, registered in
//! one place so the exposition, the README and the dashboards agree on them.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::TypedMetric;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Metric, Registry};

use super::labels::{
    AlertsL, BackendL, BrokerL, ConnectorL, ConnectorStateL, ConsumerL, GroupL, GroupVerdictL,
    LatencyL, PartitionL, PartitionVerdictL, SlotL, SlotWalL, StageL, TaskStateL, TopicL,
};

/// A gauge with a fractional value (seconds, rates).
pub type FloatGauge = Gauge<f64, AtomicU64>;

/// The families of one exposition; `render` fills them from the store.
#[derive(Default)]
pub struct Families {
    pub backend_up: Family<BackendL, Gauge>,
    pub stage_state: Family<StageL, Gauge>,
    pub connector_state: Family<ConnectorStateL, Gauge>,
    pub task_state: Family<TaskStateL, Gauge>,
    pub auto_restarts: Family<ConnectorL, Counter>,
    pub broker_up: Family<BrokerL, Gauge>,
    pub topic_partitions: Family<TopicL, Gauge>,
    pub under_replicated: Family<TopicL, Gauge>,
    pub offline: Family<TopicL, Gauge>,
    pub below_min_isr: Family<TopicL, Gauge>,
    pub topic_rate: Family<TopicL, FloatGauge>,
    pub group_lag: Family<PartitionL, Gauge>,
    pub group_lag_seconds: Family<PartitionL, FloatGauge>,
    pub group_total_lag: Family<GroupL, Gauge>,
    pub group_max_lag_seconds: Family<GroupL, FloatGauge>,
    pub group_members: Family<GroupL, Gauge>,
    pub group_verdict: Family<GroupVerdictL, Gauge>,
    pub partition_verdict: Family<PartitionVerdictL, Gauge>,
    pub lost_records: Family<PartitionL, Gauge>,
    pub slot_lag: Family<SlotL, Gauge>,
    pub slot_retained: Family<SlotL, Gauge>,
    pub slot_active: Family<SlotL, Gauge>,
    pub slot_wal_status: Family<SlotWalL, Gauge>,
    pub slot_guard_level: Family<SlotL, Gauge>,
    pub slot_seconds_to_limit: Family<SlotL, Gauge>,
    pub source_changes: FloatGauge,
    pub dead_letters: Family<ConsumerL, Gauge>,
    pub dead_letters_redriven: Family<ConsumerL, Gauge>,
    pub latency: Family<LatencyL, FloatGauge>,
    pub alerts: Family<AlertsL, Gauge>,
    pub alert_rule_errors: Gauge,
}

impl Families {
    /// A registry holding every family, in the order the exposition lists them, and their
    /// names and types as exposed. The library appends a full stop to each help and `_total` to
    /// counters.
    pub fn registry(&self) -> (Registry, Vec<(String, &'static str)>) {
        let mut r = Reg::default();
        self.register_pipeline(&mut r);
        self.register_kafka(&mut r);
        self.register_groups(&mut r);
        self.register_source(&mut r);
        (r.registry, r.exposed)
    }

    fn register_pipeline(&self, r: &mut Reg) {
        let f = self;
        r.register(
            "cdc_backend_up",
            "1 when the backend answered its last poll",
            f.backend_up.clone(),
        );
        r.register(
            "cdc_stage_state",
            "1 for each pipeline stage's current state (up, degraded, down, unknown)",
            f.stage_state.clone(),
        );
        r.register(
            "cdc_connector_state",
            "1 for the connector's current state",
            f.connector_state.clone(),
        );
        r.register(
            "cdc_connector_task_state",
            "1 for each task's current state",
            f.task_state.clone(),
        );
        r.register(
            "cdc_connector_auto_restarts",
            "Restarts the console's auto-restart made of an opted-in connector since it started",
            f.auto_restarts.clone(),
        );
        r.register("cdc_alerts", "Alerts of the console's rules by state (firing, pending, resolved in the last hour) and severity", f.alerts.clone());
        r.register(
            "cdc_alert_rule_errors",
            "Alert rules that could not be evaluated",
            f.alert_rule_errors.clone(),
        );
        r.register(
            "cdc_latency_seconds",
            "Per-stage latency percentiles over the last minute",
            f.latency.clone(),
        );
    }

    fn register_kafka(&self, r: &mut Reg) {
        let f = self;
        r.register(
            "cdc_broker_up",
            "1 when the broker is up, 0 when down (absent while unknown)",
            f.broker_up.clone(),
        );
        r.register("cdc_topic_partitions", "Partitions of the topic", f.topic_partitions.clone());
        r.register(
            "cdc_topic_under_replicated_partitions",
            "Partitions with fewer in-sync replicas than replicas",
            f.under_replicated.clone(),
        );
        r.register(
            "cdc_topic_offline_partitions",
            "Partitions without a leader",
            f.offline.clone(),
        );
        r.register("cdc_topic_below_min_isr_partitions", "Partitions with fewer in-sync replicas than min.insync.replicas (writes with acks=all refused)", f.below_min_isr.clone());
        r.register(
            "cdc_topic_messages_per_second",
            "Records appended to the topic per second over the last two polls",
            f.topic_rate.clone(),
        );
    }

    fn register_groups(&self, r: &mut Reg) {
        let f = self;
        r.register(
            "cdc_group_lag",
            "Log-end offset minus committed offset, per partition",
            f.group_lag.clone(),
        );
        r.register(
            "cdc_group_lag_seconds",
            "How far behind the committed offset is, in seconds, per partition",
            f.group_lag_seconds.clone(),
        );
        r.register(
            "cdc_group_total_lag",
            "Sum of the group's partition lags",
            f.group_total_lag.clone(),
        );
        r.register(
            "cdc_group_max_lag_seconds",
            "The group's worst partition lag in seconds",
            f.group_max_lag_seconds.clone(),
        );
        r.register("cdc_group_members", "Members of the consumer group", f.group_members.clone());
        r.register(
            "cdc_group_verdict",
            "1 for the group's current Burrow verdict",
            f.group_verdict.clone(),
        );
        r.register(
            "cdc_group_partition_verdict",
            "1 for each partition's current Burrow verdict",
            f.partition_verdict.clone(),
        );
        r.register(
            "cdc_group_lost_records",
            "Records retention deleted before the group consumed them (committed before the log start)",
            f.lost_records.clone(),
        );
    }

    fn register_source(&self, r: &mut Reg) {
        let f = self;
        r.register(
            "cdc_slot_lag_bytes",
            "Current WAL LSN minus the slot's confirmed flush LSN",
            f.slot_lag.clone(),
        );
        r.register(
            "cdc_slot_retained_bytes",
            "WAL the source keeps for the slot",
            f.slot_retained.clone(),
        );
        r.register(
            "cdc_slot_active",
            "1 when a consumer is attached to the slot",
            f.slot_active.clone(),
        );
        r.register(
            "cdc_slot_wal_status",
            "1 for the slot's wal_status (reserved, extended, unreserved, lost)",
            f.slot_wal_status.clone(),
        );
        r.register(
            "cdc_slot_guard_level",
            "Slot guard: 0 ok, 1 amber, 2 red",
            f.slot_guard_level.clone(),
        );
        r.register(
            "cdc_slot_seconds_to_limit",
            "Seconds until max_slot_wal_keep_size invalidates the slot at its growth",
            f.slot_seconds_to_limit.clone(),
        );
        r.register(
            "cdc_source_changes_per_second",
            "Rows changed per second in the captured tables",
            f.source_changes.clone(),
        );
        r.register(
            "cdc_dead_letters",
            "Outstanding dead letters in the sink's cdc.dead_letters, per consumer",
            f.dead_letters.clone(),
        );
        r.register(
            "cdc_dead_letters_redriven",
            "Dead letters redriven (kept as the audit trail), per consumer",
            f.dead_letters_redriven.clone(),
        );
    }
}

/// A registry that remembers what it was given, for [`super::families`].
#[derive(Default)]
pub struct Reg {
    registry: Registry,
    exposed: Vec<(String, &'static str)>,
}

impl Reg {
    fn register<M: Metric + TypedMetric>(&mut self, name: &str, help: &str, metric: M) {
        let (suffix, kind) = match M::TYPE {
            prometheus_client::metrics::MetricType::Counter => ("_total", "counter"),
            prometheus_client::metrics::MetricType::Gauge => ("", "gauge"),
            prometheus_client::metrics::MetricType::Histogram => ("", "histogram"),
            prometheus_client::metrics::MetricType::Info => ("_info", "info"),
            prometheus_client::metrics::MetricType::Unknown => ("", "unknown"),
        };
        self.exposed.push((format!("{name}{suffix}"), kind));
        self.registry.register(name, help, metric);
    }
}

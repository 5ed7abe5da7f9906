//! Prometheus exposition of the store: backend and stage health, connector and task states,
//! Kafka partitions, group lag, slots, latency percentiles and the alerts. Built with
//! `prometheus-client` (text format 0.0.4, one group per family) when the store changes; the
//! HTTP side only hands out the text.

mod families;
mod fill;
mod labels;
mod serve;

pub use serve::serve;

/// The `Content-Type` of [`render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The exposition text for `store` (format 0.0.4).
pub fn render(store: &crate::store::Store) -> String {
    let families = families::Families::default();
    fill::fill(&families, store, std::time::SystemTime::now());
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &families.registry().0);
    out
}

/// Every family [`render`] exposes, as named in the text (counters with `_total`), with its
/// type: what a parser of the text must find.
pub fn families() -> Vec<(String, &'static str)> {
    families::Families::default().registry().1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_lost_slot_is_exported_red_with_the_sources_change_rate() {
        use crate::collectors::postgres::{PostgresSnapshot, ReplicationSlot, SourceChanges};
        use crate::collectors::{Update, UpdateKind};
        let slot = ReplicationSlot {
            name: "s".into(),
            plugin: None,
            slot_type: "logical".into(),
            database: None,
            active: false,
            restart_lsn: None,
            confirmed_flush_lsn: None,
            retained_bytes: None,
            lag_bytes: None,
            wal_status: Some("lost".into()),
            safe_wal_size: None,
            retained_bytes_per_sec: None,
            inactive_since: None,
            confirmed_unchanged_since: None,
            wal_written_since_confirmed: None,
            confirmed_flush_bytes: None,
        };
        let pg = PostgresSnapshot {
            slots: vec![slot],
            changes: SourceChanges { total: 10, per_sec: Some(500.0) },
            ..PostgresSnapshot::empty()
        };
        let mut store = Store::new(&crate::config::Config::default());
        store.apply(Update { at: std::time::SystemTime::now(), kind: UpdateKind::Source(Ok(pg)) });
        let text = render(&store);
        assert!(text.contains("cdc_slot_guard_level{slot=\"s\"} 2"), "{text}");
        assert!(text.contains("cdc_source_changes_per_second 500"), "{text}");
    }

    #[test]
    fn label_values_are_escaped() {
        use crate::collectors::connect::{ConnectSnapshot, Connector};
        use crate::collectors::{Update, UpdateKind};
        let mut store = crate::store::Store::new(&crate::config::Config::default());
        let k =
            Connector { name: "a\"b\\c\nd".into(), state: "RUNNING".into(), ..Default::default() };
        let snap = ConnectSnapshot { connectors: vec![k], ..ConnectSnapshot::default() };
        let at = std::time::SystemTime::now();
        store.apply(Update { at, kind: UpdateKind::Connect(0, Ok(snap)) });
        let text = render(&store);
        assert!(text.contains("connector=\"a\\\"b\\\\c\\nd\""), "{text}");
    }

    #[test]
    fn an_unpolled_store_reports_every_backend_down_and_no_series() {
        let text = render(&Store::new(&crate::config::Config::default()));
        assert!(text.contains("cdc_backend_up{backend=\"source\"} 0"));
        assert!(text.contains("cdc_backend_up{backend=\"connect:local\"} 0"));
        assert!(!text.contains("cdc_slot_lag_bytes{"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').unwrap();
            assert!(series.starts_with("cdc_") && value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn auto_restarts_are_counted_for_opted_in_connectors_only() {
        use crate::collectors::connect::{AutoRestartStatus, ConnectSnapshot, Connector};
        use crate::collectors::{Update, UpdateKind};
        let mut store = Store::new(&crate::config::Config::default());
        let connector = |name: &str, auto_restart| Connector {
            name: name.into(),
            state: "RUNNING".into(),
            auto_restart,
            ..Connector::default()
        };
        let status = AutoRestartStatus { active: true, restarts: 3, ..Default::default() };
        let snap = ConnectSnapshot {
            connectors: vec![connector("in", Some(status)), connector("out", None)],
            ..ConnectSnapshot::default()
        };
        let at = std::time::SystemTime::now();
        store.apply(Update { at, kind: UpdateKind::Connect(0, Ok(snap)) });
        let text = render(&store);
        assert!(
            text.contains(
                "cdc_connector_auto_restarts_total{cluster=\"local\",connector=\"in\"} 3"
            ),
            "{text}"
        );
        assert!(!text.contains("auto_restarts_total{cluster=\"local\",connector=\"out\""));
    }
}

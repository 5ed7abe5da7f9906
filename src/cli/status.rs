//! `cdc-console status`: every backend polled once, printed as tables or JSON.

use std::time::SystemTime;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::collectors;
use crate::config::Config;
use crate::store::{Health, Store};

pub async fn run(config: &Config, output: Output) -> anyhow::Result<u8> {
    let mut store = Store::new(config);
    for update in collectors::collect_once(config).await {
        store.apply(update);
    }
    let report = store.report(SystemTime::now());
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Output::Table => print!("{}", render(&store)),
    }
    Ok(if report.healthy { EXIT_OK } else { EXIT_DOWN })
}

/// The human-readable report: stages first, then each backend's facts.
pub fn render(store: &Store) -> String {
    let mut out = String::new();
    let mut stages = Table::new(&["stage", "state", "endpoint", "detail"]);
    for s in store.stages() {
        let state = serde_json::to_value(s.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        stages.row(vec![s.stage, state, s.endpoint, s.detail.join("; ")]);
    }
    out += &stages.render();

    out += &source(store);
    out += &connect(store);
    out += &kafka(store);
    out += &sink(store);
    out
}

/// The source's facts: version, WAL position, slots, the configured tables.
fn source(store: &Store) -> String {
    let mut out = String::new();
    if let Some(src) = &store.source.snapshot {
        out += &format!(
            "\nSource: PostgreSQL {}, wal_level {}, WAL at {}{}\n",
            src.server_version,
            src.wal_level,
            src.current_wal_lsn.as_deref().unwrap_or("-"),
            stale(&store.source.health)
        );
        let mut slots = Table::new(&[
            "slot",
            "plugin",
            "active",
            "restart lsn",
            "confirmed lsn",
            "retained",
            "lag",
            "wal status",
            "guard",
        ]);
        let guards = store.slot_guards(std::time::SystemTime::now());
        for (s, g) in src.slots.iter().zip(&guards) {
            // The slot guard's level and time to max_slot_wal_keep_size (`slots` says why).
            let guard = serde_json::to_value(g.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_uppercase))
                .unwrap_or_default();
            slots.row(vec![
                s.name.clone(),
                s.plugin.clone().unwrap_or_default(),
                if s.active { "yes" } else { "no" }.into(),
                s.restart_lsn.clone().unwrap_or_default(),
                s.confirmed_flush_lsn.clone().unwrap_or_default(),
                s.retained_bytes.map(|b| crate::units::bytes(b, true)).unwrap_or_default(),
                s.lag_bytes.map(|b| crate::units::bytes(b, true)).unwrap_or_default(),
                s.wal_status.clone().unwrap_or_default(),
                format!("{guard} ({})", g.time_to_limit),
            ]);
        }
        out += &empty_or(&slots, "no replication slots");
        let mut tables = Table::new(&["table", "replica identity", "rows (est.)"]);
        for t in &src.tables {
            tables.row(vec![
                t.name.clone(),
                t.replica_identity.to_uppercase(),
                t.estimated_rows.to_string(),
            ]);
        }
        out += &empty_or(&tables, "none of the configured tables exist in the source");
    }
    out
}

/// Each Connect cluster's workers and connectors with their tasks.
fn connect(store: &Store) -> String {
    let mut out = String::new();
    for c in &store.connect {
        let Some(snap) = &c.snapshot else { continue };
        out += &format!(
            "\nConnect {} ({}): Kafka Connect {} (commit {}, Kafka cluster {}){}\n",
            c.name.trim_start_matches("connect:"),
            c.endpoint,
            snap.version,
            snap.commit,
            snap.kafka_cluster_id,
            stale(&c.health)
        );
        let mut t = Table::new(&["connector", "type", "state", "worker", "tasks"]);
        for k in &snap.connectors {
            let tasks: Vec<String> =
                k.tasks.iter().map(|t| format!("{}:{}", t.id, t.state)).collect();
            t.row(vec![
                k.name.clone(),
                k.kind.clone(),
                k.state.clone(),
                k.worker_id.clone(),
                tasks.join(" "),
            ]);
        }
        out += &empty_or(&t, "no connectors");
    }
    out
}

/// The brokers and topics.
fn kafka(store: &Store) -> String {
    let mut out = String::new();
    if let Some(k) = &store.kafka.snapshot {
        out += &format!("\nKafka: {} broker(s){}\n", k.brokers.len(), stale(&store.kafka.health));
        let mut b = Table::new(&["broker", "host:port"]);
        for br in &k.brokers {
            b.row(vec![br.id.to_string(), format!("{}:{}", br.host, br.port)]);
        }
        out += &b.render();
        let mut t = Table::new(&["topic", "partitions", "error"]);
        for topic in &k.topics {
            t.row(vec![
                topic.name.clone(),
                topic.partitions.to_string(),
                topic.error.clone().unwrap_or_default(),
            ]);
        }
        out += &empty_or(&t, "no topics");
    }
    out
}

/// The sink's version.
fn sink(store: &Store) -> String {
    let mut out = String::new();
    if let Some(s) = &store.sink.snapshot {
        out += &format!("\nSink: PostgreSQL {}{}\n", s.server_version, stale(&store.sink.health));
    }
    out
}

fn empty_or(t: &Table, message: &str) -> String {
    if t.is_empty() { format!("({message})\n") } else { t.render() }
}

/// " (stale: down since …)" when the facts shown are from before the backend went down.
fn stale(h: &Health) -> String {
    match h {
        Health::Down { since, .. } => {
            format!(" (stale: down since {})", crate::store::rfc3339(*since))
        }
        _ => String::new(),
    }
}

#![allow(dead_code)]
//! Known stores to draw views from: healthy, a backend down (stale data kept), nothing polled
//! yet; and `render`, a frame of one view as text.

use std::time::{Duration, SystemTime};

use cdc_console::action::Keymap;
use cdc_console::collectors::connect::{ConnectSnapshot, Connector, Task};
use cdc_console::collectors::kafka::{Broker, BrokerState, KafkaSnapshot, Topic};
use cdc_console::collectors::postgres::{PostgresSnapshot, ReplicationSlot, TableInfo};
use cdc_console::collectors::{CollectError, Update, UpdateKind};
use cdc_console::config::Config;
use cdc_console::config::theme::Theme;
use cdc_console::store::Store;
use cdc_console::pipeline::generator::GeneratorSnapshot;
use cdc_console::ui::{UiState, View, ViewId, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
}

pub fn pg(slots: bool) -> PostgresSnapshot {
    PostgresSnapshot {
        server_version: "15.18".into(),
        wal_level: "logical".into(),
        current_wal_lsn: Some("0/1A2B3C4".into()),
        slots: if slots {
            vec![ReplicationSlot {
                name: "cdc_console".into(),
                plugin: Some("pgoutput".into()),
                slot_type: "logical".into(),
                active: true,
                restart_lsn: Some("0/1A2B000".into()),
                confirmed_flush_lsn: Some("0/1A2B3C4".into()),
                retained_bytes: Some(3_012),
                lag_bytes: Some(0),
            }]
        } else {
            vec![]
        },
        tables: vec![TableInfo { name: "public.orders".into(), replica_identity: "full".into(), estimated_rows: 1200 }],
        publications: vec![],
        console_tables: vec![],
        applied: vec![],
    }
}

pub fn connect() -> ConnectSnapshot {
    ConnectSnapshot {
        version: "3.9.0".into(),
        commit: "a60e31147e6b01ee".into(),
        kafka_cluster_id: "tansu".into(),
        plugins: vec![],
        connectors: vec![Connector {
            name: "orders-cdc".into(),
            kind: "source".into(),
            class: "io.debezium.connector.postgresql.PostgresConnector".into(),
            state: "RUNNING".into(),
            worker_id: "127.0.0.1:8083".into(),
            trace: None,
            tasks: vec![Task { id: 0, state: "RUNNING".into(), worker_id: "127.0.0.1:8083".into(), trace: None }],
            config: Default::default(),
        }],
    }
}

pub fn kafka() -> KafkaSnapshot {
    let broker = Broker { id: 111, host: "127.0.0.1".into(), port: 9092, controller: true, state: BrokerState::Up, rtt_avg_ms: Some(0.4), ..Default::default() };
    KafkaSnapshot {
        brokers: vec![broker],
        topics: vec![
            Topic { name: "_connect-offsets".into(), partitions: 1, internal: true, ..Default::default() },
            Topic { name: "dbserver1.public.order_items".into(), partitions: 4, messages_per_sec: Some(12.5), ..Default::default() },
            Topic { name: "dbserver1.public.orders".into(), partitions: 4, messages_per_sec: Some(0.0), ..Default::default() },
        ],
        ..Default::default()
    }
}

pub fn healthy() -> Store {
    let mut s = Store::new(&Config::default());
    for kind in [
        UpdateKind::Source(Ok(pg(true))),
        UpdateKind::Sink(Ok(pg(false))),
        UpdateKind::Kafka(Ok(kafka())),
        UpdateKind::Connect(0, Ok(connect())),
    ] {
        s.apply(Update { at: t(0), kind });
    }
    s
}

/// Connect down since t(30): its last snapshot stays, marked stale.
pub fn connect_down() -> Store {
    let mut s = healthy();
    let refused = CollectError::Unreachable { endpoint: "http://127.0.0.1:8083".into(), reason: "Connection refused (os error 111)".into() };
    s.apply(Update { at: t(30), kind: UpdateKind::Connect(0, Err(refused)) });
    s
}

/// Nothing polled yet.
pub fn empty() -> Store {
    Store::new(&Config::default())
}

/// One frame of `view` at `w`x`h`, drawn at t(75).
pub fn render(store: &Store, view: ViewId, ui: Option<UiState>, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let ui = ui.unwrap_or(UiState { view, ..UiState::default() });
    let generator = GeneratorSnapshot::default();
    term.draw(|f| draw(f, &View { store, theme: &theme, keymap: &keymap, ui: &ui, generator: &generator, read_only: false, now: t(75) }))
        .unwrap();
    term.backend().to_string()
}

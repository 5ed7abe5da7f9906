#![allow(dead_code)]
//! Known stores to draw views from: healthy, a backend down (stale data kept), nothing polled
//! yet; and `render`, a frame of one view as text.

use cdc_console::store::Embedded;
use std::time::{Duration, SystemTime};

use cdc_console::action::Keymap;
use cdc_console::collectors::connect::{ConnectSnapshot, Connector, Task};
use cdc_console::collectors::kafka::{Broker, BrokerState, KafkaSnapshot, Topic};
use cdc_console::collectors::postgres::{
    PostgresSnapshot, ReplicationSlot, SourceChanges, TableInfo, WalFacts,
};
use cdc_console::collectors::{CollectError, Update, UpdateKind};
use cdc_console::config::Config;
use cdc_console::config::theme::Theme;
use cdc_console::pipeline::generator::GeneratorSnapshot;
use cdc_console::store::Store;
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
        wal: WalFacts {
            current_bytes: Some(0x1A2_B3C4),
            bytes_per_sec: Some(20_480.0),
            max_slot_wal_keep_size: Some(4 << 30),
            max_wal_size: Some(1 << 30),
            pg_wal_bytes: Some(80 << 20),
            pg_wal_error: None,
        },
        changes: SourceChanges { total: 9_000, per_sec: Some(12.5) },
        slots: if slots {
            vec![ReplicationSlot {
                name: "cdc_console".into(),
                plugin: Some("pgoutput".into()),
                slot_type: "logical".into(),
                database: Some("source".into()),
                active: true,
                restart_lsn: Some("0/1A2B000".into()),
                confirmed_flush_lsn: Some("0/1A2B3C4".into()),
                retained_bytes: Some(3_012),
                lag_bytes: Some(0),
                wal_status: Some("reserved".into()),
                safe_wal_size: Some(4 << 30),
                retained_bytes_per_sec: Some(0.0),
                inactive_since: None,
                confirmed_unchanged_since: Some(t(0)),
                wal_written_since_confirmed: Some(0),
                confirmed_flush_bytes: Some(0x1A2_B3C4),
            }]
        } else {
            vec![]
        },
        tables: vec![TableInfo {
            name: "public.orders".into(),
            replica_identity: "full".into(),
            estimated_rows: 1200,
        }],
        publications: vec![],
        console_tables: vec![],
        applied: vec![],
        dead_letters: Default::default(),
    }
}

pub fn connect() -> ConnectSnapshot {
    ConnectSnapshot {
        version: "4.3.0".into(),
        commit: "a60e31147e6b01ee".into(),
        kafka_cluster_id: "vvaVbflMSCyGxK-SuTLyuA".into(),
        plugins: vec![],
        connectors: vec![Connector {
            name: "orders-cdc".into(),
            kind: "source".into(),
            class: "io.debezium.connector.postgresql.PostgresConnector".into(),
            state: "RUNNING".into(),
            worker_id: "127.0.0.1:8083".into(),
            trace: None,
            tasks: vec![Task {
                id: 0,
                state: "RUNNING".into(),
                worker_id: "127.0.0.1:8083".into(),
                trace: None,
            }],
            config: Default::default(),
            auto_restart: None,
        }],
    }
}

pub fn kafka() -> KafkaSnapshot {
    let broker = Broker {
        id: 111,
        host: "127.0.0.1".into(),
        port: 9092,
        controller: true,
        state: BrokerState::Up,
        rtt_avg_ms: Some(0.4),
        ..Default::default()
    };
    KafkaSnapshot {
        brokers: vec![broker],
        topics: vec![
            Topic {
                name: "_connect-offsets".into(),
                partitions: 1,
                internal: true,
                ..Default::default()
            },
            Topic {
                name: "dbserver1.public.order_items".into(),
                partitions: 4,
                messages_per_sec: Some(12.5),
                ..Default::default()
            },
            Topic {
                name: "dbserver1.public.orders".into(),
                partitions: 4,
                messages_per_sec: Some(0.0),
                ..Default::default()
            },
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
    let refused = CollectError::Unreachable {
        endpoint: "http://127.0.0.1:8083".into(),
        reason: "Connection refused (os error 111)".into(),
    };
    s.apply(Update { at: t(30), kind: UpdateKind::Connect(0, Err(refused)) });
    s
}

/// Nothing polled yet.
pub fn empty() -> Store {
    Store::new(&Config::default())
}

/// One frame of `view` at `w`x`h`, drawn at t(75).
pub fn render(store: &Store, view: ViewId, ui: Option<UiState>, w: u16, h: u16) -> String {
    render_embedded(store, view, ui, &Embedded::default(), w, h)
}

/// `render` with given snapshots of what the console runs itself.
pub fn render_embedded(
    store: &Store,
    view: ViewId,
    ui: Option<UiState>,
    embedded: &Embedded,
    w: u16,
    h: u16,
) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let ui = ui.unwrap_or(UiState { view, ..UiState::default() });
    term.draw(|f| {
        draw(
            f,
            &View {
                store,
                theme: &theme,
                keymap: &keymap,
                ui: &ui,
                embedded,
                read_only: false,
                now: t(75),
            },
        );
    })
    .unwrap();
    term.backend().to_string()
}

// ---- consumer groups, latency and generator (groups/latency/generator/overview views) ----

pub fn partition_lag(
    topic: &str,
    p: i32,
    current: i64,
    end: i64,
    secs: f64,
    verdict: cdc_console::collectors::lag::verdict::Verdict,
    owner: Option<(&str, &str, &str)>,
) -> cdc_console::collectors::groups::PartitionLag {
    use cdc_console::collectors::lag::seconds::{Estimate, LagSeconds};
    let estimate = if current == end { Estimate::CaughtUp } else { Estimate::Interpolated };
    cdc_console::collectors::groups::PartitionLag {
        topic: topic.into(),
        partition: p,
        current_offset: Some(current),
        log_start_offset: Some(0),
        log_end_offset: Some(end),
        lag: Some((end - current) as u64),
        lag_seconds: Some(LagSeconds { seconds: secs, estimate }),
        consumer_id: owner.map(|o| o.0.to_string()),
        host: owner.map(|o| o.1.to_string()),
        client_id: owner.map(|o| o.2.to_string()),
        verdict,
        error: None,
        reason: None,
        lost: None,
    }
}

/// Three groups: a replicator catching up (WARN, with an ETA), a stalled sink (STALL → ERR),
/// an empty group with no members and nothing to consume.
#[expect(clippy::too_many_lines, reason = "one fixture, field by field")]
pub fn groups() -> cdc_console::collectors::groups::GroupsSnapshot {
    use cdc_console::collectors::groups::{
        Group, GroupsSnapshot, Member, MemberSource, PartitionRef,
    };
    use cdc_console::collectors::lag::history::Rates;
    use cdc_console::collectors::lag::verdict::Verdict;
    let orders = "dbserver1.public.orders";
    let items = "dbserver1.public.order_items";
    let rep = ("replicator-1-5f2c", "/127.0.0.1", "replicator-1");
    let sink = ("sink-0-9ab1", "/10.0.0.7", "jdbc-sink");
    let member = |m: (&str, &str, &str)| Member {
        member_id: m.0.into(),
        client_id: m.2.into(),
        host: m.1.into(),
        assignment: None,
        source: MemberSource::Broker,
    };
    GroupsSnapshot {
        groups: vec![
            Group {
                name: "cdc-replicator".into(),
                state: "Stable".into(),
                protocol_type: "consumer".into(),
                protocol: "range".into(),
                members: vec![member(rep)],
                partitions: vec![
                    partition_lag(orders, 0, 1_200, 1_200, 0.0, Verdict::Ok, Some(rep)),
                    partition_lag(orders, 1, 980, 1_430, 12.4, Verdict::Warn, Some(rep)),
                    partition_lag(orders, 2, 1_100, 1_150, 2.1, Verdict::Ok, Some(rep)),
                    partition_lag(orders, 3, 1_010, 1_010, 0.0, Verdict::Ok, Some(rep)),
                ],
                total_lag: Some(500),
                max_lag: Some(450),
                max_lag_seconds: Some(12.4),
                verdict: Verdict::Warn,
                worst: Some(PartitionRef {
                    topic: orders.into(),
                    partition: 1,
                    verdict: Verdict::Warn,
                }),
                complete: 1.0,
                rates: Some(Rates { consume_per_s: 30.0, produce_per_s: 18.0 }),
                eta_seconds: Some(42.0),
                caught_up: false,
                consumed_by: None,
                lag_history: vec![900, 880, 850, 820, 790, 760, 700, 650, 600, 560, 530, 500],
                error: None,
                reason: None,
                lost: None,
            },
            Group {
                name: "orders-sink".into(),
                state: "Stable".into(),
                protocol_type: "consumer".into(),
                protocol: "range".into(),
                members: vec![member(sink)],
                partitions: vec![
                    partition_lag(items, 0, 400, 3_400, 310.0, Verdict::Stall, Some(sink)),
                    partition_lag(items, 1, 500, 520, 1.5, Verdict::Ok, Some(sink)),
                ],
                total_lag: Some(3_020),
                max_lag: Some(3_000),
                max_lag_seconds: Some(310.0),
                verdict: Verdict::Err,
                worst: Some(PartitionRef {
                    topic: items.into(),
                    partition: 0,
                    verdict: Verdict::Stall,
                }),
                complete: 1.0,
                rates: Some(Rates { consume_per_s: 0.0, produce_per_s: 12.5 }),
                eta_seconds: None,
                caught_up: false,
                consumed_by: None,
                lag_history: vec![2_000, 2_100, 2_250, 2_400, 2_500, 2_650, 2_800, 2_900, 3_020],
                error: None,
                reason: None,
                lost: None,
            },
            Group {
                name: "idle-audit".into(),
                state: "Empty".into(),
                protocol_type: "consumer".into(),
                protocol: String::new(),
                members: vec![],
                partitions: vec![],
                total_lag: None,
                max_lag: None,
                max_lag_seconds: None,
                verdict: Verdict::Ok,
                worst: None,
                complete: 0.0,
                rates: None,
                eta_seconds: None,
                caught_up: false,
                consumed_by: None,
                lag_history: vec![],
                error: None,
                reason: None,
                lost: None,
            },
        ],
        listing_error: None,
    }
}

pub fn latency() -> cdc_console::collectors::latency::LatencySnapshot {
    use cdc_console::collectors::latency::{LatencySnapshot, Percentiles, STAGES, StageLatency};
    let ms = [
        (40, 80, 150, 220, 310),
        (3, 6, 12, 20, 31),
        (8, 15, 40, 90, 120),
        (60, 110, 230, 400, 512),
    ];
    LatencySnapshot {
        window_seconds: 60,
        stages: STAGES
            .iter()
            .zip(ms)
            .map(|(s, (p50, p90, p99, p999, max))| StageLatency {
                stage: *s,
                ms: Percentiles { count: 1_840, p50, p90, p99, p999, max },
            })
            .collect(),
        events: 1_840,
        undecodable: 2,
        topics: vec!["dbserver1.public.order_items".into(), "dbserver1.public.orders".into()],
    }
}

/// `healthy()` plus consumer groups and latency, as polled at t(0).
pub fn healthy_full() -> Store {
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Groups(Ok(groups())) });
    s.apply(Update { at: t(0), kind: UpdateKind::Latency(Ok(latency())) });
    s
}

/// `healthy_full()` with Kafka, the groups and the latency sampler unreachable since t(30).
pub fn kafka_down() -> Store {
    let mut s = healthy_full();
    // The collectors name the configured bootstrap list as the endpoint.
    let brokers = cdc_console::config::Config::default().kafka.brokers;
    let refused = || CollectError::Unreachable {
        endpoint: brokers.clone(),
        reason: "Connection refused (os error 111)".into(),
    };
    s.apply(Update { at: t(30), kind: UpdateKind::Kafka(Err(refused())) });
    s.apply(Update { at: t(30), kind: UpdateKind::Groups(Err(refused())) });
    s.apply(Update { at: t(30), kind: UpdateKind::Latency(Err(refused())) });
    s
}

pub fn generator_running() -> GeneratorSnapshot {
    GeneratorSnapshot {
        running: true,
        target_rate: 200,
        achieved_rate: 187.4,
        inserts: 5_120,
        updates: 3_580,
        deletes: 1_530,
        ..GeneratorSnapshot::default()
    }
}

/// `render` with a given generator snapshot.
pub fn render_gen(
    store: &Store,
    view: ViewId,
    ui: Option<UiState>,
    generator: &GeneratorSnapshot,
    w: u16,
    h: u16,
) -> String {
    render_embedded(
        store,
        view,
        ui,
        &Embedded { generator: generator.clone(), ..Embedded::default() },
        w,
        h,
    )
}

// ---- trouble: a failed task with its trace, a down broker, URP and offline partitions
// (connectors/brokers/topics views) ----

/// `connect()` plus a sink whose task 1 FAILED with a trace, and a paused connector.
pub fn connect_failing() -> ConnectSnapshot {
    let mut s = connect();
    s.connectors[0].config = [
        ("connector.class", "io.debezium.connector.postgresql.PostgresConnector"),
        ("database.hostname", "source-db"),
        ("database.password", "********"),
        ("database.user", "cdc"),
        ("topic.prefix", "dbserver1"),
        ("tasks.max", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let trace = "org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.\n\tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:632)\n\tat org.apache.kafka.connect.runtime.WorkerSinkTask.poll(WorkerSinkTask.java:350)\nCaused by: java.sql.SQLException: connection to sink-db:5432 refused\n\tat io.confluent.connect.jdbc.sink.JdbcDbWriter.write(JdbcDbWriter.java:89)\n\t... 12 more";
    s.connectors.push(Connector {
        name: "orders-sink".into(),
        kind: "sink".into(),
        class: "io.confluent.connect.jdbc.JdbcSinkConnector".into(),
        state: "RUNNING".into(),
        worker_id: "127.0.0.1:8083".into(),
        trace: None,
        tasks: vec![
            Task {
                id: 0,
                state: "RUNNING".into(),
                worker_id: "127.0.0.1:8083".into(),
                trace: None,
            },
            Task {
                id: 1,
                state: "FAILED".into(),
                worker_id: "127.0.0.1:8083".into(),
                trace: Some(trace.into()),
            },
        ],
        config: [
            ("connection.password", "********"),
            ("connection.url", "jdbc:postgresql://sink-db:5432/sink"),
            ("connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"),
            ("tasks.max", "2"),
            ("topics", "dbserver1.public.orders"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        auto_restart: None,
    });
    s.connectors.push(Connector {
        name: "audit-export".into(),
        kind: "sink".into(),
        class: "io.confluent.connect.s3.S3SinkConnector".into(),
        state: "PAUSED".into(),
        worker_id: "127.0.0.1:8083".into(),
        trace: None,
        tasks: vec![Task {
            id: 0,
            state: "PAUSED".into(),
            worker_id: "127.0.0.1:8083".into(),
            trace: None,
        }],
        config: Default::default(),
        auto_restart: None,
    });
    s
}

/// `kafka()` with three brokers (one down, one a replica only), an under-replicated and an
/// offline partition, and partition offsets.
pub fn kafka_troubled() -> KafkaSnapshot {
    use cdc_console::collectors::kafka::Partition;
    let mut s = kafka();
    s.cluster_id = Some("vvaVbflMSCyGxK-SuTLyuA".into());
    s.controller = Some(111);
    s.brokers[0].rack = Some("rack-a".into());
    s.brokers[0].client_state = Some("UP".into());
    s.brokers[0].rtt_p99_ms = Some(1.9);
    s.brokers.push(Broker {
        id: 112,
        host: "10.0.0.12".into(),
        port: 9092,
        rack: Some("rack-b".into()),
        state: BrokerState::Up,
        client_state: Some("UP".into()),
        rtt_avg_ms: Some(2.3),
        rtt_p99_ms: Some(8.7),
        ..Default::default()
    });
    s.brokers.push(Broker {
        id: 113,
        host: "10.0.0.13".into(),
        port: 9092,
        rack: Some("rack-c".into()),
        state: BrokerState::Down,
        client_state: Some("CONNECT".into()),
        reason: Some("connection refused".into()),
        ..Default::default()
    });
    let part = |id, leader: i32, isr: &[i32], start, end| {
        let mut p = Partition::from_metadata(
            id,
            leader,
            &[111, 112, 113],
            isr,
            (leader < 0).then(|| "LeaderNotAvailable (Broker: Leader not available)".to_string()),
        );
        p.log_start_offset = Some(start);
        p.log_end_offset = Some(end);
        p
    };
    s.topics[2].partition_details = vec![
        part(0, 111, &[111, 112, 113], 0, 1_200),
        part(1, 112, &[111, 112], 0, 1_430),
        part(2, -1, &[113], 100, 1_150),
        part(3, 111, &[111, 112, 113], 0, 1_010),
    ];
    s.topics[1].partition_details =
        (0..4).map(|i| part(i, 111, &[111, 112, 113], 0, 500 + i64::from(i))).collect();
    s
}

/// `healthy()` with the failing connectors and the troubled Kafka cluster, polled at t(0).
pub fn troubled() -> Store {
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Connect(0, Ok(connect_failing())) });
    s.apply(Update { at: t(0), kind: UpdateKind::Kafka(Ok(kafka_troubled())) });
    s
}

/// `kafka_troubled()`'s brokers (113 down) with min.insync.replicas=2 on every topic: every
/// partition is under-replicated, and orders partition 1 has only its leader in sync, so it
/// refuses writes.
pub fn kafka_below_min_isr() -> KafkaSnapshot {
    use cdc_console::collectors::kafka::Partition;
    let mut s = kafka_troubled();
    let part = |id, leader: i32, isr: &[i32], end| Partition {
        log_start_offset: Some(0),
        log_end_offset: Some(end),
        ..Partition::from_metadata(id, leader, &[111, 112, 113], isr, None)
    };
    s.topics[2].partition_details = vec![
        part(0, 111, &[111, 112], 1_200),
        part(1, 112, &[112], 1_430),
        part(2, 111, &[111, 112], 1_150),
        part(3, 112, &[112, 111], 1_010),
    ];
    s.topics[1].partition_details =
        (0..4).map(|i| part(i, 111, &[111, 112], 500 + i64::from(i))).collect();
    for t in &mut s.topics {
        t.apply_min_isr(Some(2));
    }
    s
}

/// `healthy()` with `kafka_below_min_isr()`, polled at t(0).
pub fn below_min_isr() -> Store {
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Kafka(Ok(kafka_below_min_isr())) });
    s
}

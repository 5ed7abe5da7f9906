//! A connector's incremental snapshot in its detail: the latest snapshot Debezium notified, with
//! a line per table (done with its rows, scanning at a key), and nothing for a connector that
//! sends no notifications.

use cdc_console::collectors::snapshot::{
    ConnectorSnapshot, SnapshotProgress, SnapshotStatus, SnapshotsSnapshot, TableProgress,
    TableState,
};
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::ui::{UiState, ViewId};

use crate::fixtures::*;

fn table(
    name: &str,
    state: TableState,
    rows: Option<u64>,
    keys: Option<(&str, &str)>,
) -> TableProgress {
    TableProgress {
        table: name.into(),
        state,
        rows_scanned: rows,
        scan_status: rows.map(|_| "SUCCEEDED".into()),
        last_key: keys.map(|k| k.0.into()),
        maximum_key: keys.map(|k| k.1.into()),
    }
}

#[test]
fn detail_shows_the_running_snapshot_per_table() {
    let mut s = healthy();
    let running = SnapshotProgress {
        id: "cdc-console-5f0c1a2b3c4d5e6f".into(),
        status: SnapshotStatus::Running,
        tables: vec![
            table("public.orders", TableState::Done, Some(439_633), None),
            table("public.order_items", TableState::Scanning, None, Some(("1024,1", "2500,1"))),
        ],
        started_ms: 0,
        updated_ms: 0,
        last_event: "IN_PROGRESS".into(),
    };
    let snap = SnapshotsSnapshot {
        connectors: vec![ConnectorSnapshot {
            cluster: 0,
            connector: "orders-cdc".into(),
            topic: "dbserver1-notifications".into(),
            latest: Some(running),
            error: None,
        }],
    };
    s.apply(Update { at: t(60), kind: UpdateKind::Snapshots(Ok(snap)) });
    let u = UiState {
        view: ViewId::Connectors,
        detail: Some("orders-cdc".into()),
        ..UiState::default()
    };
    let small = render(&s, ViewId::Connectors, Some(u.clone()), 80, 24);
    for want in [
        "snapshot running · 1/2 tables · 439633 rows",
        "public.orders done 439633 rows, succeeded",
        "public.order_items scanning at key 1024,1 of 2500,1",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("snapshot_running_80x24", small);

    // A connector the collector does not list (no notification topic) shows no snapshot line.
    let plain = render(&healthy(), ViewId::Connectors, Some(u), 80, 24);
    assert!(!plain.contains("snapshot"), "{plain}");
}

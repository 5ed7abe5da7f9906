use super::*;

fn note(kind: &str, ts: i64, data: &[(&str, &str)]) -> Notification {
    let data: serde_json::Map<String, serde_json::Value> =
        data.iter().map(|(k, v)| ((*k).to_string(), serde_json::json!(v))).collect();
    let value = serde_json::json!({
        "id": "sig-1", "aggregate_type": "Incremental Snapshot", "type": kind,
        "additional_data": data, "timestamp": ts
    });
    Notification::decode(value.to_string().as_bytes())
        .expect("an incremental-snapshot notification")
}

#[test]
fn a_two_table_snapshot_goes_from_queued_to_done_with_row_counts() {
    let mut h = SnapshotHistory::default();
    let both = "public.orders,public.order_items";
    h.apply(&note("STARTED", 1, &[("data_collections", both), ("connector_name", "dbserver1")]));
    let s = h.get("sig-1").expect("started");
    assert_eq!(s.status, SnapshotStatus::Running);
    assert_eq!(s.tables.iter().map(|t| t.state).collect::<Vec<_>>(), [TableState::Queued; 2]);
    h.apply(&note(
        "IN_PROGRESS",
        2,
        &[
            ("data_collections", both),
            ("current_collection_in_progress", "public.orders"),
            ("maximum_key", "2048"),
            ("last_processed_key", "1024"),
        ],
    ));
    let orders = &h.latest().expect("one").tables[0];
    assert_eq!((orders.state, orders.last_key.as_deref()), (TableState::Scanning, Some("1024")));
    h.apply(&note(
        "TABLE_SCAN_COMPLETED",
        3,
        &[
            ("data_collections", both),
            ("scanned_collection", "public.orders"),
            ("total_rows_scanned", "2048"),
            ("status", "SUCCEEDED"),
        ],
    ));
    h.apply(&note(
        "TABLE_SCAN_COMPLETED",
        4,
        &[
            ("data_collections", "public.order_items"),
            ("scanned_collection", "public.order_items"),
            ("total_rows_scanned", "0"),
            ("status", "EMPTY"),
        ],
    ));
    h.apply(&note("COMPLETED", 5, &[]));
    let s = h.get("sig-1").expect("kept");
    assert_eq!(s.status, SnapshotStatus::Completed);
    assert_eq!((s.done(), s.rows_scanned()), (2, 2048));
    assert_eq!(s.tables[1].scan_status.as_deref(), Some("EMPTY"));
}

#[test]
fn a_stop_of_the_last_table_aborts_and_a_partial_stop_does_not() {
    let mut h = SnapshotHistory::default();
    h.apply(&note("STARTED", 1, &[("data_collections", "public.a,public.b")]));
    h.apply(&note("ABORTED", 2, &[("data_collections", "public.b")]));
    let s = h.get("sig-1").expect("started");
    assert_eq!((s.status, s.tables[1].state), (SnapshotStatus::Running, TableState::Stopped));
    h.apply(&note("PAUSED", 3, &[("data_collections", "public.a")]));
    assert_eq!(h.get("sig-1").map(|s| s.status), Some(SnapshotStatus::Paused));
    h.apply(&note("ABORTED", 4, &[]));
    let s = h.get("sig-1").expect("kept");
    assert_eq!((s.status, s.tables[0].state), (SnapshotStatus::Aborted, TableState::Stopped));
}

#[test]
fn other_records_on_the_topic_are_not_notifications() {
    assert!(Notification::decode(b"not json").is_none());
    let initial = br#"{"id":"x","aggregate_type":"Initial Snapshot","type":"COMPLETED","additional_data":{},"timestamp":1}"#;
    assert!(Notification::decode(initial).is_none());
}

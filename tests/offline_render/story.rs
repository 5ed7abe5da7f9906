//! A row's story over the replication view (`w` on a differing key of the diff): the source
//! row, the diverged replica's row with the differing column marked, where its replicator
//! stands, the verdict and why, and the key's events.

use cdc_console::pipeline::events;
use cdc_console::pipeline::story::{Position, ReplicaStory, RowStory, Verdict};
use cdc_console::store::Embedded;
use cdc_console::store::snapshots::StoryState;
use cdc_console::ui::{Mode, UiState, ViewId};
use serde_json::{Map, Value, json};

use crate::fixtures::*;

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn story() -> RowStory {
    let event = |offset: i64, op: &str, status: &str, lsn: u64, tx: i64| {
        let value = json!({
            "before": null, "op": op, "ts_ms": 2,
            "after": {"order_id": 2, "status": status},
            "source": {"ts_ms": 1, "lsn": lsn, "txId": tx, "schema": "public", "table": "orders", "snapshot": "false"},
        })
        .to_string();
        events::decode(0, offset, Some(1_000), Some(br#"{"order_id":2}"#), Some(value.as_bytes()))
    };
    RowStory {
        table: "public.orders".into(),
        key: object(json!({"order_id": 2})),
        source_row: Some(object(json!({"order_id": 2, "status": "paid"}))),
        source_xmin: Some(771),
        topic: Some("dbserver1.public.orders".into()),
        events: vec![event(15, "c", "new", 2_000, 760), event(42, "u", "paid", 2_400, 771)],
        events_scanned: 1_200,
        events_error: None,
        replicas: vec![ReplicaStory {
            replica: "orders_replica".into(),
            sink_table: "cdc.orders_replica".into(),
            rows: vec![object(json!({"order_id": 2, "status": "damaged", "_source_lsn": 2_400}))],
            differs: vec!["status".into()],
            applied: vec![Position { partition: 0, next_offset: 90, source_lsn: Some("0/A00".into()) }],
            verdict: Verdict::Diverged,
            why: "the replica applied past the key's last event (partition 0 offset 42; it is at offset 89) and still differs: it will not settle (changed in the sink, or an event lost)".into(),
            error: None,
        }],
    }
}

#[test]
fn a_diverged_rows_story_over_the_replication_view() {
    let s = healthy();
    let embedded = Embedded {
        story: StoryState {
            table: "public.orders".into(),
            key: r#"{"order_id":"2"}"#.into(),
            running: false,
            progress: None,
            result: Some(Ok(story())),
        },
        ..Embedded::default()
    };
    let ui = UiState { view: ViewId::Replication, mode: Mode::Story(0), ..UiState::default() };
    let big = render_embedded(&s, ViewId::Replication, Some(ui), &embedded, 160, 40);
    for want in [
        r#"row public.orders {"order_id":"2"} · j/k scroll · esc closes"#,
        "Source public.orders",
        "(last written by transaction 771)",
        "Replica orders_replica (cdc.orders_replica): DIVERGED",
        "applied past the key's last event",
        "* status       damaged   (source: paid)",
        "replicator applied: p0 next offset 90 (LSN 0/A00)",
        "Change events of the key on dbserver1.public.orders (2 of 1200 records read)",
        "42      u          0/960         771",
    ] {
        assert!(big.contains(want), "{want} missing:\n{big}");
    }
    insta::assert_snapshot!("diverged_160x40", big);
    let reading = Embedded {
        story: StoryState {
            table: "public.orders".into(),
            key: "{}".into(),
            running: true,
            progress: Some(
                "reading dbserver1.public.orders for the key: 500/1200 records, 1 matched".into(),
            ),
            result: None,
        },
        ..Embedded::default()
    };
    let ui = UiState { view: ViewId::Replication, mode: Mode::Story(0), ..UiState::default() };
    let small = render_embedded(&s, ViewId::Replication, Some(ui), &reading, 80, 24);
    assert!(small.contains("500/1200 records, 1 matched"), "{small}");
}

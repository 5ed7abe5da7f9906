//! The offsets pane of a connector's detail: Debezium's decoded offset, the three-way LSN check
//! with its verdict (an offset ahead of the WAL is an error), a proposed target's verdict and
//! the guided change's steps, one of them failed.

use cdc_console::collectors::connect::lsn_check::{self, Settings, SlotReading, SlotState};
use cdc_console::collectors::connect::offsets::StoredOffset;
use cdc_console::collectors::connect::{Offset, OffsetsReport, Step, Target};
use cdc_console::pipeline::diff::inflight::Lsn;
use cdc_console::store::Embedded;
use cdc_console::store::snapshots::OffsetsPane;
use cdc_console::ui::{UiState, ViewId};
use serde_json::json;

use crate::fixtures::*;

fn pane() -> OffsetsPane {
    let source = SlotReading {
        current_wal_lsn: Some("0/22600000".into()),
        slot: Some(SlotState {
            database: Some("source".into()),
            active: false,
            restart_lsn: Some("0/22552498".into()),
            confirmed_flush_lsn: Some("0/225C9F80".into()),
            wal_status: Some("reserved".into()),
        }),
    };
    let settings = Settings::default();
    let stored = Offset {
        partition: json!({"server": "dbserver1"}),
        offset: json!({"lsn": 4_000_000_000_u64, "lsn_proc": 4_000_000_000_u64, "lsn_commit": 4_000_000_000_u64,
            "txId": 179_256, "ts_usec": 1_796_566_390_151_238_i64, "messageType": "COMMIT"}),
    };
    let offset = StoredOffset::from(stored);
    let resume = offset
        .debezium
        .as_ref()
        .and_then(cdc_console::collectors::connect::offsets::DebeziumPosition::resume_lsn);
    let check = lsn_check::check("cdc_console".into(), resume, source.clone(), &settings);
    let report = OffsetsReport {
        connector: "orders-cdc".into(),
        state: "STOPPED".into(),
        class: cdc_console::collectors::connect::DEBEZIUM_POSTGRES.into(),
        offsets: vec![offset],
        lsn_check: Some(check),
        no_check: None,
    };
    let target =
        Target { report, server: Some("dbserver1".into()), source: Some(source), settings };
    let proposed = target.judge(Lsn::parse("0/22580000").unwrap());
    let step = |s: &str, ok: bool, d: &str| Step { step: s.into(), ok, detail: d.into() };
    OffsetsPane {
        open: Some("orders-cdc".into()),
        target: Some(target),
        proposed,
        steps: vec![
            step("wait STOPPED", true, "STOPPED after 0.0s"),
            step("alter offsets", false, "400 Bad Request: {\"error_code\":400,\"message\":\"…\"}"),
        ],
        ..OffsetsPane::default()
    }
}

#[test]
fn the_pane_shows_the_offset_the_check_and_the_steps() {
    let ui = UiState {
        view: ViewId::Connectors,
        detail: Some("orders-cdc".into()),
        ..UiState::default()
    };
    let embedded = Embedded { offsets: pane(), ..Embedded::default() };
    let wide =
        render_embedded(&healthy(), ViewId::Connectors, Some(ui.clone()), &embedded, 160, 40);
    for want in [
        "Offsets & LSN check",
        "lsn_proc 0/EE6B2800",
        "txId 179256",
        "slot cdc_console (inactive, wal_status reserved)",
        "slot confirmed_flush  0/225C9F80",
        "ERROR (now): the offset 0/EE6B2800 is",
        "AHEAD of the source's current WAL 0/22600000",
        "WARNING (after the change): will NOT replay changes between 0/22580000 and 0/225C9F80",
        "✗ alter offsets",
        "O set LSN · ctrl-o reset",
    ] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
    insta::assert_snapshot!("offsets_pane_160x40", wide);
    let small = render_embedded(&healthy(), ViewId::Connectors, Some(ui), &embedded, 80, 24);
    assert!(small.contains("Offsets & LSN check") && small.contains("ERROR (now)"), "{small}");
}

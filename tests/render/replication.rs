//! The replication view: not built yet, and what the sink already reports.

use cdc_console::collectors::{CollectError, Update, UpdateKind};
use cdc_console::collectors::postgres::{AppliedLsn, ConsoleTable};
use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn healthy_sink_with_console_tables() {
    let mut s = healthy();
    let mut sink = pg(false);
    sink.console_tables = vec![ConsoleTable { name: "cdc.orders".into(), live_rows: 1_180 }];
    sink.applied = vec![AppliedLsn { consumer: "replicator".into(), lsn: "0/1A2B3C4".into() }];
    s.apply(Update { at: t(0), kind: UpdateKind::Sink(Ok(sink)) });
    let small = render(&s, ViewId::Replication, None, 80, 24);
    for want in ["not built yet (issue 5)", "reachable, up 1m15s", "cdc.orders", "1180 rows", "applied LSN", "0/1A2B3C4"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render(&s, ViewId::Replication, None, 160, 40));
}

#[test]
fn sink_down() {
    let mut s = healthy();
    let refused = CollectError::Unreachable { endpoint: "postgres@127.0.0.1:55433/sink".into(), reason: "Connection refused (os error 111)".into() };
    s.apply(Update { at: t(30), kind: UpdateKind::Sink(Err(refused)) });
    let small = render(&s, ViewId::Replication, None, 80, 24);
    for want in ["down 45s", "Connection refused", "stale 1m15s", "no console tables"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("sink_down_80x24", small);
    insta::assert_snapshot!("sink_down_160x40", render(&s, ViewId::Replication, None, 160, 40));
}

#[test]
fn nothing_polled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Replication, None, 80, 24);
    assert!(small.contains("not polled yet") && small.contains("nothing from the sink yet"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Replication, None, 160, 40));
}

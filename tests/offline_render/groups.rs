//! The groups view: list in three states at two sizes, a filtered list, and a group's partitions.

use cdc_console::ui::{UiState, ViewId};

use crate::fixtures::*;

#[expect(clippy::unnecessary_wraps, reason = "the state as the fixtures take it")]
fn ui(filter: &str, detail: Option<&str>) -> Option<UiState> {
    Some(UiState {
        view: ViewId::Groups,
        filter: filter.into(),
        detail: detail.map(Into::into),
        ..UiState::default()
    })
}

#[test]
fn healthy_groups_list() {
    let s = healthy_full();
    let small = render(&s, ViewId::Groups, None, 80, 24);
    for want in ["cdc-replicator", "orders-sink", "idle-audit", "WARN", "ERR", "42s", "500", "▁"]
    {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("healthy_80x24", small);
    let wide = render(&s, ViewId::Groups, None, 160, 40);
    assert!(wide.contains("HISTORY") && wide.contains("never"), "{wide}");
    insta::assert_snapshot!("healthy_160x40", wide);
}

#[test]
fn groups_down_keeps_stale_rows() {
    let s = kafka_down();
    let small = render(&s, ViewId::Groups, None, 80, 24);
    assert!(small.contains("stale 1m15s") && small.contains("cdc-replicator"), "{small}");
    insta::assert_snapshot!("kafka_down_80x24", small);
    insta::assert_snapshot!("kafka_down_160x40", render(&s, ViewId::Groups, None, 160, 40));
}

#[test]
fn nothing_polled_yet() {
    let s = empty();
    let small = render(&s, ViewId::Groups, None, 80, 24);
    assert!(small.contains("consumer groups not polled yet"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Groups, None, 160, 40));
}

#[test]
fn the_filter_narrows_rows_and_the_table() {
    let s = healthy_full();
    let ui_state = ui("SINK", None).unwrap();
    let rows = |u: &UiState| s.rows(u.view.table(), &u.filter, u.detail.as_deref());
    assert_eq!(rows(&ui_state), ["orders-sink"]);
    let all = UiState { filter: String::new(), ..ui_state.clone() };
    assert_eq!(rows(&all), ["cdc-replicator", "orders-sink", "idle-audit"]);
    let small = render(&s, ViewId::Groups, ui("sink", None), 80, 24);
    assert!(
        small.contains("orders-sink")
            && !small.contains("cdc-replicator")
            && small.contains("/sink"),
        "{small}"
    );
    insta::assert_snapshot!("filtered_80x24", small);
    let none = render(&s, ViewId::Groups, ui("zzz", None), 80, 24);
    assert!(none.contains("no consumer groups match /zzz"), "{none}");
}

#[test]
fn a_group_described_per_partition() {
    let s = healthy_full();
    let small = render(&s, ViewId::Groups, ui("", Some("orders-sink")), 80, 24);
    for want in ["group orders-sink", "STALL", "3000", "5m10s", "LOG-END", "never"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("detail_80x24", small);
    let wide = render(&s, ViewId::Groups, ui("", Some("cdc-replicator")), 160, 40);
    for want in ["replicator-1-5f2c", "/127.0.0.1", "12s", "ETA 42s", "900 → 500"] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
    insta::assert_snapshot!("detail_160x40", wide);
    let gone = render(&s, ViewId::Groups, ui("", Some("nope")), 80, 24);
    assert!(gone.contains("group nope not found"), "{gone}");
}

#[test]
fn a_commit_out_of_range_is_err_with_the_reason() {
    use cdc_console::collectors::lag::verdict::Verdict;
    use cdc_console::collectors::{Update, UpdateKind};
    let mut groups = groups();
    let g = &mut groups.groups[1];
    let reason = "committed offset 91418 is beyond the log end 520: the topic was recreated or \
                  truncated; records written since are not being consumed";
    let p = &mut g.partitions[1];
    (p.current_offset, p.lag, p.lag_seconds) = (Some(91_418), None, None);
    (p.verdict, p.reason) = (Verdict::Err, Some(reason.into()));
    g.reason = Some(format!("{}[1]: {reason}", p.topic));
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Groups(Ok(groups)) });
    let wide = render(&s, ViewId::Groups, ui("", Some("orders-sink")), 160, 40);
    for want in
        ["data lost: dbserver1.public.order_items[1]: committed offset 91418", "ERR beyond log end"]
    {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
    insta::assert_snapshot!("detail_out_of_range_160x40", wide);
}

/// The replicator assigns its partitions itself: the broker says Empty with no members. The
/// view says the console's replicator consumes it, and a steady small lag is caught up.
#[test]
fn the_consoles_own_group_is_named_and_caught_up() {
    use cdc_console::collectors::{Update, UpdateKind};
    let mut groups = groups();
    let g = &mut groups.groups[0];
    g.name = "cdc-console-replicator".into();
    (g.state, g.members, g.eta_seconds) = ("Empty".into(), vec![], None);
    for p in &mut g.partitions {
        (p.consumer_id, p.host, p.client_id) = (None, None, None);
    }
    g.consumed_by = cdc_console::collectors::groups::console_stage(&g.name);
    // A steady 40 records behind, consumed as fast as produced.
    (g.total_lag, g.max_lag, g.max_lag_seconds) = (Some(40), Some(20), Some(0.8));
    g.verdict = cdc_console::collectors::lag::verdict::Verdict::Ok;
    g.rates = Some(cdc_console::collectors::lag::history::Rates {
        consume_per_s: 50.0,
        produce_per_s: 50.0,
    });
    g.lag_history = vec![38, 41, 40, 39, 42, 40];
    g.caught_up =
        cdc_console::collectors::groups::keeping_up(g.total_lag, g.max_lag_seconds, g.rates);
    let mut s = healthy();
    s.apply(Update { at: t(0), kind: UpdateKind::Groups(Ok(groups)) });
    let list = render(&s, ViewId::Groups, None, 160, 40);
    let row = list.lines().find(|l| l.contains("cdc-console-replicator")).unwrap_or_default();
    assert!(row.contains("console replicator") && row.contains("caught up"), "{list}");
    assert!(!row.contains("Empty") && !row.contains("never"), "{list}");
    insta::assert_snapshot!("console_group_160x40", list);
    let detail = render(&s, ViewId::Groups, ui("", Some("cdc-console-replicator")), 160, 40);
    assert!(
        detail.contains("consumed by the console's replicator: it assigns its partitions itself"),
        "{detail}"
    );
    insta::assert_snapshot!("console_group_detail_160x40", detail);
}

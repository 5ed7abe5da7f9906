//! The alerts view (firing, pending and resolved mixed; an alert's detail; rules that could not
//! be evaluated; nothing firing) and the header's count of firing alerts, critical and
//! warning-only, in their colours.

use std::time::{Duration, SystemTime};

use cdc_console::action::Keymap;
use cdc_console::alerts::{Alert, AlertState, AlertsSnapshot, Severity};
use cdc_console::config::theme::Theme;
use cdc_console::store::{Embedded, StateFilter, Store};
use cdc_console::ui::{UiState, View, ViewId, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crate::fixtures::*;

/// `s` seconds before the frame's time (`t(75)`).
fn ago(s: u64) -> SystemTime {
    t(75) - Duration::from_secs(s)
}

fn alert(rule: &str, severity: Severity, state: AlertState, labels: &[(&str, &str)]) -> Alert {
    Alert {
        rule: rule.into(),
        severity,
        state,
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        value: String::new(),
        summary: String::new(),
        active_since: ago(0),
        fired_at: None,
        resolved_at: None,
    }
}

fn mixed() -> AlertsSnapshot {
    use AlertState::{Firing, Pending, Resolved};
    use Severity::{Critical, Warning};
    let failed = Alert {
        value: "FAILED".into(),
        summary: "connector orders-sink task 0 FAILED: connection to sink-db:5432 refused".into(),
        active_since: ago(372),
        fired_at: Some(ago(312)),
        ..alert(
            "connector_failed",
            Critical,
            Firing,
            &[("connector", "orders-sink"), ("task", "0")],
        )
    };
    let lag = Alert {
        value: "95s".into(),
        summary: "group orders-sink is 95s behind (over 60s)".into(),
        active_since: ago(150),
        fired_at: Some(ago(30)),
        ..alert("group_lag_seconds", Warning, Firing, &[("group", "orders-sink")])
    };
    let slot = Alert {
        value: "1.2 GiB".into(),
        summary: "slot cdc_console retains 1.2 GiB of WAL (over 1 GiB)".into(),
        active_since: ago(20),
        ..alert("slot_retained_wal", Critical, Pending, &[("slot", "cdc_console")])
    };
    let broker = Alert {
        value: "up".into(),
        summary: "broker 2 is back".into(),
        active_since: ago(900),
        fired_at: Some(ago(840)),
        resolved_at: Some(ago(181)),
        ..alert("broker_down", Critical, Resolved, &[("broker", "2")])
    };
    AlertsSnapshot { alerts: vec![failed, lag, slot, broker], errors: vec![] }
}

fn store_with(alerts: AlertsSnapshot) -> Store {
    let mut s = healthy();
    s.alerts = alerts;
    s
}

fn ui(detail: Option<String>, selected: usize) -> UiState {
    UiState { view: ViewId::Alerts, detail, selected, ..UiState::default() }
}

/// The frame's cells, for their colours.
fn buffer(store: &Store, ui: &UiState, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let embedded = Embedded::default();
    term.draw(|f| {
        let v = View {
            store,
            theme: &theme,
            keymap: &keymap,
            ui,
            embedded: &embedded,
            read_only: false,
            now: t(75),
        };
        draw(f, &v);
    })
    .unwrap();
    term.backend().buffer().clone()
}

/// The foreground of the first cell of row `y` whose text starts `text`.
fn colour_of(b: &Buffer, y: u16, text: &str) -> Option<Color> {
    let line: String = (0..b.area.width).map(|x| b[(x, y)].symbol().to_string()).collect();
    let at = line.find(text)?;
    let x = line[..at].chars().count() as u16;
    Some(b[(x, y)].fg)
}

#[test]
fn firing_then_pending_then_resolved_in_their_colours() {
    let s = store_with(mixed());
    let small = render(&s, ViewId::Alerts, None, 80, 24);
    let order: Vec<usize> =
        ["connector_failed", "group_lag_seconds", "slot_retained_wal", "broker_down"]
            .iter()
            .map(|r| small.find(r).unwrap_or_else(|| panic!("{r} missing:\n{small}")))
            .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "firing, pending, resolved:\n{small}");
    for want in ["for 5m12s", "for 30s", "for 20s", "3m01s ago", "group=orders-sink", "2 firing"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("mixed_80x24", small);
    let wide = render(&s, ViewId::Alerts, None, 160, 40);
    assert!(wide.contains("group orders-sink is 95s behind"), "the summary fits:\n{wide}");
    insta::assert_snapshot!("mixed_160x40", wide);
}

#[test]
fn firing_rows_in_their_severitys_colour_and_resolved_ones_dimmed() {
    let theme = Theme::default();
    let s = store_with(mixed());
    // Row 0 is the header line, 1 the block's top, 2 the table's header; the selected row is
    // reversed in the highlight colour, so each row is looked at while another is selected.
    let b = buffer(&s, &ui(None, 3), 160, 40);
    assert_eq!(colour_of(&b, 3, "firing"), Some(theme.error.0), "critical fires red");
    assert_eq!(colour_of(&b, 4, "firing"), Some(theme.warn.0), "warning fires amber");
    assert_eq!(colour_of(&b, 5, "pending"), Some(theme.text.0));
    assert_eq!(colour_of(&b, 5, "critical"), Some(theme.error.0), "what it will fire as");
    let b = buffer(&s, &ui(None, 0), 160, 40);
    assert_eq!(colour_of(&b, 6, "resolved"), Some(theme.dim.0), "resolved ones are dimmed");
}

#[test]
fn the_detail_shows_every_label_and_the_times() {
    let s = store_with(mixed());
    let fingerprint = s.alerts.alerts[0].fingerprint();
    let small = render(&s, ViewId::Alerts, Some(ui(Some(fingerprint.clone()), 0)), 80, 24);
    for want in [
        "connector=orders-sink",
        "task=0",
        "2027-01-15T07:55:03.000Z (6m12s ago)",
        "(5m12s ago)",
        "connection to sink-db:5432",
        "             refused",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("detail_80x24", small);
    insta::assert_snapshot!(
        "detail_160x40",
        render(&s, ViewId::Alerts, Some(ui(Some(fingerprint), 0)), 160, 40)
    );
    let gone = render(&s, ViewId::Alerts, Some(ui(Some("gone{}".into()), 0)), 80, 24);
    assert!(gone.contains("no longer listed"), "{gone}");
}

#[test]
fn rules_that_failed_are_boxed_below() {
    let mut alerts = mixed();
    alerts.errors = vec![
        "slot_retained_wal: no slot `cdc_console` in the source".into(),
        "dead_letters_growing: the sink is down".into(),
    ];
    let small = render(&store_with(alerts), ViewId::Alerts, None, 80, 24);
    assert!(small.contains("Rules that could not be evaluated · 2"), "{small}");
    assert!(small.contains("✗ dead_letters_growing: the sink is down"), "{small}");
    insta::assert_snapshot!("errors_80x24", small);
}

#[test]
fn receivers_are_boxed_below_with_their_counts_and_a_failing_one_in_red() {
    use cdc_console::notify::{Kind, ReceiverStatus};
    let mut store = store_with(mixed());
    let receiver = |name: &str, kind, url: &str| ReceiverStatus {
        name: name.into(),
        kind,
        url: url.into(),
        sent: 0,
        failed: 0,
        dropped: 0,
        queued: 0,
        last_error: None,
        last_error_at: None,
        last_success: None,
    };
    let mut slack = receiver("ops-slack", Kind::Slack, "https://hooks.slack.com/****");
    (slack.sent, slack.last_success) = (4, Some(ago(12)));
    let mut hook = receiver("ops-hook", Kind::Webhook, "http://10.0.0.7:9000/****");
    (hook.failed, hook.queued, hook.sent) = (2, 1, 3);
    (hook.last_success, hook.last_error_at) = (Some(ago(60)), Some(ago(3)));
    hook.last_error = Some("error sending request: connection refused".into());
    store.receivers = vec![slack, hook];
    let wide = render(&store, ViewId::Alerts, None, 160, 40);
    assert!(wide.contains("Receivers · 2"), "{wide}");
    assert!(
        wide.contains("✓ ops-slack (slack, https://hooks.slack.com/****)  sent 4 · failed 0"),
        "{wide}"
    );
    assert!(wide.contains("error 3s ago: error sending request: connection refused"), "{wide}");
    let b = buffer(&store, &ui(None, 0), 160, 40);
    let row = (0..40).find(|y| {
        let line: String = (0..160).map(|x| b[(x, *y)].symbol().to_string()).collect();
        line.contains("ops-hook")
    });
    let row = row.expect("the failing receiver's row");
    assert_eq!(colour_of(&b, row, "✗"), Some(Theme::default().error.0), "failing in red");
    insta::assert_snapshot!("receivers_160x40", wide);
}

#[test]
fn nothing_firing_says_so_and_the_header_is_quiet() {
    let small = render(&healthy(), ViewId::Alerts, None, 80, 24);
    assert!(small.contains("(no alerts firing or pending)"), "{small}");
    assert!(!small.lines().next().unwrap().contains('▲'), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    let mut only_resolved = mixed();
    only_resolved.alerts.retain(|a| a.state == AlertState::Resolved);
    let s = store_with(only_resolved);
    let f =
        UiState { view: ViewId::Alerts, alerts_shown: StateFilter::Firing, ..UiState::default() };
    let firing = render(&s, ViewId::Alerts, Some(f), 80, 24);
    assert!(firing.contains("(no firing alerts)") && !firing.contains('▲'), "{firing}");
}

#[test]
fn the_header_counts_firing_alerts_critical_red_warning_amber() {
    let theme = Theme::default();
    let s = store_with(mixed());
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(small.lines().next().unwrap().contains("▲ 2 firing"), "{small}");
    insta::assert_snapshot!("header_critical_80x24", small);
    let b = buffer(&s, &UiState::default(), 160, 40);
    assert_eq!(colour_of(&b, 0, "▲ 2 firing"), Some(theme.error.0));
    let mut warning = mixed();
    warning.alerts.retain(|a| a.severity == Severity::Warning);
    let s = store_with(warning);
    let wide = render(&s, ViewId::Overview, None, 160, 40);
    assert!(wide.lines().next().unwrap().contains("▲ 1 firing"), "{wide}");
    insta::assert_snapshot!("header_warning_160x40", wide);
    let b = buffer(&s, &UiState::default(), 160, 40);
    assert_eq!(colour_of(&b, 0, "▲ 1 firing"), Some(theme.warn.0));
    let pending_only = mixed().alerts.into_iter().filter(|a| a.state == AlertState::Pending);
    let s = store_with(AlertsSnapshot { alerts: pending_only.collect(), errors: vec![] });
    let quiet = render(&s, ViewId::Overview, None, 160, 40);
    assert!(!quiet.lines().next().unwrap().contains('▲'), "pending alone is quiet:\n{quiet}");
}

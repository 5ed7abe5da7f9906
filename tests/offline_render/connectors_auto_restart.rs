//! The connectors view with auto-restart: the AUTO-RESTART column (only when some connector is
//! opted in), the detail's `restart` line with the reason and a refused request, and how
//! `--read-only` shows it. Drawn at t(75).

use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::pipeline::retry::epoch_ms;
use cdc_console::store::Store;
use cdc_console::store::snapshots::AutoRestartStatus;
use cdc_console::ui::{UiState, ViewId};

use crate::fixtures::*;

/// `troubled()` with every connector opted in: orders-sink (task 1 FAILED) restarted 3 times,
/// the last 8 s ago, the next due in 8 s; orders-cdc RUNNING since a restart 5 minutes ago;
/// audit-export PAUSED, never restarted.
fn auto_restarting(active: bool) -> Store {
    let mut snap = connect_failing();
    let ms = |s: u64| epoch_ms(t(s));
    for c in &mut snap.connectors {
        c.auto_restart = Some(match c.name.as_str() {
            "orders-sink" => AutoRestartStatus {
                active,
                restarts: 3,
                streak: 3,
                last_reason: Some("org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.".into()),
                last_restart_at_ms: Some(ms(67)),
                next_attempt_at_ms: Some(ms(83)),
                last_error: None,
            },
            "orders-cdc" => AutoRestartStatus {
                active,
                restarts: 1,
                streak: 1,
                last_restart_at_ms: Some(ms(0) - 225_000),
                last_reason: Some("org.postgresql.util.PSQLException: terminating connection due to administrator command".into()),
                ..AutoRestartStatus::default()
            },
            _ => AutoRestartStatus { active, ..AutoRestartStatus::default() },
        });
        if !active {
            c.auto_restart = Some(AutoRestartStatus { active, ..AutoRestartStatus::default() });
        }
    }
    let mut s = troubled();
    s.apply(Update { at: t(0), kind: UpdateKind::Connect(0, Ok(snap)) });
    s
}

fn ui() -> UiState {
    UiState { view: ViewId::Connectors, ..UiState::default() }
}

#[test]
fn the_list_shows_restarts_and_the_next_one() {
    let s = auto_restarting(true);
    let wide = render(&s, ViewId::Connectors, None, 160, 40);
    for want in ["AUTO-RESTART", "3× · next in 8s", "1× · 5m00s ago", " on "] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
    insta::assert_snapshot!("auto_restart_160x40", wide);
    let small = render(&s, ViewId::Connectors, None, 80, 24);
    assert!(
        small.contains("3× · next in 8s") && small.contains("1/2 RUNNING · 1 FAILED"),
        "{small}"
    );
    insta::assert_snapshot!("auto_restart_80x24", small);
    // Without an opted-in connector the column is not there.
    let plain = render(&troubled(), ViewId::Connectors, None, 160, 40);
    assert!(!plain.contains("AUTO-RESTART"), "{plain}");
}

#[test]
fn the_detail_names_the_reason_and_a_refused_request() {
    let mut s = auto_restarting(true);
    let u = UiState { detail: Some("orders-sink".into()), ..ui() };
    let detail = render(&s, ViewId::Connectors, Some(u.clone()), 120, 30);
    assert!(
        detail.contains("restart auto-restart 3× · next in 8s · last 8s ago")
            && detail
                .contains("because: org.apache.kafka.connect.errors.ConnectException: Exiting"),
        "{detail}"
    );
    insta::assert_snapshot!("auto_restart_detail_120x30", detail);

    let refused = r#"409 Conflict: {"error_code":409,"message":"Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"}"#;
    let snap = s.connect[0].snapshot.as_mut().expect("polled");
    let sink = snap.connectors.iter_mut().find(|c| c.name == "orders-sink").expect("listed");
    sink.auto_restart.as_mut().expect("opted in").last_error = Some(refused.into());
    let detail = render(&s, ViewId::Connectors, Some(u), 120, 30);
    assert!(
        detail.contains(r#"refused: 409 Conflict: {"error_code":409,"message":"Cannot complete"#),
        "{detail}"
    );
    insta::assert_snapshot!("auto_restart_detail_refused_120x30", detail);
    let list = render(&s, ViewId::Connectors, None, 160, 40);
    assert!(list.contains("3× · next in 8s"), "{list}");
}

#[test]
fn read_only_shows_auto_restart_off() {
    let s = auto_restarting(false);
    let wide = render(&s, ViewId::Connectors, None, 160, 40);
    assert_eq!(wide.matches("off (read-only)").count(), 3, "{wide}");
    assert!(!wide.contains("next in") && !wide.contains("ago"), "{wide}");
    let u = UiState { detail: Some("orders-sink".into()), ..ui() };
    let detail = render(&s, ViewId::Connectors, Some(u), 120, 30);
    assert!(detail.contains("auto-restart off: --read-only changes nothing"), "{detail}");
}

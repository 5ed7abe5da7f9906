//! Time to draw one frame: the groups view with 1,000 partitions (the list, and one group's
//! partition table), the overview, and the dead-letters view after a poison flood (two
//! consumers, 10,000 letters each of thirteen reasons, the 200 newest listed). Target: under
//! 2 ms per frame. And the alerts view at 160x50 with 200 alerts (firing, pending and resolved
//! mixed, two rules that failed to evaluate).
//!
//! `cargo bench --bench frame_draw`. Frames are drawn into ratatui's TestBackend, so this is
//! the cost of building the frame (what the console does on every change), not of the
//! terminal writing it.

#[path = "../tests/offline_render/fixtures.rs"]
mod fixtures;

use cdc_console::store::Embedded;
use std::time::{Duration, Instant};

use cdc_console::action::Keymap;
use cdc_console::collectors::lag::verdict::Verdict;
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::config::theme::Theme;
use cdc_console::store::Store;
use cdc_console::ui::{UiState, View, ViewId, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The fixtures' groups, the first grown to `n` partitions over 10 topics.
fn store_with_partitions(n: usize) -> Store {
    let mut groups = fixtures::groups();
    let g = &mut groups.groups[0];
    g.partitions = (0..n)
        .map(|i| {
            fixtures::partition_lag(
                &format!("topic-{}", i % 10),
                (i / 10) as i32,
                1_000 + i as i64,
                2_000 + i as i64,
                3.5,
                Verdict::Ok,
                Some(("member-1", "/10.0.0.1", "client-1")),
            )
        })
        .collect();
    let mut store = fixtures::healthy_full();
    store.apply(Update { at: fixtures::t(10), kind: UpdateKind::Groups(Ok(groups)) });
    store
}

/// The sink's dead letters after a poison flood: two consumers, 10,000 letters each.
fn store_after_poison_flood(base: &Store) -> Store {
    use cdc_console::collectors::postgres::{DeadLetters, PostgresSnapshot};
    use cdc_console::pipeline::deadletter::{ConsumerLetters, Letter, ReasonCount};
    let ms = 1_795_000_000_000_i64;
    let reasons: Vec<ReasonCount> = (0..13)
        .map(|i| ReasonCount {
            reason: format!("poison kind {i}: expected `{{` at byte N of the value of column N"),
            count: 10_000 / 13,
            last_ms: ms + i,
        })
        .collect();
    let consumer = |name: &str| ConsumerLetters {
        consumer: name.into(),
        count: 10_000,
        redriven: 0,
        first_ms: ms - 60_000,
        last_ms: ms,
        reasons: reasons.clone(),
    };
    let newest = (0..200)
        .map(|i| Letter {
            id: 20_000 - i,
            consumer: if i % 2 == 0 { "replica:orders_replica" } else { "job:orders_by_status" }
                .into(),
            topic: "dbserver1.public.orders".into(),
            partition: (i % 4) as i32,
            offset: 100_000 - i,
            reason: format!("poison kind {}", i % 13),
            recorded_ms: ms - i,
            ..Letter::default()
        })
        .collect();
    let dead_letters = DeadLetters {
        consumers: vec![consumer("job:orders_by_status"), consumer("replica:orders_replica")],
        newest,
    };
    let mut store = base.clone();
    let sink = PostgresSnapshot { dead_letters, ..fixtures::pg(false) };
    store.apply(Update { at: fixtures::t(60), kind: UpdateKind::Sink(Ok(sink)) });
    store
}

/// 200 alerts over three rules, a third of each state, and two rules that failed.
fn store_with_alerts(base: &Store) -> Store {
    use cdc_console::alerts::{Alert, AlertState, AlertsSnapshot, Severity};
    let states = [AlertState::Firing, AlertState::Pending, AlertState::Resolved];
    let mut alerts: Vec<Alert> = (0..200)
        .map(|i| Alert {
            rule: ["group_lag_seconds", "connector_failed", "slot_retained_wal"][i % 3].into(),
            severity: if i % 2 == 0 { Severity::Critical } else { Severity::Warning },
            state: states[i % 3],
            labels: [("group".to_string(), format!("orders-sink-{i}"))].into(),
            value: format!("{i}s"),
            summary: format!("group orders-sink-{i} is {i}s behind (over 60s)"),
            active_since: fixtures::t(0),
            fired_at: Some(fixtures::t(10)),
            resolved_at: (i % 3 == 2).then(|| fixtures::t(50)),
        })
        .collect();
    alerts.sort_by_key(|a| cdc_console::store::state_rank(a.state));
    let mut store = base.clone();
    store.alerts = AlertsSnapshot {
        alerts,
        errors: vec!["dead_letters_growing: the sink is down".into(), "slot_wal: no slot".into()],
    };
    store
}

fn time_frames(name: &str, store: &Store, ui: UiState, frames: u32) {
    time_frames_at(name, store, &ui, frames, (200, 50));
}

fn time_frames_at(name: &str, store: &Store, ui: &UiState, frames: u32, (w, h): (u16, u16)) {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let view = View {
        store,
        theme: &theme,
        keymap: &keymap,
        ui,
        embedded: &Embedded::default(),
        read_only: false,
        now: fixtures::t(75),
    };
    let mut times: Vec<Duration> = (0..frames)
        .map(|_| {
            let start = Instant::now();
            term.draw(|f| draw(f, &view)).expect("draw");
            start.elapsed()
        })
        .collect();
    times.sort();
    let pct = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "{name}: median {:.3} ms, p99 {:.3} ms, max {:.3} ms over {frames} frames at {w}x{h} (target < 2 ms)",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}

fn main() {
    let store = store_with_partitions(1_000);
    let name = store.groups.snapshot.as_ref().expect("groups").groups[0].name.clone();
    time_frames("groups list", &store, UiState { view: ViewId::Groups, ..UiState::default() }, 500);
    time_frames(
        "group detail, 1,000 partitions",
        &store,
        UiState { view: ViewId::Groups, detail: Some(name), ..UiState::default() },
        500,
    );
    time_frames("overview", &store, UiState::default(), 500);
    let flooded = store_after_poison_flood(&store);
    time_frames(
        "dead letters after a poison flood",
        &flooded,
        UiState { view: ViewId::DeadLetters, ..UiState::default() },
        500,
    );
    let alerting = store_with_alerts(&store);
    time_frames_at(
        "alerts, 200 (the 100th selected)",
        &alerting,
        &UiState { view: ViewId::Alerts, selected: 100, ..UiState::default() },
        500,
        (160, 50),
    );
}

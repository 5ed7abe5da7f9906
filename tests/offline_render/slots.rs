//! The slot guard on the overview: a lost slot red with its reason, one running out of time
//! amber with its time to the limit, and the source's own change rate beside the topics'.

use cdc_console::collectors::kafka::KafkaSnapshot;
use cdc_console::collectors::postgres::{PostgresSnapshot, ReplicationSlot};
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::config::Config;
use cdc_console::config::theme::Theme;
use cdc_console::store::{Embedded, LOST, Store};
use cdc_console::ui::{UiState, View, ViewId};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::fixtures::*;

const MIB: i64 = 1 << 20;

fn slot(name: &str, status: &str, safe: Option<i64>, growth: f64) -> ReplicationSlot {
    let ok = &pg(true).slots[0];
    ReplicationSlot {
        name: name.into(),
        active: false,
        wal_status: Some(status.into()),
        safe_wal_size: safe,
        retained_bytes: Some(200 * MIB),
        retained_bytes_per_sec: Some(growth),
        inactive_since: Some(t(10)),
        ..ok.clone()
    }
}

/// The generator writes 500 changes/s, the connector is stopped: no messages on the topics; one
/// slot lost, one to be lost in 50 minutes at 1 MiB every 30 s.
fn guarded() -> Store {
    with_slots(vec![
        slot("t21slot_amber", "extended", Some(100 * MIB), MIB as f64 / 30.0),
        slot("t21slot_lost", "lost", None, 0.0),
    ])
}

fn with_slots(slots: Vec<ReplicationSlot>) -> Store {
    let source = PostgresSnapshot {
        changes: cdc_console::collectors::postgres::SourceChanges {
            total: 90_000,
            per_sec: Some(500.0),
        },
        slots,
        ..pg(true)
    };
    let mut k = kafka();
    for topic in &mut k.topics {
        topic.messages_per_sec = Some(0.0);
    }
    let mut s = Store::new(&Config::default());
    for kind in [
        UpdateKind::Source(Ok(source)),
        UpdateKind::Kafka(Ok::<KafkaSnapshot, _>(k)),
        UpdateKind::Connect(0, Ok(connect())),
    ] {
        s.apply(Update { at: t(0), kind });
    }
    s
}

/// The foreground colours of every place `text` is drawn.
fn colors_of(store: &Store, w: u16, h: u16, text: &str) -> Vec<Color> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (theme, keymap) = (Theme::default(), cdc_console::action::Keymap::default());
    let ui = UiState { view: ViewId::Overview, ..UiState::default() };
    let view = View {
        store,
        theme: &theme,
        keymap: &keymap,
        ui: &ui,
        embedded: &Embedded::default(),
        read_only: false,
        now: t(75),
    };
    term.draw(|f| cdc_console::ui::draw(f, &view)).unwrap();
    let cells = term.backend().buffer().content().to_vec();
    let (width, len) = (usize::from(w), text.chars().count());
    (0..cells.len())
        .filter(|&i| {
            i % width + len <= width
                && cells[i..i + len].iter().map(ratatui::buffer::Cell::symbol).collect::<String>()
                    == text
        })
        .map(|i| cells[i].fg)
        .collect()
}

#[test]
fn a_lost_slot_is_red_with_its_reason_and_a_closing_one_amber() {
    let s = guarded();
    let wide = render(&s, ViewId::Overview, None, 200, 40);
    // The table gives the reason's start, the source box all of it (wrapped).
    assert!(wide.contains("invalidated: WAL beyond max_slot_wal_keep_size"), "{wide}");
    assert!(wide.contains("the connector must be re-snapshotted"), "{wide}");
    assert!(wide.contains("50m00s"), "{wide}");
    let (error, warn) = (Theme::default().error.0, Theme::default().warn.0);
    assert_eq!(colors_of(&s, 200, 40, "t21slot_lost "), [error], "lost is red");
    assert_eq!(colors_of(&s, 200, 40, "t21slot_amber "), [warn], "50 minutes left is amber");
    assert_eq!(colors_of(&s, 200, 40, "LOST "), [error], "its state says LOST, in red");
    let small = render(&s, ViewId::Overview, None, 80, 24);
    assert!(small.contains("t21slot_lost  LOST"), "{small}");
    // The source stage is down with the reason: changes are missing.
    let stage = s.stages().into_iter().find(|x| x.stage == "source").unwrap();
    assert_eq!(format!("{:?}", stage.state), "Down");
    assert!(stage.detail.iter().any(|d| d == LOST), "{stage:?}");
    insta::assert_snapshot!("slot_guard_200x40", wide);
}

#[test]
fn the_source_box_shows_its_own_change_rate_beside_the_topics() {
    let small = render(&with_slots(pg(true).slots), ViewId::Overview, None, 80, 24);
    assert!(small.contains("500.0 chg/s") && small.contains("topic 0.0/s"), "{small}");
}

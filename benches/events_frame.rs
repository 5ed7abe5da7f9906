//! Frame time of the `:events` view with follow on at 2,000 events/s: the reader publishes the
//! events that arrived every 100 ms (200 at a time at that rate), the view keeps the newest
//! 2,000, and a frame is drawn after each publish, the selected event's column diff included.
//! Target: under 2 ms per frame, as the other views.
//!
//! `cargo bench --bench events_frame`. Frames are drawn into ratatui's TestBackend, so this is
//! the cost of building the frame, not of the terminal writing it.

#[path = "../tests/offline_render/fixtures.rs"]
mod fixtures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cdc_console::action::Keymap;
use cdc_console::collectors::events::{EventsSnapshot, publish};
use cdc_console::config::theme::Theme;
use cdc_console::pipeline::events::{ChangeEvent, decode};
use cdc_console::store::Embedded;
use cdc_console::ui::{UiState, View, ViewId, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const RATE: usize = 2_000;
const PUBLISH_MS: usize = 100;
const SECONDS: usize = 30;

/// A Debezium update of `public.orders` as the stack's connector writes it.
fn event(i: usize) -> Arc<ChangeEvent> {
    let id = 500_000 + i % 50_000;
    let value = format!(
        r#"{{"before":{{"order_id":{id},"user_id":{u},"customer_name":"Ada Hamilton","amount":"{a}.10","status":"pending","created_at":"2026-12-06T10:57:25.642324Z","updated_at":"2026-12-06T10:57:25.642324Z"}},"after":{{"order_id":{id},"user_id":{u},"customer_name":"Ada Hamilton","amount":"{a}.76","status":"paid","created_at":"2026-12-06T10:57:25.642324Z","updated_at":"2026-12-06T14:13:10.150005Z"}},"source":{{"version":"3.6.1.Final","connector":"postgresql","ts_ms":1765030390150,"snapshot":"false","db":"source","schema":"public","table":"orders","txId":{tx},"lsn":{lsn}}},"op":"u","ts_ms":1765030390234}}"#,
        u = i % 9_000,
        a = i % 997,
        tx = 179_000 + i,
        lsn = 575_000_000 + i * 232,
    );
    let key = format!(r#"{{"order_id":{id}}}"#);
    let p = (i % 4) as i32;
    Arc::new(decode(
        p,
        i as i64,
        Some(1_765_030_390_234 + i as i64),
        Some(key.as_bytes()),
        Some(value.as_bytes()),
    ))
}

fn main() {
    let store = fixtures::healthy_full();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    for (w, h) in [(80, 24), (160, 50)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let ui = UiState {
            view: ViewId::Events,
            detail: Some("dbserver1.public.orders".into()),
            selected: 5,
            ..UiState::default()
        };
        let mut embedded = Embedded {
            events: EventsSnapshot {
                topic: "dbserver1.public.orders".into(),
                follow: true,
                running: true,
                ..EventsSnapshot::default()
            },
            ..Embedded::default()
        };
        let per_publish = RATE * PUBLISH_MS / 1000;
        let publishes = SECONDS * 1000 / PUBLISH_MS;
        let (mut frames, mut updates) = (Vec::new(), Vec::new());
        let mut n = 0;
        for _ in 0..publishes {
            let mut arrived: Vec<Arc<ChangeEvent>> = (n..n + per_publish).map(event).collect();
            n += per_publish;
            let t0 = Instant::now();
            // What the app does with a publish: the snapshot cloned out of the watch channel.
            publish(&mut embedded.events, &mut arrived);
            let shown = embedded.events.clone();
            updates.push(t0.elapsed());
            let e = Embedded { events: shown, ..Embedded::default() };
            let t1 = Instant::now();
            term.draw(|f| {
                let view = View {
                    store: &store,
                    theme: &theme,
                    keymap: &keymap,
                    ui: &ui,
                    embedded: &e,
                    read_only: false,
                    now: fixtures::t(75),
                };
                draw(f, &view);
            })
            .expect("draw");
            frames.push(t1.elapsed());
        }
        report(&format!("events view following at {RATE} events/s, {w}x{h}: frame"), &mut frames);
        report(
            &format!("events view following at {RATE} events/s, {w}x{h}: publish + clone"),
            &mut updates,
        );
    }
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{what}: mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} publishes",
        ms(mean),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0)),
        times.len()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

//! Time to render the Prometheus exposition of a large store: 200 consumer groups of 12
//! partitions each (2,400 partitions, ~10,000 series), with the fixtures' source, Kafka and
//! Connect. The console renders it on every store change that `--metrics-addr` serves.
//!
//! `cargo bench --bench metrics_render`.

#[path = "../tests/offline_render/fixtures.rs"]
mod fixtures;
#[allow(dead_code, clippy::all, clippy::pedantic)]
#[path = "support/metrics_before.rs"]
mod metrics_render_before;

use std::time::{Duration, Instant};

use cdc_console::collectors::lag::verdict::Verdict;
use cdc_console::collectors::{Update, UpdateKind};
use cdc_console::store::Store;

fn large_store(groups: usize, partitions: usize) -> Store {
    let mut snap = fixtures::groups();
    let template = snap.groups[0].clone();
    snap.groups = (0..groups)
        .map(|g| {
            let mut group = template.clone();
            group.name = format!("group-{g}");
            group.partitions = (0..partitions)
                .map(|p| {
                    fixtures::partition_lag(
                        &format!("topic-{}", g % 20),
                        p as i32,
                        1_000,
                        1_000 + p as i64,
                        1.5,
                        Verdict::Ok,
                        Some(("member-1", "/10.0.0.1", "client-1")),
                    )
                })
                .collect();
            group
        })
        .collect();
    let mut store = fixtures::healthy_full();
    store.apply(Update { at: fixtures::t(0), kind: UpdateKind::Groups(Ok(snap)) });
    store
}

/// Mean time of `render` over 50 runs, and the text's lines.
fn time(render: fn(&Store) -> String, store: &Store) -> (Duration, usize) {
    let lines = render(store).lines().count();
    let runs = 50;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(render(store));
    }
    (start.elapsed() / runs, lines)
}

fn main() {
    let store = large_store(200, 12);
    for (what, render) in [
        ("before (hand-written)", metrics_render_before::render as fn(&Store) -> String),
        ("prometheus-client", cdc_console::metrics::render),
    ] {
        let (each, lines) = time(render, &store);
        println!(
            "metrics render, 200 groups x 12 partitions, {what}: {:.2} ms ({lines} lines)",
            each.as_secs_f64() * 1e3
        );
    }
}

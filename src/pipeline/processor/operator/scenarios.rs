//! The operator's behaviour end to end: lateness and retractions (and helpers for the
//! handover and window-shape scenarios).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::job::{AggregateConfig, JobConfig, OutputConfig, Span, WindowConfig};
use crate::pipeline::processor::*;

pub(super) fn secs(s: u64) -> Span {
    Span(Duration::from_secs(s))
}

pub(super) fn job(window: WindowConfig, lateness: u64, event_time: &str) -> JobConfig {
    let amount = || "amount".to_string();
    JobConfig {
        name: "t".into(),
        topics: vec![],
        source_tables: vec![],
        event_time: event_time.into(),
        window,
        group_by: vec!["status".into()],
        aggregates: vec![
            AggregateConfig::Count,
            AggregateConfig::Sum { column: amount() },
            AggregateConfig::Min { column: amount() },
            AggregateConfig::Max { column: amount() },
        ],
        out_of_orderness: secs(0),
        idle_timeout: secs(3600),
        allowed_lateness: secs(lateness),
        output: OutputConfig { table: "cdc.t".into(), topic: None },
        on_offset_out_of_range: Default::default(),
    }
}

pub(super) fn tumbling(lateness: u64) -> JobConfig {
    job(WindowConfig::Tumbling { size: secs(10) }, lateness, "ts")
}

pub(super) type Row<'a> = (&'a str, &'a str, i64);

pub(super) fn image(r: Row<'_>) -> Image<'static> {
    Image {
        key: vec![KeyPart::Text(r.0.to_string().into())],
        values: vec![Some(Decimal::parse(r.1).unwrap())],
        event_time: Some(r.2),
    }
}

pub(super) fn change(
    op: Op,
    before: Option<Row<'_>>,
    after: Option<Row<'_>>,
    source_ts_ms: i64,
) -> Change<'static> {
    Change { op, source_ts_ms, before: before.map(image), after: after.map(image) }
}

/// What the sink would hold: (group, window start) → "count sum min max".
#[derive(Default)]
pub(super) struct Sink(pub(super) BTreeMap<(String, i64), String>);

impl Sink {
    pub(super) fn apply(&mut self, e: &Emission) {
        for r in &e.results {
            let key = (format!("{:?}", r.key[0]), r.window.start);
            match &r.partial {
                None => self.0.remove(&key),
                Some(p) => {
                    let c = p.columns[0];
                    let show = |d: Option<Decimal>| d.map_or("-".into(), |d| d.to_string());
                    self.0.insert(
                        key,
                        format!("{} {} {} {}", p.rows, c.sum, show(c.min), show(c.max)),
                    )
                }
            };
        }
    }
    pub(super) fn get(&self, status: &str, start: i64) -> Option<&str> {
        self.0.get(&(format!("{:?}", KeyValue::Text(status.into())), start)).map(String::as_str)
    }
}

#[test]
fn on_time_late_firing_and_too_late() {
    let mut op = Operator::new(&tumbling(5));
    let mut sink = Sink::default();
    let ins = |t| change(Op::Create, None, Some(("paid", "1", t)), 0);
    assert!(op.on_change(0, 0, b"a", &ins(1_000), 0).late.is_empty());
    assert!(op.advance(0).results.is_empty(), "window 0..10s still open at 1s");
    op.on_change(0, 1, b"b", &ins(12_000), 0);
    let e = op.advance(0);
    assert_eq!((e.results.len(), e.results[0].late_firing), (1, false));
    sink.apply(&e);
    assert_eq!(sink.get("paid", 0), Some("1 1 1 1"));
    // Within allowed lateness (10s + 5s > 12s): applied, the window fires again.
    assert!(op.on_change(0, 2, b"c", &ins(3_000), 0).late.is_empty());
    let e = op.advance(0);
    assert_eq!((e.results.len(), e.results[0].late_firing), (1, true));
    sink.apply(&e);
    assert_eq!(sink.get("paid", 0), Some("2 2 1 1"));
    // Nothing changed: nothing re-emitted.
    assert!(op.advance(0).results.is_empty());
    op.on_change(0, 3, b"d", &ins(16_000), 0);
    assert_eq!(op.advance(0).purged, 1);
    // Beyond allowed lateness: refused and reported.
    let late = op.on_change(0, 4, b"e", &ins(4_000), 0).late;
    assert_eq!(late.len(), 1);
    assert_eq!(
        (late[0].reason, late[0].window, late[0].offset),
        (LateReason::TooLate, Some(Window { start: 0, end: 10_000 }), 4)
    );
    assert_eq!(late[0].op_code(), "c");
    let stats = op.stats();
    assert_eq!(
        (stats.late_events, stats.events_applied, stats.job_watermark),
        (1, 4, Some(16_000))
    );
    assert_eq!(sink.get("paid", 0), Some("2 2 1 1"));
}

#[test]
fn an_update_moves_a_row_across_windows_and_groups() {
    let mut op = Operator::new(&tumbling(60));
    let mut sink = Sink::default();
    op.on_change(0, 0, b"1", &change(Op::Create, None, Some(("pending", "10", 1_000)), 0), 0);
    op.on_change(0, 1, b"2", &change(Op::Create, None, Some(("pending", "5", 2_000)), 0), 0);
    op.on_change(
        0,
        2,
        b"1",
        &change(Op::Update, Some(("pending", "10", 1_000)), Some(("paid", "20", 11_000)), 0),
        0,
    );
    op.on_change(0, 3, b"3", &change(Op::Create, None, Some(("x", "0", 25_000)), 0), 0);
    sink.apply(&op.advance(0));
    assert_eq!(sink.get("pending", 0), Some("1 5 5 5"));
    assert_eq!(sink.get("paid", 10_000), Some("1 20 20 20"));
    // Deleting the last pending row deletes its result row.
    op.on_change(0, 4, b"2", &change(Op::Delete, Some(("pending", "5", 2_000)), None, 0), 0);
    let e = op.advance(0);
    assert_eq!(e.results[0].partial, None);
    sink.apply(&e);
    assert_eq!(sink.get("pending", 0), None);
}

#[test]
fn min_and_max_stay_right_when_the_extreme_row_goes() {
    let mut op = Operator::new(&tumbling(60));
    let mut sink = Sink::default();
    for (i, amount) in ["3", "9", "1", "9"].iter().enumerate() {
        op.on_change(
            0,
            i as i64,
            &[i as u8],
            &change(Op::Create, None, Some(("s", amount, 100)), 0),
            0,
        );
    }
    op.on_change(0, 10, b"x", &change(Op::Create, None, Some(("later", "0", 20_000)), 0), 0);
    sink.apply(&op.advance(0));
    assert_eq!(sink.get("s", 0), Some("4 22 1 9"));
    op.on_change(0, 11, &[2], &change(Op::Delete, Some(("s", "1", 100)), None, 0), 0);
    op.on_change(
        0,
        12,
        &[1],
        &change(Op::Update, Some(("s", "9", 100)), Some(("s", "2", 100)), 0),
        0,
    );
    sink.apply(&op.advance(0));
    assert_eq!(sink.get("s", 0), Some("3 14 2 9"));
    op.on_change(0, 13, &[3], &change(Op::Delete, Some(("s", "9", 100)), None, 0), 0);
    sink.apply(&op.advance(0));
    assert_eq!(sink.get("s", 0), Some("2 5 2 3"));
}

#[test]
fn source_time_jobs_remember_each_rows_time() {
    let mut op = Operator::new(&job(WindowConfig::Tumbling { size: secs(10) }, 60, "source.ts_ms"));
    let mut sink = Sink::default();
    op.on_change(0, 0, b"k1", &change(Op::Create, None, Some(("a", "1", 0)), 1_000), 0);
    // The update retracts at the insert's commit time (window 0), adds at its own (window 10s).
    op.on_change(
        0,
        1,
        b"k1",
        &change(Op::Update, Some(("a", "1", 0)), Some(("b", "2", 0)), 12_000),
        0,
    );
    // A row this job never saw: its before image cannot be placed.
    let late =
        op.on_change(0, 2, b"k9", &change(Op::Delete, Some(("a", "7", 0)), None, 13_000), 0).late;
    assert_eq!(
        (late.len(), late[0].reason, late[0].retraction),
        (1, LateReason::BeforeTimeUnknown, true)
    );
    assert_eq!(late[0].reason.to_string(), "before image time unknown");
    op.on_change(0, 3, b"k1", &change(Op::Delete, Some(("b", "2", 0)), None, 14_000), 0);
    sink.apply(&op.flush());
    assert!(sink.0.is_empty(), "{:?}", sink.0);
    assert!(op.checkpoint(0).unwrap().row_times.is_empty(), "deleted rows are forgotten");
}

#[test]
fn source_time_jobs_forget_a_rows_time_once_its_window_is_past_lateness() {
    // Tumbling 10 s, lateness 60 s: a version at 1 s lies in [0 s, 10 s), too late from a
    // watermark of 70 s on; the other row's versions stay within reach.
    let mut op = Operator::new(&job(WindowConfig::Tumbling { size: secs(10) }, 60, "source.ts_ms"));
    op.on_change(0, 0, b"old", &change(Op::Create, None, Some(("a", "1", 0)), 1_000), 0);
    op.on_change(0, 1, b"new", &change(Op::Create, None, Some(("a", "2", 0)), 65_000), 0);
    op.advance(0);
    let hex = super::state::hex;
    let keys = |op: &Operator| {
        op.checkpoint(0).unwrap().row_times.into_iter().map(|(k, _)| k).collect::<Vec<_>>()
    };
    assert_eq!(keys(&op), [hex(b"new"), hex(b"old")], "within lateness at 65 s");
    let update = change(Op::Update, Some(("a", "2", 0)), Some(("a", "3", 0)), 75_000);
    assert!(op.on_change(0, 2, b"new", &update, 0).late.is_empty());
    op.advance(0);
    assert_eq!(keys(&op), [hex(b"new")], "the old row's window is past lateness at 75 s");
    // Its retraction now is late, as it was going to be.
    let delete = change(Op::Delete, Some(("a", "1", 0)), None, 80_000);
    let late = op.on_change(0, 3, b"old", &delete, 0).late;
    assert_eq!(
        (late.len(), late[0].reason, late[0].retraction),
        (1, LateReason::BeforeTimeUnknown, true)
    );
}

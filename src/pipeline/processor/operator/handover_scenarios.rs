//! The operator's behaviour end to end: window shapes, duplicates, handover through a checkpoint.

use super::late::{LateEvent, LateReason};
use super::scenarios::{Sink, change, job, secs, tumbling};
use crate::config::job::WindowConfig;
use crate::pipeline::processor::*;

#[test]
fn duplicates_are_skipped_and_truncates_reported() {
    let mut op = Operator::new(&tumbling(0));
    let c = change(Op::Create, None, Some(("a", "1", 0)), 0);
    assert!(!op.on_change(0, 5, b"k", &c, 0).duplicate);
    assert!(op.on_change(0, 5, b"k", &c, 0).duplicate);
    op.skip(0, 6, 0);
    assert!(op.on_change(0, 6, b"k", &c, 0).duplicate);
    assert!(op.on_change(0, 7, b"", &change(Op::Truncate, None, None, 0), 0).truncated);
    assert_eq!(op.checkpoint(0).unwrap().next_offset, 8);
    let e = op.flush();
    assert_eq!(e.results[0].partial.as_ref().unwrap().rows, 1);
}

#[test]
fn hopping_windows_each_count_the_event() {
    let mut op =
        Operator::new(&job(WindowConfig::Hopping { size: secs(60), slide: secs(10) }, 0, "ts"));
    op.on_change(0, 0, b"k", &change(Op::Create, None, Some(("a", "1", 65_000)), 0), 0);
    let e = op.flush();
    let starts: Vec<i64> = e.results.iter().map(|r| r.window.start).collect();
    assert_eq!(starts, [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
}

#[test]
fn a_hopping_contribution_late_for_its_oldest_windows_is_one_late_event() {
    let hopping = WindowConfig::Hopping { size: secs(30), slide: secs(10) };
    let mut op = Operator::new(&job(hopping, 0, "ts"));
    let ins = |t| change(Op::Create, None, Some(("a", "2", t)), 0);
    op.on_change(0, 0, b"k", &ins(50_000), 0);
    assert_eq!(op.advance(0).watermark.value, Some(50_000));
    // Windows of 35s: [30s,60s) is open; [20s,50s) and [10s,40s) ended at or before 50s.
    let late = op.on_change(0, 1, b"l", &ins(35_000), 0).late;
    assert_eq!(late.len(), 1, "{late:?}");
    let w = |s: i64, e: i64| Window { start: s * 1000, end: e * 1000 };
    assert_eq!((late[0].window, late[0].windows), (Some(w(10, 50)), 2));
    assert!(late[0].refused_in(&w(20, 50)) && late[0].refused_in(&w(10, 40)));
    assert!(!late[0].refused_in(&w(30, 60)));
    assert_eq!(op.stats().late_events, 1);
    let e = op.flush();
    let rows: Vec<(i64, i64)> = e
        .results
        .iter()
        .map(|r| (r.window.start, r.partial.as_ref().map_or(0, |p| p.rows)))
        .collect();
    assert_eq!(rows, [(30_000, 2), (40_000, 1), (50_000, 1)]);
}

#[test]
fn a_bridging_event_merges_two_fired_sessions() {
    let mut op = Operator::new(&job(WindowConfig::Session { gap: secs(10) }, 60, "ts"));
    let mut sink = Sink::default();
    let ins = |t, amount| change(Op::Create, None, Some(("a", amount, t)), 0);
    op.on_change(0, 0, b"1", &ins(0, "1"), 0);
    op.on_change(0, 1, b"2", &ins(20_000, "2"), 0);
    op.on_change(0, 2, b"z", &change(Op::Create, None, Some(("z", "0", 50_000)), 0), 0);
    sink.apply(&op.advance(0));
    assert_eq!((sink.get("a", 0), sink.get("a", 20_000)), (Some("1 1 1 1"), Some("1 2 2 2")));
    op.on_change(0, 3, b"3", &ins(10_000, "4"), 0);
    let e = op.advance(0);
    assert_eq!(e.results[0].partial, None, "the later session's row goes");
    assert_eq!(e.results[1].window, Window { start: 0, end: 30_000 });
    sink.apply(&e);
    assert_eq!((sink.get("a", 0), sink.get("a", 20_000)), (Some("3 7 1 4"), None));
}

/// Replays `events` into `op`, advancing after each; returns the emissions.
fn run(op: &mut Operator, events: &[(i32, i64, Change<'static>)]) -> Vec<Emission> {
    events
        .iter()
        .map(|(p, off, c)| {
            op.on_change(*p, *off, &off.to_le_bytes(), c, 0);
            op.advance(0)
        })
        .collect()
}

#[test]
fn a_restored_checkpoint_continues_exactly() {
    let cfg = tumbling(5);
    let mut events = Vec::new();
    for i in 0..60i64 {
        let t = i * 700 + (i * 7_919) % 6_000;
        let status = ["a", "b", "c"][(i % 3) as usize];
        let amount = format!("{}.{}", i % 10, i % 7);
        let c = if i % 4 == 3 {
            change(Op::Update, Some((status, &amount, t)), Some(("b", "1.5", t + 3_000)), 0)
        } else {
            change(Op::Create, None, Some((status, &amount, t)), 0)
        };
        events.push(((i % 2) as i32, i, c));
    }
    let (head, tail) = events.split_at(30);
    let mut straight = Operator::new(&cfg);
    run(&mut straight, head);
    let saved: Vec<String> = [0, 1]
        .iter()
        .map(|p| serde_json::to_string(&straight.checkpoint(*p).unwrap()).unwrap())
        .collect();
    let expected = run(&mut straight, tail);
    let mut resumed = Operator::new(&cfg);
    for (p, s) in saved.iter().enumerate() {
        resumed.restore(p as i32, serde_json::from_str(s).unwrap(), 0);
    }
    assert_eq!(run(&mut resumed, tail), expected);
    assert_eq!(resumed.flush(), straight.flush());
    assert_eq!(resumed.checkpoint(1), straight.checkpoint(1));
    assert!(expected.iter().any(|e| !e.results.is_empty()), "the tail fires windows");
}

#[test]
fn jobs_that_cannot_run_are_refused_up_front() {
    let mut j = tumbling(0);
    j.aggregates.clear();
    assert_eq!(Operator::try_new(&j).unwrap_err(), JobError::NoAggregates("t".into()));
    let mut j = tumbling(0);
    j.group_by = (0..12).map(|i| format!("c{i}")).collect();
    let e = Operator::try_new(&j).unwrap_err();
    assert_eq!(e, JobError::TooManyColumns { job: "t".into(), columns: 14 });
}

/// Replays `events`, advancing after each: the emissions and the late contributions.
fn run_with_late(
    op: &mut Operator,
    events: &[(i32, i64, Change<'static>)],
) -> (Vec<Emission>, Vec<LateEvent>) {
    let mut late = Vec::new();
    let emissions = events
        .iter()
        .map(|(p, off, c)| {
            late.extend(op.on_change(*p, *off, &off.to_le_bytes(), c, 0).late);
            op.advance(0)
        })
        .collect();
    (emissions, late)
}

/// Hopping windows share one entry list per group: retractions into older windows, late
/// firings and refusals must come out the same after a restore as without one.
#[test]
fn a_restored_hopping_checkpoint_continues_through_retractions_and_late_firings() {
    let hopping = WindowConfig::Hopping { size: secs(30), slide: secs(10) };
    let cfg = job(hopping, 5, "ts");
    let mut events = Vec::new();
    for i in 0..90i64 {
        // Mostly forward in time; every 5th event reaches 25 s back (late firing or refused).
        let t = i * 900 + if i % 5 == 4 { -25_000 } else { (i * 7_919) % 4_000 };
        let status = ["a", "b", "c"][(i % 3) as usize];
        let amount = format!("{}.{}", i % 10, i % 7);
        let c = match i % 6 {
            1 => change(Op::Update, Some((status, &amount, t - 12_000)), Some(("b", "1.5", t)), 0),
            3 => change(Op::Delete, Some((status, &amount, t - 3_000)), None, 0),
            _ => change(Op::Create, None, Some((status, &amount, t)), 0),
        };
        events.push(((i % 2) as i32, i, c));
    }
    let (head, tail) = events.split_at(45);
    let mut straight = Operator::new(&cfg);
    run_with_late(&mut straight, head);
    let saved: Vec<String> = [0, 1]
        .iter()
        .map(|p| serde_json::to_string(&straight.checkpoint(*p).unwrap()).unwrap())
        .collect();
    let expected = run_with_late(&mut straight, tail);
    let mut resumed = Operator::new(&cfg);
    for (p, s) in saved.iter().enumerate() {
        resumed.restore(p as i32, serde_json::from_str(s).unwrap(), 0);
    }
    assert_eq!(run_with_late(&mut resumed, tail), expected);
    assert_eq!(resumed.checkpoint(0), straight.checkpoint(0));
    assert_eq!(resumed.flush(), straight.flush());
    let results = || expected.0.iter().flat_map(|e| &e.results);
    assert!(results().any(|r| r.late_firing && r.partial.is_some()), "late firings");
    assert!(results().any(|r| r.partial.is_none()), "emptied windows deleted");
    assert!(!expected.1.is_empty(), "refused contributions");
    assert!(expected.1.iter().any(|l| l.retraction), "a refused retraction");
}

/// Checkpoints `partition` of `op` and restores it into a fresh operator (a restart).
fn restart(op: &Operator, partition: i32, cfg: &crate::config::job::JobConfig) -> Operator {
    let json = serde_json::to_string(&op.checkpoint(partition).unwrap()).unwrap();
    let mut resumed = Operator::new(cfg);
    resumed.restore(partition, serde_json::from_str(&json).unwrap(), 0);
    resumed
}

/// A partition first seen after the last advance is judged against the job watermark before
/// any emission raises its floor: its checkpoint must keep that watermark, or after a restart
/// the retraction of an insert refused as late is applied, retracting what was never added.
#[test]
fn a_partition_new_since_the_last_advance_checkpoints_the_watermark_it_was_judged_against() {
    let cfg = tumbling(0);
    let mut op = Operator::new(&cfg);
    op.on_change(1, 0, b"z", &change(Op::Create, None, Some(("z", "1", 20_000)), 0), 0);
    assert_eq!(op.advance(0).watermark.value, Some(20_000));
    // Partition 0 appears now: its insert into [0s,10s) is too late.
    let late = op.on_change(0, 0, b"k", &change(Op::Create, None, Some(("a", "5", 1_000)), 0), 0);
    assert_eq!(late.late.len(), 1, "{late:?}");
    assert_eq!(op.checkpoint(0).unwrap().lateness_floor, Some(20_000));
    let mut resumed = restart(&op, 0, &cfg);
    // The row's delete after the restart retracts an image never added: late as well.
    let del = change(Op::Delete, Some(("a", "5", 1_000)), None, 0);
    let late = resumed.on_change(0, 1, b"k", &del, 0).late;
    assert_eq!(late.len(), 1, "{late:?}");
    assert!(late[0].retraction && late[0].reason == LateReason::TooLate);
    assert_eq!(resumed.flush().results, [], "no window holds a negative count");
}

/// Likewise a partition restored into an operator whose job watermark is past the
/// checkpoint's floor: it is judged against the job watermark, and checkpoints it.
#[test]
fn a_partition_restored_below_the_job_watermark_checkpoints_the_watermark_it_was_judged_against() {
    let cfg = tumbling(0);
    let mut op = Operator::new(&cfg);
    op.on_change(1, 0, b"z", &change(Op::Create, None, Some(("z", "1", 20_000)), 0), 0);
    op.advance(0);
    op.restore(0, PartitionState { next_offset: 0, ..Default::default() }, 0);
    let ins = change(Op::Create, None, Some(("a", "5", 1_000)), 0);
    assert_eq!(op.on_change(0, 0, b"k", &ins, 0).late.len(), 1);
    assert_eq!(op.checkpoint(0).unwrap().lateness_floor, Some(20_000));
    let mut resumed = restart(&op, 0, &cfg);
    let upd = change(Op::Update, Some(("a", "5", 1_000)), Some(("a", "6", 30_000)), 0);
    let late = resumed.on_change(0, 1, b"k", &upd, 0).late;
    assert_eq!(late.len(), 1, "{late:?}");
    assert!(late[0].retraction);
    let rows: Vec<(i64, i64)> = resumed
        .flush()
        .results
        .iter()
        .map(|r| (r.window.start, r.partial.as_ref().map_or(0, |p| p.rows)))
        .collect();
    assert_eq!(rows, [(30_000, 1)]);
}

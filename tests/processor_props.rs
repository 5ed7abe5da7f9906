//! Property: whatever the delivery order across partitions, the watermark advances and the
//! restarts from a checkpoint, the merged results after a final flush equal a batch computation
//! over the final rows, minus exactly the contributions the operator reported as late — and
//! those are exactly the ones whose window had passed allowed lateness.
//!
//! Tumbling and hopping jobs get inserts, updates (across groups and windows) and deletes.
//! Session jobs get inserts only: a session never splits on a retraction (as Flink's merging
//! windows), so a batch recomputation after retractions would legitimately differ.

use std::collections::BTreeMap;
use std::time::Duration;

use cdc_console::config::job::{AggregateConfig, JobConfig, OutputConfig, Span, WindowConfig};
use cdc_console::pipeline::processor::{
    Change, Decimal, GroupKey, Image, KeyPart, KeyValue, LateEvent, LateReason, Op, Operator,
    Partial, PartitionState, Window, WindowShape, merge,
};
use proptest::prelude::*;

const GAP: i64 = 3_000;

fn ms(n: i64) -> Span {
    Span(Duration::from_millis(n as u64))
}

fn job(window: WindowConfig, lateness: i64, ooo: i64, idle: i64) -> JobConfig {
    let amount = || "amount".to_string();
    JobConfig {
        name: "prop".into(),
        topics: vec![],
        source_tables: vec![],
        event_time: "ts".into(),
        window,
        group_by: vec!["g".into()],
        aggregates: vec![
            AggregateConfig::Count,
            AggregateConfig::Sum { column: amount() },
            AggregateConfig::Min { column: amount() },
            AggregateConfig::Max { column: amount() },
        ],
        out_of_orderness: ms(ooo),
        idle_timeout: ms(idle),
        allowed_lateness: ms(lateness),
        output: OutputConfig {
            table: "cdc.prop".into(),
            topic: None,
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Row {
    group: u8,
    amount: i64,
    t: i64,
}

fn image(r: Row) -> Image<'static> {
    Image {
        key: vec![KeyPart::Int(i64::from(r.group))],
        values: vec![Some(Decimal::from_int(r.amount))],
        event_time: Some(r.t),
    }
}

/// One partition's changelog entry: (record key, change).
type Entry = (u8, Change<'static>);

/// Turns raw actions into per-partition changelogs and the final live rows.
fn changelog(
    actions: &[(u8, u8, u8, u8, i64)],
    partitions: usize,
    inserts_only: bool,
) -> (Vec<Vec<Entry>>, BTreeMap<u8, Row>) {
    let mut live: BTreeMap<u8, Row> = BTreeMap::new();
    let mut logs: Vec<Vec<Entry>> = vec![Vec::new(); partitions];
    for (step, &(kind, id, group, amount, jitter)) in actions.iter().enumerate() {
        let row = Row {
            group: group % 3,
            amount: i64::from(amount),
            t: (step as i64 * 400 + jitter).max(0),
        };
        let p = usize::from(id) % partitions;
        let change = match (live.get(&id).copied(), kind % 4) {
            (None, _) => {
                live.insert(id, row);
                Change {
                    op: Op::Create,
                    source_ts_ms: 0,
                    before: None,
                    after: Some(image(row)),
                }
            }
            (Some(_), _) if inserts_only => continue,
            (Some(old), 0) => {
                live.remove(&id);
                Change {
                    op: Op::Delete,
                    source_ts_ms: 0,
                    before: Some(image(old)),
                    after: None,
                }
            }
            (Some(old), _) => {
                live.insert(id, row);
                Change {
                    op: Op::Update,
                    source_ts_ms: 0,
                    before: Some(image(old)),
                    after: Some(image(row)),
                }
            }
        };
        logs[p].push((id, change));
    }
    (logs, live)
}

/// Signed contributions per (group, window): rows, sum, value multiplicities.
#[derive(Debug, Default, Clone, PartialEq)]
struct Expected {
    rows: i64,
    sum: i128,
    values: BTreeMap<Decimal, i64>,
}

impl Expected {
    fn add(&mut self, v: Decimal, sign: i64) {
        self.rows += sign;
        self.sum += i128::from(sign) * v.0;
        *self.values.entry(v).or_default() += sign;
    }
    fn partial(&self) -> (i64, Decimal, Option<Decimal>, Option<Decimal>) {
        assert!(
            self.values.values().all(|n| *n >= 0),
            "negative multiplicity {self:?}"
        );
        let present = || self.values.iter().filter(|(_, n)| **n > 0).map(|(v, _)| *v);
        (
            self.rows,
            Decimal(self.sum),
            present().min(),
            present().max(),
        )
    }
}

fn shown(p: &Partial) -> (i64, Decimal, Option<Decimal>, Option<Decimal>) {
    let c = p.columns[0];
    (p.rows, c.sum, c.min, c.max)
}

fn key_of(group: u8) -> GroupKey {
    vec![KeyValue::Int(i64::from(group))]
}

/// Drives the operator; returns the sink (per partition) and the late events of the run that
/// survived. `choices` picks the partition to deliver from, whether to advance, and when to
/// crash and restart from the last checkpoint.
fn drive(
    cfg: &JobConfig,
    logs: &[Vec<Entry>],
    choices: &[u8],
    crash_at: Option<usize>,
) -> (
    BTreeMap<(i32, GroupKey, i64), (Window, Partial)>,
    Vec<LateEvent>,
) {
    type Sink = BTreeMap<(i32, GroupKey, i64), (Window, Partial)>;
    let lateness = cfg.allowed_lateness.as_millis();
    let shape = WindowShape::from_config(&cfg.window);
    let mut op = Operator::new(cfg);
    let mut sink: Sink = BTreeMap::new();
    let mut late: Vec<LateEvent> = Vec::new();
    let mut cursors = vec![0usize; logs.len()];
    let mut job_wm: Option<i64> = None;
    let mut floors: BTreeMap<i32, i64> = BTreeMap::new();
    let mut saved: Option<(Vec<(i32, PartitionState)>, Sink, Vec<LateEvent>, Vec<usize>)> = None;
    let mut crashed = false;
    let mut now = 0i64;
    let mut step = 0usize;
    let apply = |sink: &mut Sink, e: &cdc_console::pipeline::processor::Emission| {
        for r in &e.results {
            let k = (r.partition, r.key.clone(), r.window.start);
            match &r.partial {
                Some(p) => sink.insert(k, (r.window, p.clone())),
                None => sink.remove(&k),
            };
        }
    };
    loop {
        let open: Vec<usize> = (0..logs.len())
            .filter(|p| cursors[*p] < logs[*p].len())
            .collect();
        if open.is_empty() {
            break;
        }
        let c = choices
            .get(step % choices.len().max(1))
            .copied()
            .unwrap_or(0);
        step += 1;
        now += i64::from(c % 7);
        let p = open[usize::from(c) % open.len()];
        let (id, change) = &logs[p][cursors[p]];
        let offset = cursors[p] as i64;
        cursors[p] += 1;
        let effective = [job_wm, floors.get(&(p as i32)).copied()]
            .into_iter()
            .flatten()
            .max();
        let out = op.on_change(p as i32, offset, &[*id], change, now);
        // Exactly the contributions beyond allowed lateness are refused.
        let mut windows = Vec::new();
        for (img, sign) in [(&change.before, -1), (&change.after, 1)] {
            let Some(img) = img else { continue };
            let t = img.event_time.unwrap_or_default();
            shape.assign(t, &mut windows);
            for w in &windows {
                let too_late = effective.is_some_and(|wm| w.end + lateness <= wm);
                let reported = out
                    .late
                    .iter()
                    .any(|l| l.window == Some(*w) && l.retraction == (sign < 0));
                if shape.is_session() {
                    if reported && !too_late {
                        assert!(
                            out.late
                                .iter()
                                .all(|l| l.reason == LateReason::SessionPurged),
                            "{out:?}"
                        );
                    }
                    assert!(
                        !too_late || reported,
                        "a too-late session event was applied"
                    );
                } else {
                    assert_eq!(
                        too_late, reported,
                        "window {w:?} at watermark {effective:?}: {out:?}"
                    );
                }
            }
        }
        late.extend(out.late);
        if c % 3 == 0 {
            let e = op.advance(now);
            job_wm = job_wm.max(e.watermark.value);
            apply(&mut sink, &e);
        }
        if Some(step) == crash_at.map(|c| c / 2) && saved.is_none() {
            let states = (0..logs.len() as i32)
                .filter_map(|p| Some((p, op.checkpoint(p)?)))
                .collect();
            saved = Some((states, sink.clone(), late.clone(), cursors.clone()));
        }
        if Some(step) == crash_at && !crashed {
            if let Some((states, s, l, cur)) = saved.clone() {
                crashed = true;
                op = Operator::new(cfg);
                floors.clear();
                for (p, state) in states {
                    let json = serde_json::to_string(&state).unwrap();
                    let state: PartitionState = serde_json::from_str(&json).unwrap();
                    if let Some(f) = state.lateness_floor {
                        floors.insert(p, f);
                    }
                    assert_eq!(cur[p as usize], state.next_offset as usize);
                    op.restore(p, state, now);
                }
                job_wm = None;
                (sink, late, cursors) = (s, l, cur);
            }
        }
    }
    apply(&mut sink, &op.flush());
    (sink, late)
}

fn windowed_case(
    cfg: &JobConfig,
    actions: &[(u8, u8, u8, u8, i64)],
    partitions: usize,
    choices: &[u8],
    crash_at: Option<usize>,
) {
    let (logs, live) = changelog(actions, partitions, false);
    let (sink, late) = drive(cfg, &logs, choices, crash_at);
    let shape = WindowShape::from_config(&cfg.window);
    let mut expected: BTreeMap<(GroupKey, Window), Expected> = BTreeMap::new();
    let mut windows = Vec::new();
    for row in live.values() {
        shape.assign(row.t, &mut windows);
        for w in &windows {
            expected
                .entry((key_of(row.group), *w))
                .or_default()
                .add(Decimal::from_int(row.amount), 1);
        }
    }
    for l in &late {
        let (Some(w), Some(v)) = (l.window, l.values[0]) else {
            panic!("late without window: {l:?}")
        };
        expected
            .entry((l.key.clone(), w))
            .or_default()
            .add(v, if l.retraction { 1 } else { -1 });
    }
    expected.retain(|_, e| e.rows != 0 || e.values.values().any(|n| *n != 0));
    let mut merged: BTreeMap<(GroupKey, Window), Vec<Partial>> = BTreeMap::new();
    for ((_, key, _), (w, p)) in sink {
        merged.entry((key, w)).or_default().push(p);
    }
    let got: BTreeMap<_, _> = merged
        .into_iter()
        .map(|(k, ps)| (k, shown(&merge(&ps))))
        .filter(|(_, p)| p.0 != 0)
        .collect();
    let want: BTreeMap<_, _> = expected
        .into_iter()
        .map(|(k, e)| (k, e.partial()))
        .collect();
    assert_eq!(got, want);
}

fn session_case(
    cfg: &JobConfig,
    actions: &[(u8, u8, u8, u8, i64)],
    partitions: usize,
    choices: &[u8],
    crash_at: Option<usize>,
) {
    let (logs, _) = changelog(actions, partitions, true);
    let (sink, late) = drive(cfg, &logs, choices, crash_at);
    // Batch: every insert not reported late, sessionized per group across partitions.
    let mut times: BTreeMap<GroupKey, Vec<(i64, Decimal)>> = BTreeMap::new();
    for (p, log) in logs.iter().enumerate() {
        for (offset, (_, c)) in log.iter().enumerate() {
            let Some(a) = &c.after else { continue };
            if late
                .iter()
                .any(|l| l.partition == p as i32 && l.offset == offset as i64)
            {
                continue;
            }
            let KeyPart::Int(g) = a.key[0] else {
                unreachable!()
            };
            times.entry(key_of(g as u8)).or_default().push((
                a.event_time.unwrap_or_default(),
                a.values[0].unwrap_or_default(),
            ));
        }
    }
    let mut want = BTreeMap::new();
    for (key, mut ts) in times {
        ts.sort();
        let mut current: Option<(Window, Expected)> = None;
        for (t, v) in ts {
            match &mut current {
                Some((w, e)) if t <= w.end => {
                    w.end = w.end.max(t + GAP);
                    e.add(v, 1);
                }
                _ => {
                    if let Some((w, e)) = current.take() {
                        want.insert((key.clone(), w), e.partial());
                    }
                    let mut e = Expected::default();
                    e.add(v, 1);
                    current = Some((
                        Window {
                            start: t,
                            end: t + GAP,
                        },
                        e,
                    ));
                }
            }
        }
        if let Some((w, e)) = current {
            want.insert((key.clone(), w), e.partial());
        }
    }
    // Per-partition sessions of a group merge across partitions where they touch.
    let mut by_key: BTreeMap<GroupKey, Vec<(Window, Partial)>> = BTreeMap::new();
    for ((_, key, _), wp) in sink {
        by_key.entry(key).or_default().push(wp);
    }
    let mut got = BTreeMap::new();
    for (key, mut ws) in by_key {
        ws.sort_by_key(|(w, _)| *w);
        let mut current: Option<(Window, Vec<Partial>)> = None;
        for (w, p) in ws {
            match &mut current {
                Some((cw, ps)) if w.touches(cw) => {
                    *cw = cw.cover(&w);
                    ps.push(p);
                }
                _ => {
                    if let Some((cw, ps)) = current.take() {
                        got.insert((key.clone(), cw), shown(&merge(&ps)));
                    }
                    current = Some((w, vec![p]));
                }
            }
        }
        if let Some((cw, ps)) = current {
            got.insert((key.clone(), cw), shown(&merge(&ps)));
        }
    }
    assert_eq!(got, want);
}

fn actions() -> impl Strategy<Value = Vec<(u8, u8, u8, u8, i64)>> {
    prop::collection::vec(
        (
            any::<u8>(),
            0u8..24,
            any::<u8>(),
            0u8..100,
            -15_000i64..3_000,
        ),
        1..160,
    )
}

fn params() -> impl Strategy<Value = (usize, Vec<u8>, Option<usize>, i64, i64, i64)> {
    (
        1usize..=4,
        prop::collection::vec(any::<u8>(), 1..64),
        prop::option::of(2usize..300),
        prop::sample::select(vec![0i64, 2_000, 8_000]),
        prop::sample::select(vec![0i64, 1_500]),
        prop::sample::select(vec![20i64, 1_000_000]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn tumbling_matches_batch_minus_late(actions in actions(), (parts, choices, crash, lateness, ooo, idle) in params()) {
        let cfg = job(WindowConfig::Tumbling { size: ms(5_000) }, lateness, ooo, idle);
        windowed_case(&cfg, &actions, parts, &choices, crash);
    }

    #[test]
    fn hopping_matches_batch_minus_late(actions in actions(), (parts, choices, crash, lateness, ooo, idle) in params()) {
        let cfg = job(WindowConfig::Hopping { size: ms(6_000), slide: ms(2_000) }, lateness, ooo, idle);
        windowed_case(&cfg, &actions, parts, &choices, crash);
    }

    #[test]
    fn sessions_match_batch_minus_late(actions in actions(), (parts, choices, crash, lateness, ooo, idle) in params()) {
        let cfg = job(WindowConfig::Session { gap: ms(GAP) }, lateness, ooo, idle);
        session_case(&cfg, &actions, parts, &choices, crash);
    }
}

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
    Change, Decimal, GroupKey, Image, KeyPart, KeyValue, Op, Partial, Window, WindowShape, merge,
};
use proptest::prelude::*;

#[path = "offline_processor_props/replay.rs"]
mod replay;
#[path = "offline_processor_props/sessions.rs"]
mod sessions;
use replay::drive;
use sessions::session_case;

pub const GAP: i64 = 3_000;

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
        output: OutputConfig { table: "cdc.prop".into(), topic: None },
        on_offset_out_of_range: Default::default(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
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
pub type Entry = (u8, Change<'static>);

/// Turns raw actions into per-partition changelogs and the final live rows.
pub fn changelog(
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
                Change { op: Op::Create, source_ts_ms: 0, before: None, after: Some(image(row)) }
            }
            (Some(_), _) if inserts_only => continue,
            (Some(old), 0) => {
                live.remove(&id);
                Change { op: Op::Delete, source_ts_ms: 0, before: Some(image(old)), after: None }
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
pub struct Expected {
    pub rows: i64,
    pub sum: i128,
    pub values: BTreeMap<Decimal, i64>,
}

impl Expected {
    pub fn add(&mut self, v: Decimal, sign: i64) {
        self.rows += sign;
        self.sum += i128::from(sign) * v.0;
        *self.values.entry(v).or_default() += sign;
    }
    pub fn partial(&self) -> (i64, Decimal, Option<Decimal>, Option<Decimal>) {
        assert!(self.values.values().all(|n| *n >= 0), "negative multiplicity {self:?}");
        let present = || self.values.iter().filter(|(_, n)| **n > 0).map(|(v, _)| *v);
        (self.rows, Decimal(self.sum), present().min(), present().max())
    }
}

pub fn shown(p: &Partial) -> (i64, Decimal, Option<Decimal>, Option<Decimal>) {
    let c = p.columns[0];
    (p.rows, c.sum, c.min, c.max)
}

pub fn key_of(group: u8) -> GroupKey {
    vec![KeyValue::Int(i64::from(group))]
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
        let (Some(t), Some(v)) = (l.event_time, l.values[0]) else {
            panic!("late without time: {l:?}")
        };
        // One late event per refused contribution: the windows it spans.
        shape.assign(t, &mut windows);
        let refused: Vec<Window> = windows.iter().filter(|w| l.refused_in(w)).copied().collect();
        assert_eq!(refused.len(), l.windows as usize, "{l:?}");
        for w in refused {
            expected
                .entry((l.key.as_ref().clone(), w))
                .or_default()
                .add(v, if l.retraction { 1 } else { -1 });
        }
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
    let want: BTreeMap<_, _> = expected.into_iter().map(|(k, e)| (k, e.partial())).collect();
    assert_eq!(got, want);
}

fn actions() -> impl Strategy<Value = Vec<(u8, u8, u8, u8, i64)>> {
    prop::collection::vec((any::<u8>(), 0u8..24, any::<u8>(), 0u8..100, -15_000i64..3_000), 1..160)
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

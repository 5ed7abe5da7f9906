//! Session jobs against a batch sessionization: inserts only (a session never splits on a
//! retraction), per-partition sessions merged across partitions where they touch.

use std::collections::BTreeMap;

use cdc_console::config::job::JobConfig;
use cdc_console::pipeline::processor::{Decimal, GroupKey, KeyPart, Partial, Window, merge};

use super::{Expected, GAP, changelog, drive, key_of, shown};

pub fn session_case(
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
            if late.iter().any(|l| l.partition == p as i32 && l.offset == offset as i64) {
                continue;
            }
            let KeyPart::Int(g) = a.key[0] else { unreachable!() };
            times
                .entry(key_of(g as u8))
                .or_default()
                .push((a.event_time.unwrap_or_default(), a.values[0].unwrap_or_default()));
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
                    current = Some((Window { start: t, end: t + GAP }, e));
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

//! Replays per-partition changelogs into the operator in a random interleaving, advancing the
//! watermark and restarting from a checkpoint when told, checking each late report on the way.

use std::collections::BTreeMap;

use cdc_console::config::job::JobConfig;
use cdc_console::pipeline::processor::{
    Emission, GroupKey, LateEvent, LateReason, Operator, Partial, PartitionState, Window,
    WindowShape,
};

use super::Entry;

/// What the sink holds: (partition, group, window start) → the partial.
pub type Sink = BTreeMap<(i32, GroupKey, i64), (Window, Partial)>;

/// A checkpoint with what the sink, the late table and the consumer positions were then.
type Saved = (Vec<(i32, PartitionState)>, Sink, Vec<LateEvent>, Vec<usize>);

/// Drives the operator; returns the sink (per partition) and the late events of the run that
/// survived. `choices` picks the partition to deliver from, whether to advance, and when to
/// crash and restart from the last checkpoint.
#[expect(clippy::too_many_lines, reason = "one scenario, step by step, as a user would run it")]
pub fn drive(
    cfg: &JobConfig,
    logs: &[Vec<Entry>],
    choices: &[u8],
    crash_at: Option<usize>,
) -> (Sink, Vec<LateEvent>) {
    let lateness = cfg.allowed_lateness.as_millis();
    let shape = WindowShape::from_config(&cfg.window);
    let mut op = Operator::new(cfg);
    let mut sink: Sink = BTreeMap::new();
    let mut late: Vec<LateEvent> = Vec::new();
    let mut cursors = vec![0usize; logs.len()];
    let mut job_wm: Option<i64> = None;
    let mut floors: BTreeMap<i32, i64> = BTreeMap::new();
    let mut saved: Option<Saved> = None;
    let mut crashed = false;
    let mut now = 0i64;
    let mut step = 0usize;
    let apply = |sink: &mut Sink, e: &Emission| {
        for r in &e.results {
            let k = (r.partition, r.key.clone(), r.window.start);
            match &r.partial {
                Some(p) => sink.insert(k, (r.window, p.clone())),
                None => sink.remove(&k),
            };
        }
    };
    loop {
        let open: Vec<usize> = (0..logs.len()).filter(|p| cursors[*p] < logs[*p].len()).collect();
        if open.is_empty() {
            break;
        }
        let c = choices.get(step % choices.len().max(1)).copied().unwrap_or(0);
        step += 1;
        now += i64::from(c % 7);
        let p = open[usize::from(c) % open.len()];
        let (id, change) = &logs[p][cursors[p]];
        let offset = cursors[p] as i64;
        cursors[p] += 1;
        let effective = [job_wm, floors.get(&(p as i32)).copied()].into_iter().flatten().max();
        let out = op.on_change(p as i32, offset, &[*id], change, now);
        // Exactly the contributions beyond allowed lateness are refused.
        let mut windows = Vec::new();
        for (img, sign) in [(&change.before, -1), (&change.after, 1)] {
            let Some(img) = img else { continue };
            let t = img.event_time.unwrap_or_default();
            shape.assign(t, &mut windows);
            for w in &windows {
                let too_late = effective.is_some_and(|wm| w.end + lateness <= wm);
                let reported =
                    out.late.iter().any(|l| l.refused_in(w) && l.retraction == (sign < 0));
                if shape.is_session() {
                    if reported && !too_late {
                        assert!(
                            out.late.iter().all(|l| l.reason == LateReason::SessionPurged),
                            "{out:?}"
                        );
                    }
                    assert!(!too_late || reported, "a too-late session event was applied");
                } else {
                    assert_eq!(
                        too_late, reported,
                        "window {w:?} at watermark {effective:?}: {out:?}"
                    );
                }
            }
            if !shape.is_session() {
                // One late event per refused image, counting exactly its too-late windows.
                let too_late = windows
                    .iter()
                    .filter(|w| effective.is_some_and(|wm| w.end + lateness <= wm))
                    .count();
                let mine: Vec<_> = out.late.iter().filter(|l| l.retraction == (sign < 0)).collect();
                assert!(mine.len() <= 1, "{out:?}");
                assert_eq!(mine.first().map_or(0, |l| l.windows as usize), too_late, "{out:?}");
            }
        }
        late.extend(out.late);
        if c % 3 == 0 {
            let e = op.advance(now);
            job_wm = job_wm.max(e.watermark.value);
            apply(&mut sink, &e);
        }
        if Some(step) == crash_at.map(|c| c / 2) && saved.is_none() {
            let states =
                (0..logs.len() as i32).filter_map(|p| Some((p, op.checkpoint(p)?))).collect();
            saved = Some((states, sink.clone(), late.clone(), cursors.clone()));
        }
        if Some(step) == crash_at
            && !crashed
            && let Some((states, s, l, cur)) = saved.clone()
        {
            {
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

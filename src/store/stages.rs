//! The pipeline as stages with one verdict each: what `status` prints first and what decides
//! its exit code.

use std::time::SystemTime;

use serde::Serialize;

use super::{Backend, Health, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageState {
    Up,
    /// Reachable but not all well: a paused connector, an inactive slot, a table without
    /// REPLICA IDENTITY FULL.
    Degraded,
    Down,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub stage: String,
    pub endpoint: String,
    pub state: StageState,
    #[serde(serialize_with = "super::health::ser_opt_time")]
    pub since: Option<SystemTime>,
    /// Why it is not up; empty when up.
    pub detail: Vec<String>,
}

impl Store {
    /// Source → connectors → broker → sink, plus each Connect worker.
    pub fn stages(&self) -> Vec<Stage> {
        let mut out = vec![self.source_stage(), stage_of(&self.kafka, |_| Vec::new())];
        for c in &self.connect {
            out.push(stage_of(c, |_| Vec::new()));
            out.push(connectors_stage(c));
        }
        out.push(stage_of(&self.sink, |_| Vec::new()));
        out
    }

    fn source_stage(&self) -> Stage {
        stage_of(&self.source, |s| {
            let mut warn = Vec::new();
            if s.wal_level != "logical" {
                warn.push(format!("wal_level is {}, logical decoding needs logical", s.wal_level));
            }
            for slot in s.slots.iter().filter(|s| !s.active) {
                warn.push(format!("replication slot {} is inactive", slot.name));
            }
            for t in s.tables.iter().filter(|t| t.replica_identity != "full") {
                warn.push(format!(
                    "{} has REPLICA IDENTITY {}: updates and deletes lose their before image",
                    t.name,
                    t.replica_identity.to_uppercase()
                ));
            }
            warn
        })
    }
}

/// A backend's stage: down when unreachable, degraded when `warnings` finds anything.
fn stage_of<T: PartialEq>(b: &Backend<T>, warnings: impl Fn(&T) -> Vec<String>) -> Stage {
    let (state, since, detail) = match (&b.health, &b.snapshot) {
        (Health::Unknown, _) => (StageState::Unknown, None, vec!["not polled yet".into()]),
        (Health::Down { since, reason, .. }, _) => (StageState::Down, Some(*since), vec![reason.clone()]),
        (Health::Up { since }, Some(s)) => {
            let w = warnings(s);
            let state = if w.is_empty() { StageState::Up } else { StageState::Degraded };
            (state, Some(*since), w)
        }
        (Health::Up { since }, None) => (StageState::Up, Some(*since), Vec::new()),
    };
    Stage { stage: b.name.clone(), endpoint: b.endpoint.clone(), state, since, detail }
}

/// Connectors of one Connect cluster: down when one failed, degraded when one is not running.
fn connectors_stage(b: &Backend<crate::collectors::connect::ConnectSnapshot>) -> Stage {
    let name = format!("{}/connectors", b.name);
    let Some(snap) = b.snapshot.as_ref().filter(|_| b.is_up()) else {
        let (state, since, why) = match &b.health {
            Health::Down { since, .. } => (StageState::Down, Some(*since), "Connect worker unreachable"),
            _ => (StageState::Unknown, None, "not polled yet"),
        };
        return Stage { stage: name, endpoint: b.endpoint.clone(), state, since, detail: vec![why.into()] };
    };
    let mut detail = Vec::new();
    let mut state = StageState::Up;
    if snap.connectors.is_empty() {
        state = StageState::Degraded;
        detail.push("no connectors registered".into());
    }
    for c in &snap.connectors {
        if c.has_failed() {
            state = StageState::Down;
            let failed: Vec<String> = c.tasks.iter().filter(|t| t.state == "FAILED").map(|t| t.id.to_string()).collect();
            detail.push(format!("{} is {}; failed tasks: [{}]", c.name, c.state, failed.join(", ")));
        } else if !c.is_running() {
            if state == StageState::Up {
                state = StageState::Degraded;
            }
            detail.push(format!("{} is {} with {} task(s)", c.name, c.state, c.tasks.len()));
        }
    }
    let since = match b.health {
        Health::Up { since } => Some(since),
        _ => None,
    };
    Stage { stage: name, endpoint: b.endpoint.clone(), state, since, detail }
}

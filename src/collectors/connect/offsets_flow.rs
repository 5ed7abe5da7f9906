//! The guided offsets change: stop the connector, wait until the worker reports it STOPPED with
//! no tasks, alter (`PATCH`) or reset (`DELETE`) its offsets, resume it and wait until it runs.
//! Each step is reported as it ends, with the worker's own words. A connector that was STOPPED
//! before is left stopped; one whose change failed is resumed all the same, offsets unchanged.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::{ConnectError, Probe};

/// What to do to the stored offsets.
#[derive(Debug, Clone, PartialEq)]
pub enum OffsetChange {
    /// `PATCH` with this body (`{"offsets": [...]}`).
    Alter(Value),
    /// `DELETE`: the connector starts afresh.
    Reset,
}

/// One step of the flow and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// "stop", "wait STOPPED", "alter offsets", "reset offsets", "resume", "wait RUNNING".
    pub step: String,
    pub ok: bool,
    pub detail: String,
}

/// How long a state change may take: a task stop or start plus a rebalance.
const TRANSITION: Duration = Duration::from_secs(60);

impl Probe {
    /// Runs the flow on `name`; `on_step` sees each step as it ends. `Ok` when the offsets were
    /// changed (and the connector resumed, unless it was stopped before), else the first error.
    pub async fn change_offsets(
        &self,
        name: &str,
        change: &OffsetChange,
        mut on_step: impl FnMut(&Step),
    ) -> Result<Vec<Step>, String> {
        let mut steps = Vec::new();
        let mut report = |step: &str, r: Result<String, String>| {
            let s =
                Step { step: step.into(), ok: r.is_ok(), detail: r.clone().unwrap_or_else(|e| e) };
            on_step(&s);
            steps.push(s);
            r
        };
        let (before, _) = self.states(name).await.map_err(|e| e.to_string())?;
        let was_stopped = before == "STOPPED";
        if !was_stopped {
            report("stop", self.put_verb(name, "stop").await)?;
        }
        report("wait STOPPED", self.wait_for(name, "STOPPED").await)?;
        let (what, changed) = match change {
            OffsetChange::Alter(body) => {
                ("alter offsets", self.alter_with_retry(name, Some(body)).await)
            }
            OffsetChange::Reset => ("reset offsets", self.alter_with_retry(name, None).await),
        };
        let changed = report(what, changed);
        if was_stopped {
            let s =
                Step { step: "resume".into(), ok: true, detail: "left STOPPED, as it was".into() };
            on_step(&s);
            steps.push(s);
        } else {
            report("resume", self.put_verb(name, "resume").await)?;
            report("wait RUNNING", self.wait_for(name, "RUNNING").await)?;
        }
        changed?;
        Ok(steps)
    }

    async fn put_verb(&self, name: &str, verb: &str) -> Result<String, String> {
        let url = self.url(&["connectors", name, verb], &[]).map_err(|e| e.to_string())?;
        let a = self.send(reqwest::Method::PUT, url, None).await.map_err(|e| e.answer())?;
        Ok(format!("{} {}", a.status.as_u16(), super::rest::reason(a.status.as_u16())))
    }

    /// Polls the status until the connector is `want` (STOPPED: no tasks; RUNNING: every task
    /// RUNNING). A FAILED task ends the wait with its first trace line.
    async fn wait_for(&self, name: &str, want: &str) -> Result<String, String> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < TRANSITION {
            match self.full_status(name).await {
                Ok((state, tasks)) => {
                    let done = if want == "STOPPED" {
                        state == "STOPPED" && tasks.is_empty()
                    } else {
                        state == want && !tasks.is_empty() && tasks.iter().all(|(s, _)| s == want)
                    };
                    if done {
                        return Ok(format!("{want} after {:.1}s", started.elapsed().as_secs_f64()));
                    }
                    if let Some((_, trace)) = tasks.iter().find(|(s, _)| s == "FAILED") {
                        return Err(format!("a task FAILED: {trace}"));
                    }
                    let shown: Vec<&str> = tasks.iter().map(|(s, _)| s.as_str()).collect();
                    last = format!("connector {state}, tasks [{}]", shown.join(" "));
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Err(format!("not {want} within {}s; last: {last}", TRANSITION.as_secs()))
    }

    async fn full_status(
        &self,
        name: &str,
    ) -> Result<(String, Vec<(String, String)>), ConnectError> {
        let s = self.get::<super::wire::Status>(&["connectors", name, "status"], &[]).await?;
        let first = |t: &Option<String>| {
            t.as_deref().and_then(|t| t.lines().next()).unwrap_or("").to_string()
        };
        let tasks = s.tasks.iter().map(|t| (t.state.clone(), first(&t.trace))).collect();
        Ok((s.connector.state, tasks))
    }

    /// PATCH (`Some`) or DELETE (`None`). Right after a stop the worker may still hold task
    /// configs and answer 400 "must be in the STOPPED state": asked again for a few seconds.
    async fn alter_with_retry(&self, name: &str, body: Option<&Value>) -> Result<String, String> {
        let mut attempt = 0;
        loop {
            let r = match body {
                Some(b) => self.alter_offsets(name, b).await,
                None => self.reset_offsets(name).await,
            };
            match r {
                Err(ConnectError::Rest { status: 400, ref body, .. })
                    if body.contains("STOPPED") && attempt < 10 =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                other => return other.map_err(|e| e.answer()),
            }
        }
    }
}

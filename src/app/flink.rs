//! The Flink jobs' actions in the processor view: cancel, stop with a savepoint, restart from
//! the last savepoint. Each asks first (the job's name typed, Cancel focused); `perform` has
//! already refused them in read-only mode. They run in a task of their own and end as
//! feedback; the Flink collector's next poll shows the job's new state.

use tokio::sync::mpsc;

use super::spawn::{Done, reported};
use super::{App, Command};
use crate::action::Action;
use crate::config::Config;
use crate::flink::rest::RestClient;
use crate::flink::restart::record_outcome;
use crate::ui::{Confirm, ConfirmFocus, Confirmed, FeedbackState, Mode};

impl App {
    /// Asks to cancel, stop or restart the selected Flink job.
    pub(super) fn ask_flink_action(&mut self, action: Action, rows: &[String]) {
        let Some(id) = rows.get(self.ui.selected).cloned() else {
            self.feedback(FeedbackState::Error, "select a Flink job first");
            return;
        };
        let Some(job) = self.store.flink.snapshot().and_then(|s| s.find(&id)) else {
            self.feedback(FeedbackState::Error, "the Flink job is gone");
            return;
        };
        let name = job.console_job.clone().unwrap_or_else(|| job.summary.name.clone());
        let live = job.summary.is_live();
        let title = match action {
            Action::FlinkCancel if live => format!("cancel Flink job {name} ({id}), no savepoint"),
            Action::FlinkStop if live => format!("stop Flink job {name} ({id}) with a savepoint"),
            Action::FlinkRestart if !live => {
                format!("restart {name} on Flink from its last savepoint")
            }
            Action::FlinkRestart => {
                self.feedback(FeedbackState::Error, format!("{name} runs: stop it first (S)"));
                return;
            }
            _ => {
                let state = job.summary.state.clone();
                self.feedback(FeedbackState::Error, format!("Flink job {name} is {state}"));
                return;
            }
        };
        self.ui.mode = Mode::Confirm(Confirm {
            title,
            expect: name,
            typed: String::new(),
            focus: ConfirmFocus::Cancel,
            then: Confirmed::Flink(action, id),
        });
    }

    /// The confirmed Flink action as a command.
    pub(super) fn flink_confirmed(&mut self, c: &Confirm) -> Vec<Command> {
        let Confirmed::Flink(action, id) = &c.then else { return Vec::new() };
        self.feedback(FeedbackState::Pending, format!("{}: {}", action.describe(), c.expect));
        vec![Command::Flink { action: *action, id: id.clone(), job: c.expect.clone() }]
    }
}

/// Runs a Flink action in its own task; its outcome comes back as feedback.
pub(super) fn act(
    config: &Config,
    action: Action,
    id: String,
    job: String,
    done: mpsc::Sender<Done>,
) {
    let config = config.clone();
    let what = format!("{} {job}", action.describe());
    reported(done, move |r| Done::Flink(what, r), async move {
        let client = RestClient::new(&config.flink, config.timeouts.action());
        let chain = |e: crate::flink::FlinkError| crate::collectors::flink::chain(&e);
        match action {
            Action::FlinkCancel => {
                client.cancel(&id).await.map_err(chain)?;
                // Best effort: the action happened; the record only follows it.
                let _ = record_outcome(&config, &id, "cancelled", None).await;
                Ok("cancelling".into())
            }
            Action::FlinkStop => {
                let dir = config.flink.savepoint_dir.as_deref();
                let o = client.stop_with_savepoint(&id, dir, STOP_WAIT).await.map_err(chain)?;
                let _ = record_outcome(&config, &id, "stopped", Some(&o.location)).await;
                Ok(format!("stopped, savepoint {}", o.location))
            }
            _ => crate::flink::restart::restart_from_last_savepoint(&config, &client, &job)
                .await
                .map(|o| format!("restarted from {} as {}", o.savepoint, o.flink_job_id))
                .map_err(chain),
        }
    });
}

/// How long the screen waits for a stop's savepoint before saying it is still being written.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

//! A context switch, on the tasks' side: the embedded stages are asked to stop first (at their
//! next safe point, as when quitting) and the switch waits for their ends; then the collectors
//! and the latency probe stop and start again on the new context's endpoints, with channels of
//! their own, so a reading or an end still queued from the old context is dropped with the old
//! channels instead of showing under the new name.

use tokio::sync::mpsc;

use super::App;
use super::tasks::Tasks;
use crate::collectors::{self, connect};
use crate::ui::FeedbackState;

impl Tasks {
    /// Switch to context `name`, once no embedded stage runs.
    pub(super) fn switch_context(&mut self, app: &mut App, name: String) {
        if self.stop_stages() {
            app.feedback(
                FeedbackState::Pending,
                format!("stopping the embedded stages, then switching to context {name}"),
            );
            self.pending_switch = Some(name);
            return;
        }
        self.switch_now(app, &name);
    }

    /// After a task ended: the switch that waited for the stages, when none runs any more.
    pub(super) fn after_stage_ended(&mut self, app: &mut App) {
        if !self.stages_running()
            && let Some(name) = self.pending_switch.take()
        {
            self.switch_now(app, &name);
        }
    }

    fn switch_now(&mut self, app: &mut App, name: &str) {
        let context = match self.contexts.select(Some(name)) {
            Ok(context) => context,
            Err(e) => {
                app.feedback(FeedbackState::Error, e.to_string());
                return;
            }
        };
        self.config = context.config.clone();
        for c in self.collectors.drain(..) {
            c.abort();
        }
        if let Some(l) = self.latency.take() {
            l.abort();
        }
        (self.updates_tx, self.updates) = mpsc::channel(64);
        (self.done_tx, self.done) = mpsc::channel(16);
        app.switched(name, &self.config);
        self.alerting.restart(&self.config.alerts);
        self.auto_restart = connect::AutoRestart::for_clusters(&self.config, app.read_only.is_on());
        self.refresh();
        self.latency = Some(collectors::latency::spawn(&self.config, self.updates_tx.clone()));
        if let Some(m) = &self.metrics {
            m.send_replace(crate::metrics::render(&app.store));
        }
        tracing::info!(context = name, "switched context");
    }
}

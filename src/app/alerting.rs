//! The alert rules in the TUI: evaluated on readings, task progress and ends, and on the
//! clock's tick (so a `for` runs out without a new reading), over the store and the embedded
//! stages. The result goes into the store, where the screen reads it; the transitions go to
//! the notifier, which never blocks. Between ticks, evaluations are at most one per
//! [`EVERY`]: a stage reporting progress many times a second costs no more.

use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use super::App;
use crate::alerts::Engine;
use crate::config::AlertsConfig;
use crate::notify::Notifier;

/// The least time between two evaluations that no tick asked for.
pub const EVERY: Duration = crate::alerts::EVALUATE_EVERY;

pub struct Alerting {
    engine: Engine,
    /// Spawned once, at start, from the configuration then in use.
    pub notifier: Notifier,
    last: Option<Instant>,
}

impl Alerting {
    /// The rules of `config`, with a notifier that drops everything until one is spawned.
    pub fn new(config: &AlertsConfig) -> Self {
        Self { engine: Engine::new(config), notifier: Notifier::default(), last: None }
    }

    /// Another context's rules, from no alerts (the notifier stays).
    pub fn restart(&mut self, config: &AlertsConfig) {
        self.engine = Engine::new(config);
        self.last = None;
    }

    /// One evaluation (unless one ran less than [`EVERY`] ago and this is no tick); true when
    /// the alerts shown changed.
    pub fn evaluate(
        &mut self,
        app: &mut App,
        tick: bool,
        metrics: Option<&watch::Sender<String>>,
    ) -> bool {
        if !tick && self.last.is_some_and(|l| l.elapsed() < EVERY) {
            return false;
        }
        self.last = Some(Instant::now());
        let (snapshot, transitions) =
            self.engine.evaluate(&app.store, Some(&app.embedded), SystemTime::now());
        self.notifier.offer(&transitions);
        let receivers = self.notifier.status();
        let receivers_changed = receivers != app.store.receivers;
        app.store.receivers = receivers;
        if snapshot == app.store.alerts {
            return receivers_changed;
        }
        app.store.alerts = snapshot;
        // The alerts view's selection follows its alert through a reorder.
        app.follow_selection();
        if let Some(m) = metrics {
            m.send_replace(crate::metrics::render(&app.store));
        }
        true
    }
}

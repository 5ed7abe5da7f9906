//! The `:alerts` view in the app: its rows are the listed alerts' fingerprints (so the selection
//! stays on an alert when an evaluation reorders them), Enter opens the selected alert's detail
//! (`perform.rs`), `f` steps the state filter through all, firing, pending and resolved.

use super::App;
use crate::ui::ViewId;

impl App {
    /// The alerts view's rows: the listed alerts, or in a detail the alert it shows.
    pub(super) fn alerts_rows(&self) -> Vec<String> {
        match &self.ui.detail {
            Some(fingerprint) => vec![fingerprint.clone()],
            None => self
                .store
                .alerts_matching(self.ui.alerts_shown, &self.ui.filter)
                .into_iter()
                .map(crate::alerts::Alert::fingerprint)
                .collect(),
        }
    }

    /// `f`: the next state filter, from the top of the list (the list's title names it).
    pub(super) fn cycle_alerts_shown(&mut self) {
        if self.ui.view == ViewId::Alerts && self.ui.detail.is_none() {
            self.ui.alerts_shown = self.ui.alerts_shown.next();
            self.ui.selected = 0;
        }
    }
}

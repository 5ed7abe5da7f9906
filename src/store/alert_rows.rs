//! The alerts as the `:alerts` view lists them and the app selects them: firing, then pending,
//! then resolved (the engine's order within each), narrowed by the view's state filter (`f`)
//! and the `/` filter. An alert's identity is its fingerprint, so the selection stays on it
//! when an evaluation reorders the list.

use super::Store;
use super::rows::matches;
use crate::alerts::{Alert, AlertState};

/// Which alerts the view shows; `f` steps through them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateFilter {
    #[default]
    All,
    Firing,
    Pending,
    Resolved,
}

impl StateFilter {
    /// The next one of the cycle (after resolved, all again).
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            StateFilter::All => StateFilter::Firing,
            StateFilter::Firing => StateFilter::Pending,
            StateFilter::Pending => StateFilter::Resolved,
            StateFilter::Resolved => StateFilter::All,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StateFilter::All => "all",
            StateFilter::Firing => "firing",
            StateFilter::Pending => "pending",
            StateFilter::Resolved => "resolved",
        }
    }

    fn admits(self, state: AlertState) -> bool {
        match self {
            StateFilter::All => true,
            StateFilter::Firing => state == AlertState::Firing,
            StateFilter::Pending => state == AlertState::Pending,
            StateFilter::Resolved => state == AlertState::Resolved,
        }
    }
}

/// Where a state is listed: firing first, resolved last.
pub fn state_rank(state: AlertState) -> u8 {
    match state {
        AlertState::Firing => 0,
        AlertState::Pending => 1,
        AlertState::Resolved => 2,
    }
}

/// `state` in one lower-case word, as the view shows it and the filter matches it.
pub fn state_word(state: AlertState) -> &'static str {
    match state {
        AlertState::Firing => "firing",
        AlertState::Pending => "pending",
        AlertState::Resolved => "resolved",
    }
}

impl Store {
    /// The alerts listed under `state` and `filter` (a substring of the rule, a label, the
    /// value, the summary or the state), firing first, then pending, then resolved.
    pub fn alerts_matching(&self, state: StateFilter, filter: &str) -> Vec<&Alert> {
        let mut listed: Vec<&Alert> = self
            .alerts
            .alerts
            .iter()
            .filter(|a| state.admits(a.state))
            .filter(|a| {
                matches(filter, &a.rule)
                    || a.labels.iter().any(|(k, v)| matches(filter, &format!("{k}={v}")))
                    || matches(filter, &a.value)
                    || matches(filter, &a.summary)
                    || matches(filter, state_word(a.state))
            })
            .collect();
        // Stable: the engine's order (newest first) stays within each state.
        listed.sort_by_key(|a| state_rank(a.state));
        listed
    }

    /// The alert of this fingerprint, if it is still listed.
    pub fn alert(&self, fingerprint: &str) -> Option<&Alert> {
        self.alerts.alerts.iter().find(|a| a.fingerprint() == fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::alerts::{AlertsSnapshot, Severity};
    use crate::config::Config;

    fn alert(rule: &str, state: AlertState, group: &str) -> Alert {
        Alert {
            rule: rule.into(),
            severity: Severity::Warning,
            state,
            labels: [("group".to_string(), group.to_string())].into(),
            value: "42s".into(),
            summary: format!("{group} lags"),
            active_since: SystemTime::UNIX_EPOCH,
            fired_at: None,
            resolved_at: None,
        }
    }

    #[test]
    fn firing_comes_first_and_the_filters_narrow() {
        let mut store = Store::new(&Config::default());
        store.alerts = AlertsSnapshot {
            alerts: vec![
                alert("lag", AlertState::Resolved, "a"),
                alert("lag", AlertState::Pending, "b"),
                alert("lag", AlertState::Firing, "c"),
                alert("lag", AlertState::Firing, "d"),
            ],
            errors: vec![],
        };
        let groups =
            |v: Vec<&Alert>| v.iter().map(|a| a.labels["group"].clone()).collect::<Vec<_>>();
        assert_eq!(groups(store.alerts_matching(StateFilter::All, "")), ["c", "d", "b", "a"]);
        assert_eq!(groups(store.alerts_matching(StateFilter::Firing, "")), ["c", "d"]);
        assert_eq!(groups(store.alerts_matching(StateFilter::Resolved, "")), ["a"]);
        assert_eq!(groups(store.alerts_matching(StateFilter::All, "group=b")), ["b"]);
        assert_eq!(groups(store.alerts_matching(StateFilter::All, "PENDING")), ["b"]);
        let fp = store.alerts.alerts[1].fingerprint();
        assert_eq!(store.alert(&fp).map(|a| a.state), Some(AlertState::Pending));
        let mut f = StateFilter::All;
        let names: Vec<&str> = (0..5)
            .map(|_| {
                f = f.next();
                f.name()
            })
            .collect();
        assert_eq!(names, ["firing", "pending", "resolved", "all", "firing"]);
    }
}

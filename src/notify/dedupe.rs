//! One receiver's memory of what it was told: the alerts it heard fire (by fingerprint), so a
//! second Firing sends nothing, a reminder goes every `repeat` while one keeps firing, and a
//! Resolved is sent once, only for an alert whose firing was sent.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::payload::{Message, Status};
use crate::alerts::{Alert, Transition};

#[derive(Debug)]
struct Firing {
    alert: Alert,
    /// When its last message (first or reminder) was queued.
    told: Instant,
}

#[derive(Debug)]
pub struct Dedupe {
    firing: HashMap<String, Firing>,
    repeat: Duration,
    send_resolved: bool,
}

impl Dedupe {
    pub fn new(repeat: Duration, send_resolved: bool) -> Self {
        Self { firing: HashMap::new(), repeat, send_resolved }
    }

    /// The message a transition calls for at `now`, if any.
    pub fn on(&mut self, transition: Transition, now: Instant) -> Option<Message> {
        match transition {
            Transition::Firing(alert) => {
                let key = alert.fingerprint();
                if let Some(known) = self.firing.get_mut(&key) {
                    // The same alert again: its latest value is kept for the reminder.
                    known.alert = alert;
                    return None;
                }
                self.firing.insert(key, Firing { alert: alert.clone(), told: now });
                Some(Message { status: Status::Firing, alert, reminder: false })
            }
            Transition::Resolved(alert) => {
                let told = self.firing.remove(&alert.fingerprint()).is_some();
                (told && self.send_resolved).then_some(Message {
                    status: Status::Resolved,
                    alert,
                    reminder: false,
                })
            }
        }
    }

    /// When the next reminder is due (none while nothing fires).
    pub fn next_due(&self) -> Option<Instant> {
        self.firing.values().map(|f| f.told + self.repeat).min()
    }

    /// The reminders due at `now`, oldest alert first.
    pub fn reminders(&mut self, now: Instant) -> Vec<Message> {
        let mut due: Vec<&mut Firing> =
            self.firing.values_mut().filter(|f| f.told + self.repeat <= now).collect();
        due.sort_by_key(|f| f.told);
        due.into_iter()
            .map(|f| {
                f.told = now;
                Message { status: Status::Firing, alert: f.alert.clone(), reminder: true }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::SystemTime;

    use super::*;
    use crate::alerts::{AlertState, Severity};

    fn alert(group: &str, value: &str) -> Alert {
        Alert {
            rule: "lag".into(),
            severity: Severity::Warning,
            state: AlertState::Firing,
            labels: BTreeMap::from([("group".into(), group.into())]),
            value: value.into(),
            summary: String::new(),
            active_since: SystemTime::UNIX_EPOCH,
            fired_at: None,
            resolved_at: None,
        }
    }

    #[test]
    fn one_firing_one_reminder_per_repeat_and_one_resolved() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut d = Dedupe::new(s(10), true);
        assert!(d.on(Transition::Firing(alert("a", "1")), t0).is_some());
        assert!(d.on(Transition::Firing(alert("a", "2")), t0 + s(1)).is_none());
        assert!(d.on(Transition::Firing(alert("b", "1")), t0 + s(2)).is_some());
        assert_eq!(d.next_due(), Some(t0 + s(10)));
        assert!(d.reminders(t0 + s(9)).is_empty());
        let r = d.reminders(t0 + s(10));
        assert_eq!(r.len(), 1);
        assert!(r[0].reminder && r[0].alert.value == "2", "the latest value is reminded");
        assert_eq!(d.next_due(), Some(t0 + s(12)));
        let m = d.on(Transition::Resolved(alert("a", "0")), t0 + s(11)).unwrap();
        assert_eq!(m.status, Status::Resolved);
        assert!(d.on(Transition::Resolved(alert("a", "0")), t0 + s(12)).is_none());
        assert_eq!(d.firing.len(), 1);
    }

    #[test]
    fn resolved_is_not_sent_when_switched_off_or_never_fired() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(10), false);
        assert!(d.on(Transition::Resolved(alert("x", "0")), t0).is_none());
        assert!(d.on(Transition::Firing(alert("a", "1")), t0).is_some());
        assert!(d.on(Transition::Resolved(alert("a", "0")), t0).is_none());
        assert_eq!(d.next_due(), None);
    }
}

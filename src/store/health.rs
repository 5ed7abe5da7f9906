//! One backend's last good value and its health: up since, or down since with the reason.

use std::time::SystemTime;

use serde::{Serialize, Serializer};

use crate::collectors::CollectError;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Health {
    /// Not polled yet.
    Unknown,
    Up {
        #[serde(serialize_with = "ser_time")]
        since: SystemTime,
    },
    Down {
        #[serde(serialize_with = "ser_time")]
        since: SystemTime,
        reason: String,
        /// False when retrying will not help (bad credentials, a 4xx answer).
        retryable: bool,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Backend<T> {
    pub name: String,
    pub endpoint: String,
    pub health: Health,
    /// When the snapshot below was taken; with the backend down it is stale, and this says by
    /// how much.
    #[serde(serialize_with = "ser_opt_time")]
    pub updated_at: Option<SystemTime>,
    pub snapshot: Option<T>,
}

impl<T: PartialEq> Backend<T> {
    pub fn new(name: &str, endpoint: String) -> Self {
        Self {
            name: name.into(),
            endpoint,
            health: Health::Unknown,
            updated_at: None,
            snapshot: None,
        }
    }

    /// `reason` without the leading "ENDPOINT: " that errors carry: a view that already names
    /// the backend shows the cause first (a list of three brokers would push it off the line).
    pub fn cause<'a>(&self, reason: &'a str) -> &'a str {
        reason
            .strip_prefix(self.endpoint.as_str())
            .and_then(|r| r.strip_prefix(": "))
            .unwrap_or(reason)
    }

    /// Records one poll. The snapshot survives a failure, so the screen keeps the last good data.
    /// Returns whether anything visible changed.
    pub fn apply(&mut self, result: Result<T, CollectError>, at: SystemTime) -> bool {
        match result {
            Ok(snapshot) => {
                let was_up = matches!(self.health, Health::Up { .. });
                let changed = !was_up || self.snapshot.as_ref() != Some(&snapshot);
                if !was_up {
                    self.health = Health::Up { since: at };
                }
                self.snapshot = Some(snapshot);
                self.updated_at = Some(at);
                changed
            }
            Err(e) => {
                let reason = e.to_string();
                let retryable = e.is_retryable();
                if let Health::Down { reason: r, retryable: rt, .. } = &mut self.health {
                    let changed = *r != reason;
                    *r = reason;
                    *rt = retryable;
                    changed
                } else {
                    self.health = Health::Down { since: at, reason, retryable };
                    true
                }
            }
        }
    }

    pub fn is_up(&self) -> bool {
        matches!(self.health, Health::Up { .. })
    }
}

pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

pub fn ser_time<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

pub fn ser_opt_time<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_time(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn down(reason: &str) -> Result<u32, CollectError> {
        Err(CollectError::Unreachable { endpoint: "db".into(), reason: reason.into() })
    }

    #[test]
    fn down_keeps_the_last_good_value_and_the_first_failure_time() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let mut b = Backend::new("source", "db".into());
        assert!(b.apply(Ok(7), t0));
        assert!(!b.apply(Ok(7), t0 + Duration::from_secs(1)), "same value is not a change");
        assert!(b.apply(down("refused"), t0 + Duration::from_secs(2)));
        assert!(!b.apply(down("refused"), t0 + Duration::from_secs(3)));
        assert_eq!(b.snapshot, Some(7));
        assert_eq!(b.updated_at, Some(t0 + Duration::from_secs(1)));
        match &b.health {
            Health::Down { since, reason, retryable } => {
                assert_eq!(*since, t0 + Duration::from_secs(2));
                assert_eq!(reason, "db: refused");
                assert!(retryable);
            }
            h => panic!("{h:?}"),
        }
        assert!(b.apply(Ok(8), t0 + Duration::from_secs(4)));
        assert_eq!(b.health, Health::Up { since: t0 + Duration::from_secs(4) });
    }

    #[test]
    fn the_cause_drops_only_the_backends_own_endpoint() {
        let b: Backend<u32> = Backend::new("kafka", "k1:9092,k2:9092".into());
        assert_eq!(b.cause("k1:9092,k2:9092: Connection refused"), "Connection refused");
        assert_eq!(b.cause("k3:9092: Connection refused"), "k3:9092: Connection refused");
        assert_eq!(b.cause("k1:9092,k2:9092x"), "k1:9092,k2:9092x");
    }
}

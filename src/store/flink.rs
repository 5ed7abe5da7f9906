//! The Flink cluster's place in the store. Flink is optional: a cluster that refuses the
//! connection and was never seen is "not running", said quietly (the processor view shows how
//! to start it), not a backend down; once seen, losing it is down with its reason and since
//! when, like any backend.

use std::time::SystemTime;

use serde::Serialize;

use super::health::Backend;
use crate::collectors::flink::{FlinkPoll, FlinkSnapshot};

#[derive(Debug, Clone, Serialize)]
pub struct FlinkState {
    #[serde(flatten)]
    pub backend: Backend<FlinkSnapshot>,
    /// Nothing listens at the REST address and nothing ever did this session.
    pub not_running: bool,
}

impl FlinkState {
    pub fn new(endpoint: String) -> Self {
        Self { backend: Backend::new("flink", endpoint), not_running: false }
    }

    /// Records one poll; true when anything visible changed.
    pub fn apply(&mut self, poll: FlinkPoll, at: SystemTime) -> bool {
        let never_seen = self.backend.snapshot.is_none() && !self.backend.is_up();
        if poll.refused && never_seen {
            let changed = !self.not_running;
            self.not_running = true;
            return changed;
        }
        let was_not_running = std::mem::take(&mut self.not_running);
        self.backend.apply(poll.result, at) || was_not_running
    }

    pub fn snapshot(&self) -> Option<&FlinkSnapshot> {
        self.backend.snapshot.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::collectors::CollectError;
    use crate::store::Health;

    fn refused() -> FlinkPoll {
        FlinkPoll {
            result: Err(CollectError::Unreachable {
                endpoint: "http://127.0.0.1:8081".into(),
                reason: "Connection refused".into(),
            }),
            refused: true,
        }
    }

    #[test]
    fn refused_before_it_was_seen_is_not_running_and_after_is_down_since_then() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut f = FlinkState::new("http://127.0.0.1:8081".into());
        assert!(f.apply(refused(), t0));
        assert!(!f.apply(refused(), t0 + Duration::from_secs(2)), "quiet: nothing changed");
        assert!(f.not_running);
        assert_eq!(f.backend.health, Health::Unknown);

        let up = FlinkPoll { result: Ok(FlinkSnapshot::default()), refused: false };
        assert!(f.apply(up, t0 + Duration::from_secs(4)));
        assert!(!f.not_running);
        assert!(f.backend.is_up());

        assert!(f.apply(refused(), t0 + Duration::from_secs(6)));
        assert!(!f.not_running, "seen once: now it is down, not 'not running'");
        match &f.backend.health {
            Health::Down { since, reason, .. } => {
                assert_eq!(*since, t0 + Duration::from_secs(6));
                assert!(reason.contains("Connection refused"));
            }
            h => panic!("{h:?}"),
        }
        assert!(f.snapshot().is_some(), "the last good snapshot stays");
    }
}

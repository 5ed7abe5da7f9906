//! Auto-restart's I/O: after each poll of a cluster, the restarts its [`Tracker`] asks for are
//! sent (`POST /connectors/N/restart?includeTasks=true&onlyFailed=true`, the same request as the
//! `r` key), logged, and every opted-in connector of the snapshot gets its status.
//!
//! One [`AutoRestart`] per cluster, made once per process and shared by every poller of that
//! cluster: the TUI's refresh (ctrl-r) respawns the collectors and its quick polls after an
//! action run beside them, and neither may lose the counts or the backoff.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use super::restart_policy::Tracker;
use super::{ConnectSnapshot, ConnectorAction, Probe, RestartScope};
use crate::config::Config;

/// A cluster's auto-restart; [`AutoRestart::off`] (the default) does nothing.
#[derive(Clone, Default)]
pub struct AutoRestart(Option<Arc<Shared>>);

struct Shared {
    cluster: String,
    /// Bounded by the action timeout, as a restart from the keyboard is.
    probe: Probe,
    /// Held only between awaits, never across one.
    tracker: Mutex<Tracker>,
}

impl AutoRestart {
    pub fn off() -> Self {
        Self(None)
    }

    /// One per configured cluster, in `Config::connect` order; off where the cluster has no
    /// `auto_restart`. Under `read_only` the opted-in connectors are shown as such and never
    /// restarted.
    pub fn for_clusters(config: &Config, read_only: bool) -> Vec<AutoRestart> {
        config
            .connect
            .iter()
            .map(|cluster| {
                let Some(settings) = &cluster.auto_restart else { return Self::off() };
                if read_only {
                    tracing::info!(cluster = %cluster.name, "auto-restart is off under --read-only");
                }
                Self(Some(Arc::new(Shared {
                    cluster: cluster.name.clone(),
                    probe: Probe::new(cluster, config.timeouts.action()),
                    tracker: Mutex::new(Tracker::new(settings.clone(), read_only)),
                })))
            })
            .collect()
    }

    /// Restarts what is due in `snapshot` (a fresh poll) and stamps every opted-in connector
    /// in it with its auto-restart status.
    pub async fn after_poll(&self, snapshot: &mut ConnectSnapshot) {
        let Some(shared) = &self.0 else { return };
        let due = shared.lock().observe(&snapshot.connectors, SystemTime::now(), rand::random);
        for d in due {
            tracing::warn!(
                cluster = %shared.cluster,
                connector = %d.connector,
                attempt = d.attempt,
                reason = %d.reason,
                next_wait = %humantime::format_duration(d.next_wait),
                "auto-restart: restarting a FAILED connector and its failed tasks"
            );
            let action = ConnectorAction::Restart {
                name: d.connector.clone(),
                scope: RestartScope::FailedOnly,
            };
            let answer = match shared.probe.perform(&action).await {
                Ok(outcome) => {
                    tracing::info!(cluster = %shared.cluster, %outcome, "auto-restart requested");
                    Ok(())
                }
                Err(e) => {
                    tracing::warn!(
                        cluster = %shared.cluster,
                        connector = %d.connector,
                        error = %e,
                        "auto-restart: the worker refused the restart"
                    );
                    Err(e.answer())
                }
            };
            shared.lock().record(&d.connector, answer);
        }
        let tracker = shared.lock();
        for c in &mut snapshot.connectors {
            c.auto_restart = tracker.status(&c.name);
        }
    }
}

impl Shared {
    /// A panic elsewhere while holding the lock leaves counts that are still right: take them.
    fn lock(&self) -> std::sync::MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

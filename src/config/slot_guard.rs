//! When the slot guard turns amber or red: how close a slot may come to being invalidated,
//! and how much unconfirmed WAL makes an idle source worth a word.

use serde::{Deserialize, Serialize};

/// `[slot_guard]` in the config file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlotGuardConfig {
    /// Amber when `max_slot_wal_keep_size` would invalidate a slot within this many minutes.
    pub amber_minutes: u64,
    /// Red when it would within this many minutes.
    pub red_minutes: u64,
    /// The idle-source doctor speaks once a running connector's slot holds this much WAL it
    /// has not confirmed (MiB), without advancing, while the server writes WAL.
    pub idle_lag_mib: u64,
}

impl Default for SlotGuardConfig {
    fn default() -> Self {
        Self { amber_minutes: 60, red_minutes: 10, idle_lag_mib: 16 }
    }
}

//! The replication-slot guard: per slot, how close it is to being invalidated (or to filling the
//! WAL disk), and the idle-source doctor, which reads the source and Connect together. A pure
//! function of the store's data, so `slots`, `status` and the screen say the same thing.

use std::time::SystemTime;

use serde::Serialize;

use super::Store;
use crate::collectors::connect::Connector;
use crate::collectors::postgres::{ReplicationSlot, WalFacts};
use crate::config::SlotGuardConfig;
use crate::units::{bytes, seconds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GuardLevel {
    Ok = 0,
    Amber = 1,
    Red = 2,
}

/// One slot's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotGuard {
    pub slot: String,
    pub level: GuardLevel,
    /// Why it is amber or red, most serious first; empty when ok.
    pub reasons: Vec<String>,
    /// Seconds until `max_slot_wal_keep_size` invalidates the slot at its current growth; none
    /// when there is no limit, the slot is not growing, or it is already lost.
    pub time_to_limit_secs: Option<u64>,
    /// The same in words: "42m10s", "not growing", "no limit", "lost".
    pub time_to_limit: String,
    /// With no limit the risk is the disk: what `pg_wal` holds and how fast WAL is written.
    pub wal_disk: Option<String>,
    /// The connector that reads this slot (by its `slot.name`), if Connect shows one.
    pub connector: Option<String>,
    /// The idle-source doctor's finding, when it has one.
    pub idle_source: Option<IdleSource>,
}

/// A running connector whose slot does not advance while the server writes WAL: the database
/// it captures is quiet, others are not, and the slot holds everything written meanwhile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdleSource {
    pub connector: String,
    pub unchanged_for_secs: u64,
    pub wal_written_bytes: i64,
    /// The Debezium settings that fix it.
    pub advice: String,
}

/// The reason a lost slot is red.
pub const LOST: &str = "invalidated: WAL beyond max_slot_wal_keep_size was removed; the connector must be re-snapshotted";

/// What to set: a heartbeat alone commits offsets but cannot move a slot whose database
/// writes nothing it captures; the action query writes something it does capture.
pub const HEARTBEAT_ADVICE: &str = "set heartbeat.interval.ms (e.g. 10000) and heartbeat.action.query (e.g. INSERT INTO public.debezium_heartbeat (id, ts) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = excluded.ts) on the connector, with that table created in the captured database (CREATE TABLE public.debezium_heartbeat (id int PRIMARY KEY, ts timestamptz NOT NULL)) and in its publication";

impl Store {
    /// Every source slot's verdict, from the last good poll of the source and of Connect.
    pub fn slot_guards(&self, now: SystemTime) -> Vec<SlotGuard> {
        let Some(pg) = &self.source.snapshot else { return Vec::new() };
        let connectors: Vec<&Connector> = self
            .connect
            .iter()
            .filter_map(|c| c.snapshot.as_ref())
            .flat_map(|s| &s.connectors)
            .collect();
        let taken = self.source.updated_at.unwrap_or(now);
        pg.slots.iter().map(|s| judge(s, &pg.wal, &connectors, &self.slot_guard, taken)).collect()
    }
}

/// One slot's verdict at `now` (when the slot was read).
pub fn judge(
    slot: &ReplicationSlot,
    wal: &WalFacts,
    connectors: &[&Connector],
    cfg: &SlotGuardConfig,
    now: SystemTime,
) -> SlotGuard {
    let status = slot.wal_status.as_deref().unwrap_or("");
    let mut found: Vec<(GuardLevel, String)> = Vec::new();
    let (secs, words) = time_to_limit(slot, wal);
    if status == "lost" {
        found.push((GuardLevel::Red, LOST.into()));
    }
    if let Some(s) = secs {
        let rate = bytes(slot.retained_bytes_per_sec.unwrap_or(0.0) as i64, true);
        let why = format!(
            "max_slot_wal_keep_size invalidates it in {words} (retained WAL grows {rate}/s)"
        );
        if !consuming(slot, wal, now) && s < cfg.red_minutes * 60 {
            found.push((GuardLevel::Red, why));
        } else if !consuming(slot, wal, now) && s < cfg.amber_minutes * 60 {
            found.push((GuardLevel::Amber, why));
        }
    }
    if status == "unreserved" {
        found.push((
            GuardLevel::Amber,
            "unreserved: it holds more WAL than max_slot_wal_keep_size; the next checkpoint may remove WAL it needs".into(),
        ));
    }
    if !slot.active && status != "lost" {
        found.push((GuardLevel::Amber, format!("replication slot {} is inactive", slot.name)));
    }
    let connector = connectors.iter().find(|c| reads(c, slot)).copied();
    let idle_source = connector.and_then(|c| idle(slot, c, cfg, now));
    if let Some(i) = &idle_source {
        found.push((
            GuardLevel::Amber,
            format!(
                "idle source: connector {} is RUNNING but slot {} has not advanced for {} while the server wrote {} of WAL (changes in tables it does not capture); {}",
                i.connector,
                slot.name,
                seconds(i.unchanged_for_secs),
                bytes(i.wal_written_bytes, true),
                i.advice
            ),
        ));
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    SlotGuard {
        slot: slot.name.clone(),
        level: found.first().map_or(GuardLevel::Ok, |f| f.0),
        reasons: found.into_iter().map(|f| f.1).collect(),
        time_to_limit_secs: secs,
        time_to_limit: words,
        wal_disk: wal.max_slot_wal_keep_size.is_none().then(|| wal_disk(wal)),
        connector: connector.map(|c| c.name.clone()),
        idle_source,
    }
}

/// How recently a consumer must have confirmed for its slot to count as being read.
const CONSUMING_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// A slot being read, holding less than half its limit: its retained WAL rises between the
/// moments its restart_lsn moves, which a short sample reads as a trend toward the limit. Its
/// time to the limit is shown but raises no alarm; a stalled, inactive or far-behind slot's does.
fn consuming(slot: &ReplicationSlot, wal: &WalFacts, now: SystemTime) -> bool {
    let recent = slot
        .confirmed_unchanged_since
        .is_none_or(|t| now.duration_since(t).unwrap_or_default() < CONSUMING_GRACE);
    let half_left = match (slot.safe_wal_size, wal.max_slot_wal_keep_size) {
        (Some(safe), Some(max)) => safe > max / 2,
        _ => true,
    };
    slot.active && recent && half_left
}

/// Seconds (and words) until the limit, from `safe_wal_size` over the retained WAL's growth.
fn time_to_limit(slot: &ReplicationSlot, wal: &WalFacts) -> (Option<u64>, String) {
    if slot.wal_status.as_deref() == Some("lost") {
        return (None, "lost".into());
    }
    if wal.max_slot_wal_keep_size.is_none() {
        return (None, "no limit".into());
    }
    let (Some(safe), Some(rate)) = (slot.safe_wal_size, slot.retained_bytes_per_sec) else {
        return (None, "not measured yet".into());
    };
    if rate <= 0.0 {
        return (None, "not growing".into());
    }
    let s = (safe.max(0) as f64 / rate) as u64;
    (Some(s), seconds(s))
}

/// What can be said of the WAL disk without a limit: `pg_wal`'s size and the write rate.
fn wal_disk(wal: &WalFacts) -> String {
    let size = match (wal.pg_wal_bytes, &wal.pg_wal_error) {
        (Some(b), _) => format!("pg_wal holds {}", bytes(b, true)),
        (None, Some(e)) => format!("pg_wal size unknown ({e})"),
        (None, None) => "pg_wal size unknown".into(),
    };
    let rate = wal
        .bytes_per_sec
        .map(|r| format!(", WAL written at {}/s", bytes(r as i64, true)))
        .unwrap_or_default();
    format!("no max_slot_wal_keep_size: slots keep WAL until the disk fills; {size}{rate}")
}

/// Whether `c` is a Debezium PostgreSQL connector reading `slot` (Debezium's default slot
/// name is `debezium`).
fn reads(c: &Connector, slot: &ReplicationSlot) -> bool {
    let name = c.config.get("slot.name").map_or("debezium", String::as_str);
    let db = c.config.get("database.dbname");
    c.class.contains("PostgresConnector")
        && name == slot.name
        && db.is_none_or(|d| slot.database.as_deref().is_none_or(|s| s == d))
}

/// The doctor: the connector and its tasks RUNNING, the slot active, its confirmed position
/// unchanged across polls while the server wrote WAL, and more unconfirmed WAL than
/// `idle_lag_mib`.
fn idle(
    slot: &ReplicationSlot,
    c: &Connector,
    cfg: &SlotGuardConfig,
    now: SystemTime,
) -> Option<IdleSource> {
    let running =
        c.state == "RUNNING" && !c.tasks.is_empty() && c.tasks.iter().all(|t| t.state == "RUNNING");
    let since = slot.confirmed_unchanged_since?;
    let written = slot.wal_written_since_confirmed?;
    let lag = slot.lag_bytes?;
    let limit = i64::try_from(cfg.idle_lag_mib.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX);
    if !(running && slot.active && written > 0 && lag >= limit) {
        return None;
    }
    let has_beat = c.config.contains_key("heartbeat.interval.ms");
    let advice = if has_beat && !c.config.contains_key("heartbeat.action.query") {
        format!(
            "heartbeat.interval.ms is set, yet the slot does not move: heartbeats alone do not write to the captured database; {HEARTBEAT_ADVICE}"
        )
    } else {
        HEARTBEAT_ADVICE.to_string()
    };
    Some(IdleSource {
        connector: c.name.clone(),
        unchanged_for_secs: now.duration_since(since).map_or(0, |d| d.as_secs()),
        wal_written_bytes: written,
        advice,
    })
}

#[cfg(test)]
#[path = "slot_guard_tests.rs"]
mod tests;

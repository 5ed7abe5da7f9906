//! The three-way LSN check of a Debezium PostgreSQL connector: the LSN its stored offset resumes
//! at, its replication slot's `restart_lsn` and `confirmed_flush_lsn`, and the source's current
//! WAL LSN. What they say, as PostgreSQL 15 and Debezium 3.6 behave:
//!
//! - PostgreSQL never streams a logical slot from before its `confirmed_flush_lsn`:
//!   `START_REPLICATION` at an older LSN silently starts there. An offset older than it does NOT
//!   replay the changes in between (fine when the connector emitted them, which is why the slot
//!   confirmed them; lost when something else advanced the slot).
//! - Debezium (`validateLogPosition`) refuses an offset older than the slot's `restart_lsn`:
//!   "…this is no longer available on the server" under `snapshot.mode=initial`; under
//!   `when_needed` it takes a new snapshot instead. With `offset.mismatch.strategy` trust_slot or
//!   trust_greater_lsn it moves the offset up to the slot.
//! - An offset beyond the current WAL LSN (a restored or different server) skips every change
//!   until the WAL gets there: those changes are lost.
//! - Between `confirmed_flush_lsn` and the current WAL the offset is replayable: changes
//!   committed after it are streamed (again).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::config::PostgresEndpoint;
use crate::pipeline::diff::inflight::Lsn;

/// How bad a disagreement is: `Error` when changes would be lost or the connector cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warning,
    Error,
}

/// The slot and the server, as the source reports them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlotReading {
    pub current_wal_lsn: Option<String>,
    /// `None` when there is no slot of that name.
    pub slot: Option<SlotState>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotState {
    pub database: Option<String>,
    pub active: bool,
    pub restart_lsn: Option<String>,
    pub confirmed_flush_lsn: Option<String>,
    /// `reserved`, `extended`, `unreserved` or `lost`.
    pub wal_status: Option<String>,
}

/// The check's inputs and its verdict, as shown and as `-o json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LsnCheck {
    pub slot_name: String,
    /// Where the stored offset resumes (`lsn_proc`, else `lsn`); `None` with no offset.
    pub offset_lsn: Option<String>,
    #[serde(flatten)]
    pub source: SlotReading,
    pub level: Level,
    pub verdict: String,
}

/// The connector settings that change what an offset means.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub snapshot_mode: String,
    pub mismatch_strategy: String,
    /// The connector is RUNNING: its stored offset trails what it has done by up to one
    /// `offset.flush.interval.ms`, and the slot confirms what Kafka acknowledged before that.
    pub running: bool,
}

impl Settings {
    pub fn of(config: &BTreeMap<String, String>, running: bool) -> Self {
        let get = |k: &str, d: &str| config.get(k).cloned().unwrap_or_else(|| d.to_string());
        Self {
            snapshot_mode: get("snapshot.mode", "initial"),
            mismatch_strategy: get("offset.mismatch.strategy", "no_validation"),
            running,
        }
    }
}

/// The slot Debezium uses: `slot.name`, by default `debezium`.
pub fn slot_name(config: &BTreeMap<String, String>) -> String {
    config.get("slot.name").cloned().unwrap_or_else(|| "debezium".into())
}

fn lsn(s: Option<&String>) -> Option<Lsn> {
    s.and_then(|s| Lsn::parse(s))
}

fn gap(a: Lsn, b: Lsn) -> String {
    crate::units::bytes(i64::try_from(a.0.abs_diff(b.0)).unwrap_or(i64::MAX), true)
}

/// The verdict on resuming at `offset` with the slot and WAL in `source`.
pub fn judge(offset: Option<Lsn>, source: &SlotReading, s: &Settings) -> (Level, String) {
    let Some(slot) = &source.slot else {
        return (
            Level::Error,
            "the slot does not exist: Debezium refuses the stored offset (snapshot.mode=initial) or takes a new snapshot (when_needed), and makes a new slot at the current WAL; changes made while there was no slot cannot be streamed".into(),
        );
    };
    if slot.wal_status.as_deref() == Some("lost") {
        return (
            Level::Error,
            "the slot is lost (wal_status lost): PostgreSQL removed WAL it still needed; changes since its restart_lsn are gone, the connector cannot stream from it".into(),
        );
    }
    let wal = lsn(source.current_wal_lsn.as_ref());
    let (restart, confirmed) =
        (lsn(slot.restart_lsn.as_ref()), lsn(slot.confirmed_flush_lsn.as_ref()));
    let Some(o) = offset else { return no_offset(confirmed, s) };
    if let Some(w) = wal.filter(|w| o > *w) {
        return (
            Level::Error,
            format!(
                "the offset {o} is {} AHEAD of the source's current WAL {w} (a restored or different database?): changes until the WAL reaches {o} will be skipped — lost",
                gap(o, w)
            ),
        );
    }
    if let Some(r) = restart.filter(|r| o < *r) {
        return before_restart(o, r, confirmed, s);
    }
    if let Some(c) = confirmed.filter(|c| o < *c) {
        if s.running {
            return (
                Level::Ok,
                format!(
                    "running: the stored offset trails the slot's confirmed_flush_lsn {c} by {} (the slot confirms what Kafka acknowledged; offsets are stored every flush interval)",
                    gap(o, c)
                ),
            );
        }
        return (
            Level::Warning,
            format!(
                "will NOT replay changes between {o} and {c}: PostgreSQL starts the slot at its confirmed_flush_lsn (START_REPLICATION at an older LSN silently begins there); they were emitted if the connector confirmed them, lost if something else advanced the slot"
            ),
        );
    }
    let behind =
        wal.map_or_else(String::new, |w| format!(", {} behind the current WAL {w}", gap(o, w)));
    (Level::Ok, format!("resumes at {o}: changes committed after it are streamed{behind}"))
}

/// No stored offset: the connector starts afresh, as its snapshot mode says.
fn no_offset(confirmed: Option<Lsn>, s: &Settings) -> (Level, String) {
    let from = confirmed.map_or_else(|| "the slot".into(), |c| c.to_string());
    let snapshot = if matches!(s.snapshot_mode.as_str(), "no_data" | "never") {
        "no snapshot"
    } else {
        "a new snapshot, every row emitted again as op=r"
    };
    (
        Level::Warning,
        format!(
            "no stored offset: on resume Debezium starts afresh (snapshot.mode={}: {snapshot}), then streams from {from}",
            s.snapshot_mode
        ),
    )
}

/// An offset older than the slot's `restart_lsn`: Debezium's `validateLogPosition` says no.
fn before_restart(o: Lsn, r: Lsn, confirmed: Option<Lsn>, s: &Settings) -> (Level, String) {
    if matches!(s.mismatch_strategy.as_str(), "trust_slot" | "trust_greater_lsn") {
        return (
            Level::Warning,
            format!(
                "the offset {o} is older than the slot's restart_lsn {r}: offset.mismatch.strategy={} moves it up to the slot, changes before {} will not be emitted again",
                s.mismatch_strategy,
                confirmed.unwrap_or(r)
            ),
        );
    }
    let then = if s.snapshot_mode == "when_needed" {
        "Debezium takes a new snapshot (snapshot.mode=when_needed)"
    } else {
        "Debezium refuses to start (\"no longer available on the server\")"
    };
    (
        Level::Error,
        format!(
            "the offset {o} is older than the slot's restart_lsn {r}: the WAL from there is gone; {then}, and changes between {o} and {r} cannot be streamed again"
        ),
    )
}

/// Reads the slot and the current WAL LSN from `source` (slots are server-wide, so any
/// database of the server will do).
pub async fn read_slot(
    source: &PostgresEndpoint,
    slot: &str,
    timeout: Duration,
) -> Result<SlotReading, String> {
    let work = async {
        let (client, conn) =
            crate::pg::connect(source, timeout).await.map_err(|e| crate::pg::message(&e))?;
        let conn = tokio::spawn(conn);
        let sql = "SELECT pg_current_wal_lsn()::text, s.slot_name IS NOT NULL, s.database::text, \
                   coalesce(s.active, false), s.restart_lsn::text, s.confirmed_flush_lsn::text, \
                   s.wal_status::text \
                   FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = $1";
        let row = client.query_one(sql, &[&slot]).await.map_err(|e| crate::pg::message(&e));
        conn.abort();
        let row = row?;
        let exists: bool = row.get(1);
        Ok(SlotReading {
            current_wal_lsn: row.get(0),
            slot: exists.then(|| SlotState {
                database: row.get(2),
                active: row.get(3),
                restart_lsn: row.get(4),
                confirmed_flush_lsn: row.get(5),
                wal_status: row.get(6),
            }),
        })
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            Err(format!("{source}: no answer within {}", humantime::format_duration(timeout)))
        })
        .map_err(|e| format!("{source}: {e}"))
}

/// The check of a connector whose stored offset resumes at `offset`.
pub fn check(
    slot_name: String,
    offset: Option<Lsn>,
    source: SlotReading,
    s: &Settings,
) -> LsnCheck {
    let (level, verdict) = judge(offset, &source, s);
    LsnCheck { slot_name, offset_lsn: offset.map(|o| o.to_string()), source, level, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(restart: &str, confirmed: &str, wal: &str) -> SlotReading {
        SlotReading {
            current_wal_lsn: Some(wal.into()),
            slot: Some(SlotState {
                database: Some("source".into()),
                active: false,
                restart_lsn: Some(restart.into()),
                confirmed_flush_lsn: Some(confirmed.into()),
                wal_status: Some("reserved".into()),
            }),
        }
    }

    fn at(s: &str) -> Option<Lsn> {
        Lsn::parse(s)
    }

    fn stopped() -> Settings {
        Settings::of(&BTreeMap::new(), false)
    }

    #[test]
    fn an_offset_between_confirmed_flush_and_the_wal_replays() {
        let (level, text) = judge(at("0/3000"), &reading("0/1000", "0/2000", "0/5000"), &stopped());
        assert_eq!(level, Level::Ok);
        assert_eq!(
            text,
            "resumes at 0/3000: changes committed after it are streamed, 8.0 KiB behind the current WAL 0/5000"
        );
    }

    #[test]
    fn an_offset_ahead_of_the_wal_loses_changes() {
        let (level, text) = judge(at("0/9000"), &reading("0/1000", "0/2000", "0/5000"), &stopped());
        assert_eq!(level, Level::Error);
        assert!(
            text.contains("AHEAD of the source's current WAL 0/5000") && text.contains("lost"),
            "{text}"
        );
    }

    #[test]
    fn an_offset_older_than_confirmed_flush_will_not_replay() {
        let r = reading("0/1000", "0/2000", "0/5000");
        let (level, text) = judge(at("0/1800"), &r, &stopped());
        assert_eq!(level, Level::Warning);
        assert!(text.starts_with("will NOT replay changes between 0/1800 and 0/2000"), "{text}");
        let running = Settings { running: true, ..stopped() };
        assert_eq!(judge(at("0/1800"), &r, &running).0, Level::Ok);
    }

    #[test]
    fn an_offset_older_than_restart_lsn_stops_debezium_or_resnapshots() {
        let r = reading("0/1000", "0/2000", "0/5000");
        let (level, text) = judge(at("0/800"), &r, &stopped());
        assert_eq!(level, Level::Error);
        assert!(text.contains("refuses to start"), "{text}");
        let mut config = BTreeMap::new();
        config.insert("snapshot.mode".to_string(), "when_needed".to_string());
        assert!(judge(at("0/800"), &r, &Settings::of(&config, false)).1.contains("new snapshot"));
        config.insert("offset.mismatch.strategy".to_string(), "trust_slot".to_string());
        assert_eq!(judge(at("0/800"), &r, &Settings::of(&config, false)).0, Level::Warning);
    }

    #[test]
    fn a_missing_or_lost_slot_and_a_missing_offset_are_said() {
        let none = SlotReading { current_wal_lsn: Some("0/5000".into()), slot: None };
        assert_eq!(judge(at("0/3000"), &none, &stopped()).0, Level::Error);
        let mut lost = reading("0/1000", "0/2000", "0/5000");
        if let Some(s) = &mut lost.slot {
            s.wal_status = Some("lost".into());
        }
        assert!(judge(at("0/3000"), &lost, &stopped()).1.starts_with("the slot is lost"));
        let (level, text) = judge(None, &reading("0/1000", "0/2000", "0/5000"), &stopped());
        assert_eq!(level, Level::Warning);
        assert!(text.contains("a new snapshot") && text.contains("streams from 0/2000"), "{text}");
    }
}

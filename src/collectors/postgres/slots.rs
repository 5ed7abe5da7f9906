//! The source's replication slots and the WAL they hold: what the slot guard judges. One read
//! gives positions and the server's limits; the rates and "since when" come from
//! [`super::history`], across polls.

use std::time::SystemTime;

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicationSlot {
    pub name: String,
    pub plugin: Option<String>,
    pub slot_type: String,
    /// The database a logical slot decodes (none for a physical slot).
    pub database: Option<String>,
    pub active: bool,
    pub restart_lsn: Option<String>,
    pub confirmed_flush_lsn: Option<String>,
    /// WAL the server keeps for this slot: current LSN − restart LSN.
    pub retained_bytes: Option<i64>,
    /// How far the consumer's confirmed position is behind: current LSN − confirmed flush LSN.
    pub lag_bytes: Option<i64>,
    /// `reserved`, `extended`, `unreserved` or `lost` (PostgreSQL's own words).
    pub wal_status: Option<String>,
    /// WAL that can still be written before this slot is in danger of losing WAL it needs;
    /// none when `max_slot_wal_keep_size` is -1 (no limit) or the slot is lost.
    pub safe_wal_size: Option<i64>,
    /// How fast the retained WAL grows (bytes/s, over the last minute of polls; negative while
    /// the consumer catches up). None until two polls have been seen.
    pub retained_bytes_per_sec: Option<f64>,
    /// When the console first saw this slot inactive (PostgreSQL 15 has no `inactive_since`:
    /// the slot may have been inactive for longer). None while active.
    #[serde(serialize_with = "ser_opt_time")]
    pub inactive_since: Option<SystemTime>,
    /// When the console first saw the current `confirmed_flush_lsn`: the slot has not advanced
    /// since then.
    #[serde(serialize_with = "ser_opt_time")]
    pub confirmed_unchanged_since: Option<SystemTime>,
    /// WAL the server wrote (any database) since `confirmed_unchanged_since`.
    pub wal_written_since_confirmed: Option<i64>,
    /// Confirmed flush position in bytes, for the history (not shown).
    #[serde(skip)]
    pub confirmed_flush_bytes: Option<i64>,
}

/// The server's WAL: its write rate, the slot limit and what `pg_wal` holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WalFacts {
    /// The current WAL position in bytes (none on a standby).
    pub current_bytes: Option<i64>,
    /// How fast the server writes WAL, all databases (bytes/s over the last minute of polls).
    pub bytes_per_sec: Option<f64>,
    /// `max_slot_wal_keep_size` in bytes; none when it is -1: slots keep WAL without limit,
    /// and the risk is the WAL disk filling.
    pub max_slot_wal_keep_size: Option<i64>,
    /// `max_wal_size` in bytes: beyond it a slot's status is `extended`.
    pub max_wal_size: Option<i64>,
    /// The size of `pg_wal` (from `pg_ls_waldir()`); none when not permitted.
    pub pg_wal_bytes: Option<i64>,
    /// Why `pg_wal_bytes` is missing (the role lacks pg_monitor, say).
    pub pg_wal_error: Option<String>,
}

/// Rows changed in the captured tables, as the statistics collector counts them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SourceChanges {
    /// Inserts + updates + deletes since the statistics were reset.
    pub total: i64,
    /// Changes per second over the last minute of polls: the source's own rate, whatever the
    /// connector and the topics do.
    pub per_sec: Option<f64>,
}

pub(super) const SLOTS: &str = "
    SELECT slot_name::text, plugin::text, slot_type, database::text, active,
           restart_lsn::text, confirmed_flush_lsn::text,
           pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,
           pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,
           wal_status, safe_wal_size,
           pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint
      FROM pg_replication_slots ORDER BY slot_name";

pub(super) fn slot(r: &tokio_postgres::Row) -> ReplicationSlot {
    ReplicationSlot {
        name: r.get(0),
        plugin: r.get(1),
        slot_type: r.get(2),
        database: r.get(3),
        active: r.get(4),
        restart_lsn: r.get(5),
        confirmed_flush_lsn: r.get(6),
        retained_bytes: r.get(7),
        lag_bytes: r.get(8),
        wal_status: r.get(9),
        safe_wal_size: r.get(10),
        retained_bytes_per_sec: None,
        inactive_since: None,
        confirmed_unchanged_since: None,
        wal_written_since_confirmed: None,
        confirmed_flush_bytes: r.get(11),
    }
}

/// The slot limit and `max_wal_size` in bytes (-1 stays -1), and the current WAL position.
pub(super) const WAL: &str = "
    SELECT CASE WHEN pg_is_in_recovery() THEN NULL
                ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint END,
           (SELECT CASE WHEN setting::bigint < 0 THEN NULL
                        ELSE setting::bigint * 1024 * 1024 END
              FROM pg_settings WHERE name = 'max_slot_wal_keep_size'),
           (SELECT setting::bigint * 1024 * 1024 FROM pg_settings WHERE name = 'max_wal_size')";

/// `pg_wal`'s size; needs superuser or pg_monitor, so a refusal is a fact, not an error.
pub(super) const WAL_DIR: &str = "SELECT coalesce(sum(size), 0)::bigint FROM pg_ls_waldir()";

/// Changes in the captured tables since the statistics were reset.
pub(super) const CHANGES: &str = "
    SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables
     WHERE schemaname || '.' || relname = ANY($1)";

#[expect(clippy::ref_option, reason = "serde's serialize_with hands over &Option")]
fn ser_opt_time<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&humantime::format_rfc3339_millis(*t).to_string()),
        None => s.serialize_none(),
    }
}

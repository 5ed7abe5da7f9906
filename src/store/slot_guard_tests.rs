use std::time::{Duration, SystemTime};

use super::*;
use crate::collectors::connect::Task;

const MIB: i64 = 1024 * 1024;

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(10_000 + s)
}

fn slot() -> ReplicationSlot {
    ReplicationSlot {
        name: "t_slot".into(),
        plugin: Some("pgoutput".into()),
        slot_type: "logical".into(),
        database: Some("source".into()),
        active: true,
        restart_lsn: Some("0/1000".into()),
        confirmed_flush_lsn: Some("0/2000".into()),
        retained_bytes: Some(MIB),
        lag_bytes: Some(1024),
        wal_status: Some("reserved".into()),
        safe_wal_size: Some(4096 * MIB),
        retained_bytes_per_sec: Some(0.0),
        inactive_since: None,
        confirmed_unchanged_since: Some(t(0)),
        wal_written_since_confirmed: Some(0),
        confirmed_flush_bytes: Some(0x2000),
    }
}

fn limited() -> WalFacts {
    WalFacts { max_slot_wal_keep_size: Some(4096 * MIB), ..WalFacts::default() }
}

fn connector(state: &str, config: &[(&str, &str)]) -> Connector {
    Connector {
        name: "orders".into(),
        class: "io.debezium.connector.postgresql.PostgresConnector".into(),
        state: state.into(),
        tasks: vec![Task { id: 0, state: state.into(), worker_id: "w".into(), trace: None }],
        config: config.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(),
        ..Connector::default()
    }
}

fn judge_now(s: &ReplicationSlot, wal: &WalFacts, cs: &[&Connector]) -> SlotGuard {
    judge(s, wal, cs, &SlotGuardConfig::default(), t(300))
}

#[test]
fn a_keeping_up_slot_is_ok_and_not_growing() {
    let g = judge_now(&slot(), &limited(), &[]);
    assert_eq!((g.level, g.time_to_limit.as_str()), (GuardLevel::Ok, "not growing"));
    assert!(g.reasons.is_empty());
    assert_eq!(g.wal_disk, None, "with a limit the disk is not the risk");
}

#[test]
fn time_to_limit_turns_amber_under_an_hour_and_red_under_ten_minutes() {
    let mut s = slot();
    s.active = false;
    s.safe_wal_size = Some(100 * MIB);
    s.retained_bytes_per_sec = Some(MIB as f64 / 60.0); // 1 MiB a minute: 100 min left
    let g = judge_now(&s, &limited(), &[]);
    assert_eq!((g.time_to_limit_secs, g.time_to_limit.as_str()), (Some(6000), "1h40m"));
    assert_eq!(g.level, GuardLevel::Amber, "inactive, though the limit is far");
    assert_eq!(g.reasons, ["replication slot t_slot is inactive"]);

    s.retained_bytes_per_sec = Some(MIB as f64 / 30.0); // 50 min left
    let g = judge_now(&s, &limited(), &[]);
    assert_eq!(g.level, GuardLevel::Amber);
    assert!(g.reasons[0].starts_with("max_slot_wal_keep_size invalidates it in 50m00s"), "{g:?}");

    s.retained_bytes_per_sec = Some(MIB as f64); // 100 s left
    let g = judge_now(&s, &limited(), &[]);
    assert_eq!((g.level, g.time_to_limit_secs), (GuardLevel::Red, Some(100)));
    let cfg = SlotGuardConfig { red_minutes: 1, amber_minutes: 2, idle_lag_mib: 16 };
    assert_eq!(judge(&s, &limited(), &[], &cfg, t(0)).level, GuardLevel::Amber, "configurable");
}

#[test]
fn a_slot_being_read_raises_no_alarm_on_a_short_burst_until_it_holds_half_its_limit() {
    // Active, confirmed 10 s ago, the server writing 7 MiB/s: between two moves of its
    // restart_lsn the retained WAL rises at the server's rate, not toward the limit.
    let mut s = slot();
    s.confirmed_unchanged_since = Some(t(290));
    s.retained_bytes_per_sec = Some(7.0 * MIB as f64);
    let g = judge_now(&s, &limited(), &[]);
    assert_eq!(g.level, GuardLevel::Ok, "{g:?}");
    assert!(g.time_to_limit_secs.is_some(), "the figure is still shown");

    // The same slot stalled for over a minute: the trend is real.
    s.confirmed_unchanged_since = Some(t(200));
    assert_eq!(judge_now(&s, &limited(), &[]).level, GuardLevel::Red);

    // Read, but holding more than half of max_slot_wal_keep_size: far behind, and the alarm
    // stands.
    s.confirmed_unchanged_since = Some(t(290));
    s.safe_wal_size = Some(1024 * MIB);
    assert_eq!(judge_now(&s, &limited(), &[]).level, GuardLevel::Red);
}

#[test]
fn a_lost_slot_is_red_with_the_reason_and_unreserved_is_amber() {
    let mut s = slot();
    s.active = false;
    s.wal_status = Some("lost".into());
    s.safe_wal_size = None;
    let g = judge_now(&s, &limited(), &[]);
    assert_eq!((g.level, g.time_to_limit.as_str()), (GuardLevel::Red, "lost"));
    assert_eq!(g.reasons, [LOST], "the inactive note adds nothing to a lost slot");

    s.wal_status = Some("unreserved".into());
    s.active = true;
    s.safe_wal_size = Some(-MIB);
    let g = judge_now(&s, &limited(), &[]);
    assert_eq!(g.level, GuardLevel::Amber);
    assert!(g.reasons[0].starts_with("unreserved:"), "{g:?}");
}

#[test]
fn without_a_limit_the_guard_speaks_of_the_wal_disk() {
    let wal = WalFacts {
        pg_wal_bytes: Some(80 * MIB),
        bytes_per_sec: Some(2048.0),
        ..WalFacts::default()
    };
    let g = judge_now(&slot(), &wal, &[]);
    assert_eq!((g.time_to_limit_secs, g.time_to_limit.as_str()), (None, "no limit"));
    let disk = g.wal_disk.unwrap_or_default();
    assert!(disk.contains("pg_wal holds 80.0 MiB") && disk.contains("2.0 KiB/s"), "{disk}");
    let refused =
        WalFacts { pg_wal_error: Some("permission denied".into()), ..WalFacts::default() };
    let disk = judge_now(&slot(), &refused, &[]).wal_disk.unwrap_or_default();
    assert!(disk.contains("pg_wal size unknown (permission denied)"), "{disk}");
}

#[test]
fn the_doctor_names_a_running_connector_whose_slot_idles_while_wal_grows() {
    let mut s = slot();
    s.lag_bytes = Some(40 * MIB);
    s.wal_written_since_confirmed = Some(40 * MIB);
    let running = connector("RUNNING", &[("slot.name", "t_slot"), ("database.dbname", "source")]);
    let g = judge_now(&s, &limited(), &[&running]);
    assert_eq!(g.connector.as_deref(), Some("orders"));
    let idle = g.idle_source.clone().expect("the doctor speaks");
    assert_eq!((idle.unchanged_for_secs, idle.wal_written_bytes), (300, 40 * MIB));
    assert_eq!(g.level, GuardLevel::Amber);
    assert!(g.reasons[0].contains("has not advanced for 5m00s"), "{:?}", g.reasons);
    assert!(idle.advice.contains("heartbeat.action.query"), "{}", idle.advice);

    let beating =
        connector("RUNNING", &[("slot.name", "t_slot"), ("heartbeat.interval.ms", "5000")]);
    let idle = judge_now(&s, &limited(), &[&beating]).idle_source.expect("still idle");
    assert!(idle.advice.starts_with("heartbeat.interval.ms is set"), "{}", idle.advice);

    // Not when the connector is paused, the WAL did not grow, the lag is small, or the
    // connector reads another slot or database.
    let paused = connector("PAUSED", &[("slot.name", "t_slot")]);
    assert_eq!(judge_now(&s, &limited(), &[&paused]).idle_source, None);
    let other = connector("RUNNING", &[("slot.name", "t_slot"), ("database.dbname", "x")]);
    assert_eq!(judge_now(&s, &limited(), &[&other]).connector, None);
    let default_name = connector("RUNNING", &[]);
    assert_eq!(judge_now(&s, &limited(), &[&default_name]).connector, None, "reads 'debezium'");
    let mut quiet = s.clone();
    quiet.wal_written_since_confirmed = Some(0);
    assert_eq!(judge_now(&quiet, &limited(), &[&running]).idle_source, None);
    let mut small = s;
    small.lag_bytes = Some(MIB);
    assert_eq!(judge_now(&small, &limited(), &[&running]).idle_source, None);
}

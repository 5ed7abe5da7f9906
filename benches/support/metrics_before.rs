//! The hand-written exposition the console had before prometheus-client (commit ac4b7d3),
//! kept only to compare render times in `benches/metrics_render.rs`.

use std::fmt::Write;

use cdc_console::store::{Backend, Health, Store};

/// The exposition text for `store` (format 0.0.4).
pub fn render(store: &Store) -> String {
    let mut out = String::new();
    family(&mut out, "cdc_backend_up", "gauge", "1 when the backend answered its last poll.");
    let mut up = |name: &str, health: &Health| {
        let v = u8::from(matches!(health, Health::Up { .. }));
        let _ = writeln!(out, "cdc_backend_up{{backend=\"{}\"}} {v}", esc(name));
    };
    up(&store.source.name, &store.source.health);
    up(&store.sink.name, &store.sink.health);
    up(&store.kafka.name, &store.kafka.health);
    for c in &store.connect {
        up(&c.name, &c.health);
    }
    up(&store.latency.name, &store.latency.health);
    up(&store.groups.name, &store.groups.health);
    connectors(&mut out, store);
    groups(&mut out, store);
    slots(&mut out, &store.source);
    slot_guard(&mut out, store);
    latency(&mut out, store);
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn connectors(out: &mut String, store: &Store) {
    family(out, "cdc_connector_state", "gauge", "1 for the connector's current state.");
    family(out, "cdc_connector_task_state", "gauge", "1 for each task's current state.");
    family(
        out,
        "cdc_connector_auto_restarts_total",
        "counter",
        "Restarts the console's auto-restart made of an opted-in connector since it started.",
    );
    for c in &store.connect {
        let cluster = esc(c.name.trim_start_matches("connect:"));
        for k in c.snapshot.iter().flat_map(|s| &s.connectors) {
            let name = esc(&k.name);
            let _ = writeln!(
                out,
                "cdc_connector_state{{cluster=\"{cluster}\",connector=\"{name}\",state=\"{}\"}} 1",
                esc(&k.state)
            );
            for t in &k.tasks {
                let _ = writeln!(
                    out,
                    "cdc_connector_task_state{{cluster=\"{cluster}\",connector=\"{name}\",task=\"{}\",state=\"{}\"}} 1",
                    t.id,
                    esc(&t.state)
                );
            }
            if let Some(a) = &k.auto_restart {
                let _ = writeln!(
                    out,
                    "cdc_connector_auto_restarts_total{{cluster=\"{cluster}\",connector=\"{name}\"}} {}",
                    a.restarts
                );
            }
        }
    }
}

fn groups(out: &mut String, store: &Store) {
    family(out, "cdc_group_lag", "gauge", "Log-end offset minus committed offset, per partition.");
    family(
        out,
        "cdc_group_lag_seconds",
        "gauge",
        "How far behind the committed offset is, in seconds.",
    );
    family(out, "cdc_group_total_lag", "gauge", "Sum of the group's partition lags.");
    family(out, "cdc_group_verdict", "gauge", "1 for the group's current Burrow verdict.");
    family(
        out,
        "cdc_group_partition_verdict",
        "gauge",
        "1 for each partition's current Burrow verdict.",
    );
    family(
        out,
        "cdc_group_lost_records",
        "gauge",
        "Records retention deleted before the group consumed them (committed before the log start).",
    );
    for g in store.groups.snapshot.iter().flat_map(|s| &s.groups) {
        let group = esc(&g.name);
        let verdict = |v: cdc_console::collectors::lag::verdict::Verdict| {
            serde_json::to_value(v)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "cdc_group_verdict{{group=\"{group}\",verdict=\"{}\"}} 1",
            verdict(g.verdict)
        );
        if let Some(total) = g.total_lag {
            let _ = writeln!(out, "cdc_group_total_lag{{group=\"{group}\"}} {total}");
        }
        for p in &g.partitions {
            let labels = format!(
                "group=\"{group}\",topic=\"{}\",partition=\"{}\"",
                esc(&p.topic),
                p.partition
            );
            if let Some(lag) = p.lag {
                let _ = writeln!(out, "cdc_group_lag{{{labels}}} {lag}");
            }
            if let Some(lost) = p.lost {
                let _ = writeln!(out, "cdc_group_lost_records{{{labels}}} {lost}");
            }
            if let Some(s) = p.lag_seconds {
                let _ = writeln!(out, "cdc_group_lag_seconds{{{labels}}} {}", s.seconds);
            }
            let _ = writeln!(
                out,
                "cdc_group_partition_verdict{{{labels},verdict=\"{}\"}} 1",
                verdict(p.verdict)
            );
        }
    }
}

fn slots(out: &mut String, source: &Backend<cdc_console::collectors::postgres::PostgresSnapshot>) {
    family(
        out,
        "cdc_slot_lag_bytes",
        "gauge",
        "Current WAL LSN minus the slot's confirmed flush LSN.",
    );
    family(out, "cdc_slot_retained_bytes", "gauge", "WAL the source keeps for the slot.");
    family(out, "cdc_slot_active", "gauge", "1 when a consumer is attached to the slot.");
    for s in source.snapshot.iter().flat_map(|s| &s.slots) {
        let slot = esc(&s.name);
        if let Some(v) = s.lag_bytes {
            let _ = writeln!(out, "cdc_slot_lag_bytes{{slot=\"{slot}\"}} {v}");
        }
        if let Some(v) = s.retained_bytes {
            let _ = writeln!(out, "cdc_slot_retained_bytes{{slot=\"{slot}\"}} {v}");
        }
        let _ = writeln!(out, "cdc_slot_active{{slot=\"{slot}\"}} {}", u8::from(s.active));
    }
}

/// The slot guard's verdicts (0 ok, 1 amber, 2 red), the time to `max_slot_wal_keep_size`, and
/// the captured tables' own change rate, so an alert need not recompute them.
fn slot_guard(out: &mut String, store: &Store) {
    family(out, "cdc_slot_guard_level", "gauge", "Slot guard: 0 ok, 1 amber, 2 red.");
    family(
        out,
        "cdc_slot_seconds_to_limit",
        "gauge",
        "Seconds until max_slot_wal_keep_size invalidates the slot at its growth.",
    );
    family(
        out,
        "cdc_source_changes_per_second",
        "gauge",
        "Rows changed per second in the captured tables.",
    );
    for g in store.slot_guards(std::time::SystemTime::now()) {
        let slot = esc(&g.slot);
        let _ = writeln!(out, "cdc_slot_guard_level{{slot=\"{slot}\"}} {}", g.level as u8);
        if let Some(v) = g.time_to_limit_secs {
            let _ = writeln!(out, "cdc_slot_seconds_to_limit{{slot=\"{slot}\"}} {v}");
        }
    }
    if let Some(r) = store.source.snapshot.as_ref().and_then(|s| s.changes.per_sec) {
        let _ = writeln!(out, "cdc_source_changes_per_second {r}");
    }
}

fn latency(out: &mut String, store: &Store) {
    family(
        out,
        "cdc_latency_ms",
        "gauge",
        "Per-stage latency percentiles over the last minute, in milliseconds.",
    );
    for s in store.latency.snapshot.iter().flat_map(|s| &s.stages) {
        let stage = serde_json::to_value(s.stage)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        for (q, v) in [
            ("0.5", s.ms.p50),
            ("0.9", s.ms.p90),
            ("0.99", s.ms.p99),
            ("0.999", s.ms.p999),
            ("1", s.ms.max),
        ] {
            let _ = writeln!(out, "cdc_latency_ms{{stage=\"{stage}\",quantile=\"{q}\"}} {v}");
        }
    }
}

/// Label values escaped as the exposition format requires.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

//! Prometheus text exposition of the store: backend health, connector and task states, slot lag,
//! latency percentiles. Rendered when the store changes; the HTTP side only hands out the text.

use std::fmt::Write;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use crate::store::{Backend, Health, Store};

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
        let verdict = |v: crate::collectors::lag::verdict::Verdict| {
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

fn slots(out: &mut String, source: &Backend<crate::collectors::postgres::PostgresSnapshot>) {
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

/// Serves the latest text from `metrics` on `addr` at `/metrics` until the task is dropped.
pub async fn serve(
    addr: SocketAddr,
    metrics: watch::Receiver<String>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving Prometheus metrics");
    Ok(tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let body = metrics.borrow().clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let Ok(Ok(n)) =
                    tokio::time::timeout(std::time::Duration::from_secs(5), conn.read(&mut buf))
                        .await
                else {
                    return;
                };
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("");
                let response = if request.starts_with("GET ")
                    && (path == "/metrics" || path.starts_with("/metrics?"))
                {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n".to_string()
                };
                let _ = conn.write_all(response.as_bytes()).await;
                let _ = conn.shutdown().await;
            });
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(esc("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn an_unpolled_store_reports_every_backend_down_and_no_series() {
        let text = render(&Store::new(&crate::config::Config::default()));
        assert!(text.contains("cdc_backend_up{backend=\"source\"} 0"));
        assert!(text.contains("cdc_backend_up{backend=\"connect:local\"} 0"));
        assert!(!text.contains("cdc_slot_lag_bytes{"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').unwrap();
            assert!(series.starts_with("cdc_") && value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn auto_restarts_are_counted_for_opted_in_connectors_only() {
        use crate::collectors::connect::{AutoRestartStatus, ConnectSnapshot, Connector};
        use crate::collectors::{Update, UpdateKind};
        let mut store = Store::new(&crate::config::Config::default());
        let connector = |name: &str, auto_restart| Connector {
            name: name.into(),
            state: "RUNNING".into(),
            auto_restart,
            ..Connector::default()
        };
        let status = AutoRestartStatus { active: true, restarts: 3, ..Default::default() };
        let snap = ConnectSnapshot {
            connectors: vec![connector("in", Some(status)), connector("out", None)],
            ..ConnectSnapshot::default()
        };
        let at = std::time::SystemTime::now();
        store.apply(Update { at, kind: UpdateKind::Connect(0, Ok(snap)) });
        let text = render(&store);
        assert!(
            text.contains(
                "cdc_connector_auto_restarts_total{cluster=\"local\",connector=\"in\"} 3"
            ),
            "{text}"
        );
        assert!(!text.contains("auto_restarts_total{cluster=\"local\",connector=\"out\""));
    }
}

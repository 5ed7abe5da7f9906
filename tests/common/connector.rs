//! A Debezium connector of a test's own: the stack connector's settings
//! (compose/connectors/orders.json) on the local source, with the test's own names. Every test
//! that registers a connector starts here, so a setting added to the stack connector reaches
//! them all, and the few that belong to the stack connector alone stay out.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The source's superuser password in the local stack (compose/sql/source.sql).
pub const SOURCE_PASSWORD: &str = "postgres";

/// orders.json's config on the local source, then `own` (database, slot, publication, topic
/// prefix, tables… as the test needs). Signalling and notifications are left out: the signal
/// table is in the stack's database, and the Kafka signal topic, its consumer group and the
/// notification topic belong to the stack connector (a copy would share them).
pub fn config(own: &[(&str, &str)]) -> Value {
    let path = super::repo_root().join("compose/connectors/orders.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut config = spec["config"].clone();
    let map = config.as_object_mut().expect("orders.json has a config object");
    map.retain(|k, _| !k.starts_with("signal.") && !k.starts_with("notification."));
    let local = [
        ("database.hostname", "127.0.0.1"),
        ("database.port", "55432"),
        ("database.password", SOURCE_PASSWORD),
    ];
    for (k, v) in local.iter().chain(own) {
        map.insert((*k).to_string(), json!(v));
    }
    config
}

/// The local stack's Connect worker.
pub const CONNECT: &str = "http://127.0.0.1:8083";

/// Removes a test's connector and what it leaves in the source, best effort at every step (a
/// cleanup failure must not hide the test's own failure): deletes it, waits until the worker
/// answers 404 for it, then waits for its task to let go of the slot and drops the slot (ending
/// the walsender that still holds it). Its topics and database are the caller's.
pub async fn remove(name: &str, slot: &str) {
    let Ok(http) = reqwest::Client::builder().timeout(Duration::from_secs(10)).build() else {
        return;
    };
    let _ = http.delete(format!("{CONNECT}/connectors/{name}")).send().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match http.get(format!("{CONNECT}/connectors/{name}/status")).send().await {
            Ok(r) if r.status() == 404 => break,
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    let pg = super::source_client().await;
    let active = "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active";
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && pg.query_opt(active, &[&slot]).await.is_ok_and(|r| r.is_some())
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for sql in [
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL",
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1",
    ] {
        if let Err(e) = pg.execute(sql, &[&slot]).await {
            eprintln!("cleanup of slot {slot}: {e}");
        }
    }
}

/// Deletes the topics a test's connector wrote: those under its topic prefix and its heartbeat
/// topic.
pub async fn delete_topics(prefix: &str) {
    use rdkafka::admin::{AdminClient, AdminOptions};
    use rdkafka::client::DefaultClientContext;
    let Ok(admin) = super::kafka::plain_config().create::<AdminClient<DefaultClientContext>>()
    else {
        return;
    };
    let Ok(meta) = admin.inner().fetch_metadata(None, Duration::from_secs(5)) else { return };
    let ours: Vec<String> = meta
        .topics()
        .iter()
        .map(|t| t.name().to_string())
        .filter(|t| {
            t.starts_with(&format!("{prefix}.")) || *t == format!("__debezium-heartbeat.{prefix}")
        })
        .collect();
    if ours.is_empty() {
        return;
    }
    let names: Vec<&str> = ours.iter().map(String::as_str).collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(5)));
    if let Err(e) = admin.delete_topics(&names, &opts).await {
        eprintln!("cleanup: delete topics {names:?}: {e}");
    }
}

/// Runs a cleanup on a runtime of its own, on a thread of its own: a `Drop` may run inside a
/// test's runtime, where blocking on another future panics.
pub fn on_own_runtime<T: Send + 'static>(fut: impl Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(fut)
    })
    .join()
    .unwrap_or_else(|_| panic!("cleanup thread panicked"))
}

//! Notifications over real HTTP to a receiver on loopback (tests/common/webhook.rs): one
//! message per alert while it fires, reminders, filters, the rate limit, retries, isolation of
//! a dead or slow receiver, and the URL kept secret.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use cdc_console::alerts::{Alert, AlertState, Severity, Transition};
use cdc_console::config::{AlertsConfig, ReceiverConfig, secret::Secret};
use cdc_console::notify::{Notifier, Tuning};
use cdc_console::pipeline::retry::Policy;
use common::webhook::{Hook, Reply, closed_port};
use serde_json::Value;
use tokio::time::Instant;

const SECRET: &str = "T000/B000/SECRET-PATH-xyz";

fn receiver(name: &str, kind: &str, url: String) -> ReceiverConfig {
    ReceiverConfig {
        name: name.into(),
        kind: kind.into(),
        url: Some(Secret::new(url)),
        url_env: None,
        url_file: None,
        send_resolved: None,
        repeat: None,
        max_per_minute: None,
        min_severity: None,
    }
}

fn alerts(receivers: Vec<ReceiverConfig>) -> AlertsConfig {
    AlertsConfig { receivers, ..AlertsConfig::default() }
}

/// Short waits so the suite is quick; the behaviour is the default's.
fn tuning() -> Tuning {
    Tuning {
        window: Duration::from_secs(2),
        backoff: Policy {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(1),
            jitter: 0.0,
        },
        ..Tuning::default()
    }
}

fn alert(group: &str, severity: Severity, value: &str) -> Alert {
    let since = SystemTime::now() - Duration::from_secs(90);
    Alert {
        rule: "lag_high".into(),
        severity,
        state: AlertState::Firing,
        labels: BTreeMap::from([("group".into(), group.into())]),
        value: value.into(),
        summary: format!("group {group} is {value} behind"),
        active_since: since,
        fired_at: Some(since),
        resolved_at: None,
    }
}

fn firing(group: &str, severity: Severity, value: &str) -> Transition {
    Transition::Firing(alert(group, severity, value))
}

fn resolved(group: &str, severity: Severity) -> Transition {
    let mut a = alert(group, severity, "0s");
    a.state = AlertState::Resolved;
    a.resolved_at = Some(SystemTime::now());
    Transition::Resolved(a)
}

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn an_alert_offered_firing_twice_then_resolved_sends_one_firing_and_one_resolved() {
    let slack = Hook::start(vec![]).await;
    let generic = Hook::start(vec![]).await;
    let n = Notifier::spawn_with(
        &alerts(vec![
            receiver("chat", "slack", slack.url(SECRET)),
            receiver("hook", "webhook", generic.url(SECRET)),
        ]),
        tuning(),
    );
    n.offer(&[firing("orders", Severity::Critical, "42s")]);
    n.offer(&[firing("orders", Severity::Critical, "50s")]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    n.offer(&[resolved("orders", Severity::Critical)]);

    let s = slack.wait_accepted(2, WAIT).await;
    let g = generic.wait_accepted(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((slack.accepted().len(), generic.accepted().len()), (2, 2), "{s:#?}");

    let header = |v: &Value| v["attachments"][0]["blocks"][0]["text"]["text"].clone();
    assert_eq!(header(&s[0]), "FIRING: lag_high");
    assert_eq!(s[0]["attachments"][0]["color"], "#d00000");
    assert_eq!(s[0]["text"], "FIRING: lag_high: group orders is 42s behind");
    let fields = s[0]["attachments"][0]["blocks"][2]["fields"].to_string();
    assert!(fields.contains("*group*\\norders") && fields.contains("*value*\\n42s"), "{fields}");
    assert_eq!(header(&s[1]), "RESOLVED: lag_high");
    assert_eq!(s[1]["attachments"][0]["color"], "#2eb886");

    assert_eq!(
        (g[0]["status"].as_str(), g[1]["status"].as_str()),
        (Some("firing"), Some("resolved"))
    );
    assert_eq!((g[0]["version"].as_str(), g[0]["receiver"].as_str()), (Some("1"), Some("hook")));
    assert_eq!(g[0]["alert"]["labels"]["group"], "orders");
    assert_eq!(g[0]["alert"]["value"], "42s");
    assert!(g[0]["sent_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    let st = n.status();
    assert_eq!((st[0].sent, st[1].sent, st[0].failed, st[0].queued), (2, 2, 0, 0));
}

#[tokio::test]
async fn a_reminder_goes_every_repeat_while_the_alert_fires_and_stops_when_it_resolves() {
    let hook = Hook::start(vec![]).await;
    let mut r = receiver("hook", "webhook", hook.url("h"));
    r.repeat = Some("1s".into());
    let n = Notifier::spawn_with(&alerts(vec![r]), tuning());
    let t0 = Instant::now();
    n.offer(&[firing("orders", Severity::Warning, "42s")]);
    n.offer(&[firing("orders", Severity::Warning, "61s")]);
    let got = hook.wait_accepted(3, WAIT).await;
    assert_eq!(got.len(), 3, "{got:#?}");
    let at: Vec<Duration> = hook.requests().iter().map(|r| r.at - t0).collect();
    assert!(at[1] >= Duration::from_millis(950) && at[2] >= Duration::from_millis(1950), "{at:?}");
    assert_eq!(got[0]["reminder"], false);
    assert_eq!(
        (got[1]["reminder"].as_bool(), got[1]["alert"]["value"].as_str()),
        (Some(true), Some("61s"))
    );
    n.offer(&[resolved("orders", Severity::Warning)]);
    let got = hook.wait_accepted(4, WAIT).await;
    assert_eq!(got[3]["status"], "resolved");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(hook.accepted().len(), 4, "no reminder after it resolved");
}

#[tokio::test]
async fn min_severity_and_send_resolved_false_filter_what_is_sent() {
    let hook = Hook::start(vec![]).await;
    let mut r = receiver("pager", "webhook", hook.url("h"));
    r.min_severity = Some("critical".into());
    r.send_resolved = Some(false);
    let n = Notifier::spawn_with(&alerts(vec![r]), tuning());
    n.offer(&[firing("a", Severity::Warning, "1"), firing("b", Severity::Critical, "2")]);
    n.offer(&[resolved("a", Severity::Warning), resolved("b", Severity::Critical)]);
    let got = hook.wait_accepted(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hook.accepted().len(), 1, "{got:#?}");
    assert_eq!(
        (got[0]["status"].as_str(), got[0]["alert"]["labels"]["group"].as_str()),
        (Some("firing"), Some("b"))
    );
}

#[tokio::test]
async fn over_the_rate_limit_a_message_waits_for_the_window_and_is_not_dropped() {
    let hook = Hook::start(vec![]).await;
    let mut r = receiver("hook", "webhook", hook.url("h"));
    r.max_per_minute = Some(2);
    let n = Notifier::spawn_with(&alerts(vec![r]), tuning());
    let t0 = Instant::now();
    n.offer(&[
        firing("a", Severity::Info, "1"),
        firing("b", Severity::Info, "1"),
        firing("c", Severity::Info, "1"),
    ]);
    assert_eq!(hook.wait_accepted(2, WAIT).await.len(), 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.accepted().len(), 2, "the third waits");
    assert_eq!(n.status()[0].queued, 1);
    let got = hook.wait_accepted(3, WAIT).await;
    assert_eq!(got[2]["alert"]["labels"]["group"], "c");
    let at: Vec<Duration> = hook.requests().iter().map(|r| r.at - t0).collect();
    assert!(at[1] < Duration::from_millis(500) && at[2] >= Duration::from_millis(1950), "{at:?}");
    assert_eq!((n.status()[0].sent, n.status()[0].dropped), (3, 0));
}

#[tokio::test]
async fn a_5xx_is_retried_with_backoff_until_delivered_once() {
    let hook = Hook::start(vec![Reply::Status(500), Reply::Status(503)]).await;
    let n =
        Notifier::spawn_with(&alerts(vec![receiver("hook", "webhook", hook.url("h"))]), tuning());
    n.offer(&[firing("a", Severity::Critical, "1")]);
    assert_eq!(hook.wait_accepted(1, WAIT).await.len(), 1);
    let reqs = hook.requests();
    assert_eq!(reqs.iter().map(|r| r.status).collect::<Vec<_>>(), [500, 503, 200]);
    assert!(reqs[1].at - reqs[0].at >= Duration::from_millis(45), "backoff");
    assert!(reqs[2].at - reqs[1].at >= Duration::from_millis(95), "doubling");
    let st = &n.status()[0];
    assert_eq!((st.sent, st.failed), (1, 0));
    assert!(st.last_error.as_deref().is_some_and(|e| e.contains("503")), "{st:?}");
    assert!(st.last_success.is_some());
}

#[tokio::test]
async fn a_429_waits_its_retry_after() {
    let hook = Hook::start(vec![Reply::RetryAfter(1)]).await;
    let n =
        Notifier::spawn_with(&alerts(vec![receiver("hook", "webhook", hook.url("h"))]), tuning());
    n.offer(&[firing("a", Severity::Critical, "1")]);
    assert_eq!(hook.wait_accepted(1, WAIT).await.len(), 1);
    let reqs = hook.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].at - reqs[0].at >= Duration::from_millis(990), "Retry-After: 1");
}

#[tokio::test]
async fn a_400_is_not_retried_and_is_shown_with_its_status() {
    let hook = Hook::start(vec![Reply::Status(400)]).await;
    let n =
        Notifier::spawn_with(&alerts(vec![receiver("hook", "slack", hook.url(SECRET))]), tuning());
    n.offer(&[firing("a", Severity::Critical, "1")]);
    let end = Instant::now() + WAIT;
    while n.status()[0].failed == 0 && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.requests().len(), 1, "not retried");
    let st = &n.status()[0];
    assert_eq!((st.sent, st.failed), (0, 1));
    let e = st.last_error.clone().unwrap_or_default();
    assert!(e.contains("400") && !e.contains("SECRET"), "{e}");
}

#[tokio::test]
async fn a_dead_and_a_slow_receiver_delay_neither_the_offer_nor_a_healthy_receiver() {
    let down = closed_port().await;
    let slow = Hook::start_then(vec![], Reply::Delay(Duration::from_secs(30))).await;
    let healthy = Hook::start(vec![]).await;
    let n = Notifier::spawn(&alerts(vec![
        receiver("down", "webhook", format!("http://{down}/{SECRET}")),
        receiver("slow", "slack", slow.url(SECRET)),
        receiver("healthy", "webhook", healthy.url(SECRET)),
    ]));
    // Three batches of 1,000 (the queues are full after the first): the fastest counts, so a
    // busy machine's preemption does not fail the test, while a blocking offer still would.
    let batches: Vec<Vec<[Transition; 1]>> = (0..3)
        .map(|b| {
            (0..1000)
                .map(|i| if b == 0 && i == 0 { "first".to_string() } else { format!("g{b}-{i}") })
                .map(|g| [firing(&g, Severity::Critical, "1")])
                .collect()
        })
        .collect();
    let started = Instant::now();
    let mut took = Vec::new();
    for batch in &batches {
        let t = Instant::now();
        for o in batch {
            n.offer(o);
        }
        took.push(t.elapsed());
    }
    let fastest = took.iter().min().copied().unwrap_or_default();
    eprintln!("1,000 offers to 3 receivers: {took:?}");
    assert!(fastest < Duration::from_millis(5), "1,000 offers took {took:?}");
    let got = healthy.wait_accepted(1, Duration::from_secs(1)).await;
    assert_eq!(got.first().map(|v| v["alert"]["labels"]["group"].clone()), Some("first".into()));
    assert!(started.elapsed() < Duration::from_secs(1), "prompt: {:?}", started.elapsed());

    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = n.status();
    let down_status = &status[0];
    assert!(down_status.dropped > 0 && status[1].dropped > 0, "{status:#?}");
    assert_eq!(
        down_status.dropped as usize + down_status.queued,
        3000,
        "counted, never lost silently: {down_status:?}"
    );
    let error = down_status.last_error.clone().unwrap_or_default();
    assert!(error.contains("connect") || error.contains("refused"), "{error}");
    let shown = format!("{n:?} {status:?} {}", serde_json::to_string(&status).unwrap());
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains(&format!("http://{down}/****")), "{shown}");
}

#[tokio::test]
async fn a_request_that_times_out_is_retried_and_its_error_shows_no_url() {
    let hook = Hook::start(vec![Reply::Delay(Duration::from_secs(3))]).await;
    let t = Tuning { timeout: Duration::from_millis(300), ..tuning() };
    let n = Notifier::spawn_with(&alerts(vec![receiver("hook", "webhook", hook.url(SECRET))]), t);
    n.offer(&[firing("a", Severity::Critical, "1")]);
    let got = hook.wait_accepted(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(hook.requests().len(), 2, "the timed-out attempt, then the one accepted");
    let st = &n.status()[0];
    let e = st.last_error.clone().unwrap_or_default();
    assert!(e.contains("timed out") && !e.contains("SECRET"), "{e}");
    assert_eq!((st.sent, st.failed), (1, 0));
}

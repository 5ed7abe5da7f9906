//! The console in a real terminal with two receivers that never deliver: one that is slow (it
//! holds each request for a minute) and one that is down (nothing listens). Neither holds up the
//! screen or the polls: in `:alerts`, a group's lag alert keeps its age counting every second
//! (frames) and its value rising with each poll (a producer keeps writing past the group's
//! commit), while the receivers box shows the slow one's queue and the dead one's error.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::kafka::{ScratchTopic, TIMEOUT, commit, plain_config};
use common::webhook::{Hook, Reply, closed_port};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// Writes 10 records every 200 ms to `topic` until dropped.
struct Writer(Arc<AtomicBool>, Option<std::thread::JoinHandle<()>>);

impl Writer {
    fn start(topic: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, topic) = (Arc::clone(&stop), topic.to_string());
        let handle = std::thread::spawn(move || {
            let producer: BaseProducer = plain_config().create().expect("producer");
            while !flag.load(Ordering::Relaxed) {
                for _ in 0..10 {
                    let _ =
                        producer.send(BaseRecord::to(&topic).partition(0).key("k").payload("v"));
                }
                producer.poll(Duration::from_millis(200));
            }
            let _ = producer.flush(TIMEOUT);
        });
        Self(stop, Some(handle))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
        if let Some(h) = self.1.take() {
            let _ = h.join();
        }
    }
}

/// The lag alert's row: (value, age in seconds) from `STATE SEVERITY RULE VALUE for AGE …`.
fn row(screen: &str, rule: &str) -> Option<(u64, u64)> {
    let line = screen.lines().find(|l| l.contains(rule) && l.contains("firing"))?;
    let words: Vec<&str> = line.trim_start_matches('│').split_whitespace().collect();
    let at = words.iter().position(|w| *w == rule)?;
    let value = words.get(at + 1)?.parse().ok()?;
    let age = words.get(at + 3)?;
    let secs = match age.split_once('m') {
        Some((m, s)) => {
            m.parse::<u64>().ok()? * 60 + s.trim_end_matches('s').parse::<u64>().ok()?
        }
        None => age.trim_end_matches('s').parse().ok()?,
    };
    Some((value, secs))
}

#[test]
fn a_slow_and_a_dead_receiver_hold_up_neither_the_screen_nor_the_polls() {
    common::require_stack();
    let id = std::process::id();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let slow = rt.block_on(Hook::start_then(vec![], Reply::Delay(Duration::from_secs(60))));
    let dead = rt.block_on(closed_port());
    let (topic, group) = (format!("t22tui-lag-{id}"), format!("t22tui-group-{id}"));
    let mut scratch = ScratchTopic::create(&topic, 1);
    scratch.owns_group(&group);
    // Offset 0: the group exists and lags by all that is written.
    commit(&topic, &group, &[0]);
    let writer = Writer::start(&topic);

    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let text = format!(
        r#"[timeouts]
refresh_ms = 1000

[alerts]
defaults = false

[[alerts.rules]]
name = "t22tui_lag"
when = "group_lag > 0"
match = {{ group = "{group}" }}

[[alerts.receivers]]
name = "slow"
kind = "webhook"
url = "{slow}"
repeat = "1s"

[[alerts.receivers]]
name = "dead"
kind = "webhook"
url = "http://{dead}/hook"
repeat = "1s"
"#,
        slow = slow.url("hook")
    );
    std::fs::write(&config, text).expect("write config");
    let env = format!("CDC_CONSOLE_CONFIG={}", config.display());
    let tui = common::tmux::Session::console(&format!("t22tui-{id}"), dir.path(), &env, 200, 40);
    tui.wait("the console", 30, |s| s.contains("overview"));
    tui.type_text(":alerts");
    tui.keys(&["Enter"]);
    let first = tui.wait("the lag alert firing", 60, |s| row(s, "t22tui_lag").is_some());
    // The groups collector's first readings take longer (lag in seconds read from records);
    // the cadence is measured once it has moved the value twice.
    let mut seen = row(&first, "t22tui_lag").map(|r| r.0);
    for _ in 0..2 {
        let now = tui.wait("the lag value moving", 30, |s| {
            row(s, "t22tui_lag").is_some_and(|r| Some(r.0) != seen)
        });
        seen = row(&now, "t22tui_lag").map(|r| r.0);
    }

    // Ten seconds of screens: the age must tick every second, the value must rise poll after
    // poll, while both receivers fail to take a single message.
    let (start, mut ages, mut values) = (Instant::now(), Vec::new(), Vec::new());
    // Long enough for several readings around the collector's occasional slow one.
    let mut last_change = Instant::now();
    let mut longest = Duration::ZERO;
    while start.elapsed() < Duration::from_secs(10) {
        let screen = tui.screen();
        if let Some((value, age)) = row(&screen, "t22tui_lag") {
            if values.last() != Some(&value) {
                longest = longest.max(last_change.elapsed());
                last_change = Instant::now();
                values.push(value);
                eprintln!("[{:5.1}s] value {value}", start.elapsed().as_secs_f64());
            }
            if ages.last() != Some(&age) {
                ages.push(age);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    longest = longest.max(last_change.elapsed());
    let screen = tui.screen();
    assert!(ages.len() >= 9, "the age ticks every second: {ages:?}\n{screen}");
    assert!(values.len() >= 5, "the lag rises with each poll: {values:?}\n{screen}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    // The groups collector's readings come 1 s apart, with a gap of up to ~5 s now and then
    // whether receivers are configured or not (measured on this stack); a loop held by a
    // receiver would stop for the receiver's minute.
    assert!(longest < Duration::from_secs(8), "a poll took {longest:?}: {values:?}\n{screen}");
    assert!(screen.contains("Receivers · 2"), "{screen}");
    let dead_line = screen.lines().find(|l| l.contains("dead (webhook")).unwrap_or_default();
    assert!(dead_line.contains("✗") && dead_line.contains("error"), "{screen}");
    assert!(slow.requests().iter().any(|r| r.status == 0), "the slow one holds a request");
    drop(tui);
    drop(writer);
}

//! `cdc-console alerts` against the real cluster: a consumer group of the test's own, on its
//! own topic, lags by 45 records (50 produced, 5 committed with a client that shares no code
//! with the console). A config rule `group_lag > 10` matching that group reports it firing with
//! its value and labels, and the command exits 1; once the group commits to the end, exit 0
//! and nothing fires.

mod common;

use std::time::Duration;

use common::kafka::{ScratchTopic, commit};
use serde_json::Value;

const PRODUCED: i64 = 50;

/// `alerts -o json` on the config at `path`: the exit code and the report.
fn alerts(path: &str) -> (i32, Value) {
    let out = common::console(&["--config", path, "alerts", "-o", "json", "--sample", "6s"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("{e}: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().expect("exit code"), report)
}

fn ours<'a>(report: &'a Value, group: &str) -> Vec<&'a Value> {
    let alerts = report["alerts"].as_array().expect("alerts");
    alerts.iter().filter(|a| a["labels"]["group"] == group).collect()
}

#[test]
fn a_lagging_group_fires_its_rule_and_stops_once_it_commits_to_the_end() {
    common::require_stack();
    let id = std::process::id();
    let (topic, group) = (format!("t22eng-lag-{id}"), format!("t22eng-group-{id}"));
    let mut scratch = ScratchTopic::create(&topic, 1);
    scratch.owns_group(&group);
    scratch.produce(&[(0, PRODUCED)]);
    commit(&topic, &group, &[5]);

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    let rule = format!(
        "[alerts]\ndefaults = false\n\n[[alerts.rules]]\nname = \"t22eng_lag\"\n\
         when = \"group_lag > 10\"\nseverity = \"critical\"\nsummary = \"{{group}} is {{value}} behind\"\n\
         match = {{ group = \"t22eng-group-{id}\" }}\nlabels = {{ team = \"t22eng\" }}\n"
    );
    std::fs::write(&path, rule).expect("write config");
    let path = path.to_str().expect("utf-8 path");

    let (code, report) = alerts(path);
    let mine = ours(&report, &group);
    assert_eq!(mine.len(), 1, "{report:#}");
    let a = mine[0];
    assert_eq!((a["rule"].as_str(), a["state"].as_str()), (Some("t22eng_lag"), Some("firing")));
    assert_eq!((a["value"].as_str(), a["severity"].as_str()), (Some("45"), Some("critical")));
    assert_eq!(a["labels"]["team"], "t22eng");
    assert_eq!(a["summary"], format!("{group} is 45 behind"));
    assert_eq!(report["alerts"].as_array().map(Vec::len), Some(1), "only the rule's group");
    assert_eq!(code, 1, "a firing alert exits 1: {report:#}");

    commit(&topic, &group, &[PRODUCED]);
    std::thread::sleep(Duration::from_millis(200));
    let (code, report) = alerts(path);
    assert!(ours(&report, &group).is_empty(), "{report:#}");
    assert_eq!(code, 0, "{report:#}");
}

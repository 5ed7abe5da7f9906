//! compose/prometheus and compose/grafana: promtool accepts the rules and the config, the
//! dashboard is well formed and names the provisioned datasource, and every metric the rules
//! and the panels query is one the console exports (as a populated store renders it).

use std::collections::BTreeSet;
use std::path::Path;

use crate::common;
use crate::populated;

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::repo_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The `cdc_*` metric names in `text` (a PromQL expression, a rules file).
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("cdc_") {
        let start = i + at;
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut end = start;
        while end < bytes.len() && ident(bytes[end]) {
            end += 1;
        }
        if start == 0 || !ident(bytes[start - 1]) {
            out.insert(text[start..end].to_string());
        }
        i = end;
    }
    out
}

/// The sample names of the exposition of a store where every family has samples.
fn exported() -> BTreeSet<String> {
    let text = cdc_console::metrics::render(&populated());
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect()
}

#[test]
fn promtool_accepts_the_alerting_rules() {
    let rules = common::repo_root().join("compose/prometheus/alerts.yml");
    let (ok, out) =
        common::prom::run_promtool(&["check", "rules", &rules.display().to_string()], "");
    assert!(ok && out.contains("SUCCESS"), "promtool check rules: {out}");
}

#[test]
fn promtool_accepts_the_prometheus_config_with_its_rules() {
    // The config names the rules where the prometheus service mounts them; check a copy that
    // names the repository's file instead.
    let dir = tempfile::tempdir().unwrap();
    let rules = common::repo_root().join("compose/prometheus/alerts.yml");
    let config = read("compose/prometheus/prometheus.yml");
    assert!(config.contains("/etc/prometheus/alerts.yml"), "{config}");
    let config = config.replace("/etc/prometheus/alerts.yml", &rules.display().to_string());
    let path = dir.path().join("prometheus.yml");
    std::fs::write(&path, config).unwrap();
    let (ok, out) =
        common::prom::run_promtool(&["check", "config", &path.display().to_string()], "");
    assert!(ok && out.contains("1 rule files found"), "promtool check config: {out}");
}

#[test]
fn every_metric_the_rules_and_the_dashboard_query_is_exported() {
    let exported = exported();
    let rules = metric_names(&read("compose/prometheus/alerts.yml"));
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("compose/grafana/dashboards/cdc-console.json")).unwrap();
    let exprs: Vec<String> = targets(&dashboard).map(|t| t["expr"].to_string()).collect();
    let panels = metric_names(&exprs.join("\n"));
    assert!(rules.len() >= 10 && panels.len() >= 20, "rules {rules:?}\npanels {panels:?}");
    for (what, names) in [("alerts.yml", &rules), ("the dashboard", &panels)] {
        let unknown: Vec<&String> = names.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{what} queries metrics the console does not export: {unknown:?}"
        );
    }
}

fn panels(dashboard: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    dashboard["panels"].as_array().expect("panels").iter()
}

fn targets(dashboard: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    panels(dashboard).flat_map(|p| p["targets"].as_array().into_iter().flatten())
}

/// The uid of the datasource Grafana is provisioned with.
fn provisioned_uid() -> String {
    let file = read("compose/grafana/provisioning/datasources/prometheus.yml");
    let uids: Vec<&str> =
        file.lines().filter_map(|l| l.trim().strip_prefix("uid:")).map(str::trim).collect();
    assert_eq!(uids.len(), 1, "one provisioned datasource: {file}");
    uids[0].trim_matches('"').to_string()
}

#[test]
fn the_dashboard_is_well_formed_and_names_the_provisioned_datasource() {
    let uid = provisioned_uid();
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("compose/grafana/dashboards/cdc-console.json")).unwrap();
    assert!(dashboard["uid"].is_string() && dashboard["title"].is_string());
    let mut ids = BTreeSet::new();
    for p in panels(&dashboard) {
        let title = p["title"].as_str().unwrap_or_default();
        assert!(ids.insert(p["id"].as_u64().expect("numeric id")), "duplicate id: {title}");
        for k in ["h", "w", "x", "y"] {
            assert!(p["gridPos"][k].is_u64(), "{title}: gridPos.{k}");
        }
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"]["uid"], uid.as_str(), "{title}: datasource");
        let targets = p["targets"].as_array().filter(|t| !t.is_empty());
        for t in targets.unwrap_or_else(|| panic!("{title}: no targets")) {
            assert_eq!(t["datasource"]["uid"], uid.as_str(), "{title}: target datasource");
            assert!(t["expr"].as_str().is_some_and(|e| !e.is_empty()), "{title}: expr");
            assert!(t["refId"].is_string(), "{title}: refId");
        }
    }
    assert!(ids.len() >= 20, "{} panels", ids.len());
}

#[test]
fn compose_mounts_the_provisioning_the_dashboard_and_the_rules() {
    let compose = read("compose/docker-compose.yml");
    for mount in [
        "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
        "./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro",
        "./grafana/provisioning:/etc/grafana/provisioning:ro",
        "./grafana/dashboards:/var/lib/grafana/dashboards:ro",
    ] {
        assert!(compose.contains(mount), "docker-compose.yml mounts {mount}");
    }
    let provider = read("compose/grafana/provisioning/dashboards/cdc-console.yml");
    assert!(provider.contains("path: /var/lib/grafana/dashboards"), "{provider}");
    let scrape = read("compose/prometheus/prometheus.yml");
    assert!(scrape.contains("console:9464") && compose.contains("0.0.0.0:9464"), "{scrape}");
    assert!(Path::new(&common::repo_root().join("compose/docker/console.Dockerfile")).exists());
}

//! The exposition of a fully populated store is valid Prometheus text: `promtool check metrics`
//! accepts it without a lint, and Python's standard parser finds exactly the families the
//! console registers, each with its type and samples.

use crate::common;
use crate::fixtures::empty;
use crate::populated;

#[test]
fn promtool_accepts_the_exposition_without_a_lint() {
    let text = cdc_console::metrics::render(&populated());
    let (ok, out) = common::prom::run_promtool(&["check", "metrics"], &text);
    assert!(ok && out.trim().is_empty(), "promtool check metrics: {out}\n---\n{text}");
}

#[test]
fn the_standard_parser_finds_every_registered_family_typed_and_with_samples() {
    let text = cdc_console::metrics::render(&populated());
    let parsed = common::prom::python(common::prom::PARSE_FAMILIES, &text);
    let parsed: Vec<(String, String, usize)> = parsed
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
        })
        .collect();
    let registered = cdc_console::metrics::families();
    assert!(registered.len() >= 30, "{registered:?}");
    let names: Vec<(String, String)> =
        parsed.iter().map(|(n, t, _)| (n.clone(), t.clone())).collect();
    let expected: Vec<(String, String)> =
        registered.iter().map(|(n, t)| (n.clone(), (*t).to_string())).collect();
    assert_eq!(names, expected, "families as parsed vs registered\n{text}");
    let empty: Vec<&String> = parsed.iter().filter(|(_, _, n)| *n == 0).map(|f| &f.0).collect();
    assert!(empty.is_empty(), "families without samples in the populated store: {empty:?}");
}

#[test]
fn an_unpolled_store_is_valid_too() {
    let text = cdc_console::metrics::render(&empty());
    let (ok, out) = common::prom::run_promtool(&["check", "metrics"], &text);
    assert!(ok && out.trim().is_empty(), "promtool check metrics: {out}\n---\n{text}");
}

#[test]
fn the_readme_documents_every_family_with_its_type() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    for (name, kind) in cdc_console::metrics::families() {
        let row = format!("| `{name}` | {kind} |");
        assert!(readme.contains(&row), "README's metrics table lacks {row}");
    }
}

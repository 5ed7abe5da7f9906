//! `[[alerts.receivers]]`: every mistake located at its file, line and key, and never showing
//! the URL (a secret).

use std::path::Path;

use crate::config::parse;

const OK: &str = "[[alerts.receivers]]\nname = \"ops\"\nkind = \"slack\"\n\
                  url = \"https://hooks.slack.com/services/T0/B0/SECRETPATH\"\n";

fn err(text: &str) -> String {
    let e = parse(text, Path::new("c.toml")).unwrap_err().to_string();
    assert!(!e.contains("SECRETPATH"), "the URL shows: {e}");
    e
}

#[test]
fn a_complete_receiver_reads_with_its_defaults_unset() {
    let c = parse(OK, Path::new("c.toml")).unwrap();
    let r = &c.alerts.receivers[0];
    assert_eq!((r.name.as_str(), r.kind.as_str()), ("ops", "slack"));
    assert!(r.url.as_ref().is_some_and(|u| u.expose().ends_with("SECRETPATH")));
    assert!(!format!("{r:?}").contains("SECRETPATH"));
    let full = format!(
        "{OK}send_resolved = false\nrepeat = \"30m\"\nmax_per_minute = 5\nmin_severity = \"critical\"\n"
    );
    let c = parse(&full, Path::new("c.toml")).unwrap();
    let r = &c.alerts.receivers[0];
    assert_eq!((r.repeat.as_deref(), r.max_per_minute), (Some("30m"), Some(5)));
}

#[test]
fn a_bad_kind_severity_repeat_or_rate_is_located_on_its_key() {
    let e = err(&OK.replace("\"slack\"", "\"teams\""));
    assert!(e.starts_with("c.toml:3:8: key `alerts.receivers[0].kind`"), "{e}");
    assert!(e.contains("use `slack` or `webhook`"), "{e}");
    let e = err(&format!("{OK}min_severity = \"loud\"\n"));
    assert!(e.starts_with("c.toml:5:16: key `alerts.receivers[0].min_severity`"), "{e}");
    let e = err(&format!("{OK}repeat = \"often\"\n"));
    assert!(e.starts_with("c.toml:5:10: key `alerts.receivers[0].repeat`"), "{e}");
    let e = err(&format!("{OK}repeat = \"10ms\"\n"));
    assert!(e.contains("shorter than a second"), "{e}");
    let e = err(&format!("{OK}max_per_minute = 0\n"));
    assert!(e.starts_with("c.toml:5:18: key `alerts.receivers[0].max_per_minute`"), "{e}");
}

#[test]
fn a_url_that_is_not_http_is_located_and_not_shown() {
    let e = err(&OK.replace("https://", "ftp://"));
    assert!(e.starts_with("c.toml:4:7: key `alerts.receivers[0].url`"), "{e}");
    assert!(e.contains("not an http:// or https:// URL"), "{e}");
    let e = err(&OK.replace("https://hooks.slack.com/services/T0/B0/", "not a url "));
    assert!(e.contains("key `alerts.receivers[0].url`"), "{e}");
}

#[test]
fn a_url_from_a_file_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("hook");
    std::fs::write(&f, "https://hooks.slack.com/services/SECRETPATH\n").unwrap();
    let text =
        format!("[[alerts.receivers]]\nname = \"a\"\nkind = \"webhook\"\nurl_file = {f:?}\n");
    let c = parse(&text, Path::new("c.toml")).unwrap();
    assert!(c.alerts.receivers[0].url_file.is_some());
    std::fs::write(&f, "SECRETPATH\n").unwrap();
    let e = err(&text);
    assert!(e.starts_with("c.toml:4:12: key `alerts.receivers[0].url_file`"), "{e}");
    let e = err(&text.replace("url_file = ", "url_env = \"CDC_CONSOLE_NO_SUCH_HOOK\"\n#"));
    assert!(e.contains("key `alerts.receivers[0].url_env`"), "{e}");
    assert!(e.contains("CDC_CONSOLE_NO_SUCH_HOOK is not set"), "{e}");
}

#[test]
fn exactly_one_url_key_is_required() {
    let none = "[[alerts.receivers]]\nname = \"ops\"\nkind = \"slack\"\n";
    let e = err(none);
    assert!(e.starts_with("c.toml:") && e.contains("key `alerts.receivers[0]`"), "{e}");
    assert!(e.contains("receiver `ops` needs one of url, url_env or url_file"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("hook");
    std::fs::write(&f, "https://h/SECRETPATH").unwrap();
    let e = err(&format!("{OK}url_file = {f:?}\n"));
    assert!(e.starts_with("c.toml:") && e.contains("key `alerts.receivers[0]`"), "{e}");
    assert!(e.contains("sets more than one of url, url_env and url_file"), "{e}");
}

#[test]
fn two_receivers_of_one_name_are_refused() {
    let e = err(&format!("{OK}\n{}", OK.replace("slack\"", "webhook\"")));
    assert!(e.starts_with("c.toml:") && e.contains("key `alerts.receivers`"), "{e}");
    assert!(e.contains("two receivers are named `ops`"), "{e}");
}

#[test]
fn the_readme_example_reads() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("### Alert notifications").unwrap()..];
    let start = section.find("```toml\n").unwrap() + 8;
    let block = &section[start..start + section[start..].find("```").unwrap()];
    // Its URL comes from a variable the test does not set: the same receiver, written in.
    let text = block.replace("url_env = \"OPS_SLACK_WEBHOOK\"", "url = \"https://h/x\"");
    let c = parse(&text, Path::new("README.md")).unwrap();
    let r = &c.alerts.receivers[0];
    assert_eq!((r.repeat.as_deref(), r.min_severity.as_deref()), (Some("4h"), Some("warning")));
}

//! Themes and keymaps as a user meets them: built-in themes, user files overriding them,
//! keymap files rebinding actions, and errors that say where the mistake is.

use std::path::Path;

use cdc_console::action::{Action, Key, Keymap, Scope};
use cdc_console::config::keymap;
use cdc_console::config::theme::{self, BUILT_IN, Theme};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

fn write(dir: &Path, rel: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn ev(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

// ---- themes ----

#[test]
fn every_built_in_theme_parses_and_defines_every_role() {
    let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
    for wanted in ["default", "light", "high-contrast"] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
    for (name, text) in BUILT_IN {
        // Every role is required by `Theme`, so parsing proves every role is set; check the
        // file's keys against the roles as well, so no role is set only by accident.
        theme::load(Some(name), None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let table: toml::Table = text.parse().unwrap();
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        let mut roles = Theme::roles().to_vec();
        keys.sort_unstable();
        roles.sort_unstable();
        assert_eq!(keys, roles, "theme {name}");
    }
}

#[test]
fn the_themes_differ() {
    let d = theme::load(None, None).unwrap();
    let l = theme::load(Some("light"), None).unwrap();
    let h = theme::load(Some("high-contrast"), None).unwrap();
    assert_ne!(d, l);
    assert_ne!(d, h);
    assert_ne!(l, h);
    // high contrast: the states are all told apart
    let states = [h.ok, h.warn, h.error, h.stale, h.unknown];
    for (i, a) in states.iter().enumerate() {
        for b in &states[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn a_user_theme_overrides_the_built_in_of_that_name() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../themes/default.toml").replace("ok = \"green\"", "ok = \"#00ff00\"");
    write(dir.path(), "themes/default.toml", &text);
    let t = theme::load(Some("default"), Some(dir.path())).unwrap();
    assert_eq!(t.ok.0, Color::Rgb(0, 255, 0));
    // None means "default", which the user file overrides too
    assert_eq!(theme::load(None, Some(dir.path())).unwrap(), t);
    // the other built-ins are untouched
    assert_eq!(
        theme::load(Some("light"), Some(dir.path())).unwrap(),
        Theme::built_in("light").unwrap().unwrap()
    );
}

#[test]
fn a_user_theme_with_a_new_name_and_a_theme_path() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../themes/default.toml")
        .replace("error = \"lightred\"", "error = \"magenta\"");
    let p = write(dir.path(), "themes/mine.toml", &text);
    assert_eq!(theme::load(Some("mine"), Some(dir.path())).unwrap().error.0, Color::Magenta);
    assert_eq!(theme::load(Some(p.to_str().unwrap()), None).unwrap().error.0, Color::Magenta);
    let e = theme::load(Some("nope"), Some(dir.path())).unwrap_err().to_string();
    assert!(e.contains("`nope`") && e.contains("default, high-contrast, light, mine"), "{e}");
}

#[test]
fn a_bad_colour_names_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        include_str!("../themes/default.toml").replace("warn = \"yellow\"", "warn = \"yelow\"");
    let line = text.lines().position(|l| l.starts_with("warn =")).unwrap() + 1;
    let p = write(dir.path(), "themes/bad.toml", &text);
    let e = theme::load(Some("bad"), Some(dir.path())).unwrap_err().to_string();
    let want = format!("{}:{line}:", p.display());
    assert!(e.starts_with(&want) && e.contains("key `warn`") && e.contains("yelow"), "{e}");
}

#[test]
fn an_unknown_role_and_a_missing_role_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}okay = \"green\"\n", include_str!("../themes/default.toml"));
    let p = write(dir.path(), "t.toml", &text);
    let e = theme::load(Some(p.to_str().unwrap()), None).unwrap_err().to_string();
    assert!(e.contains("t.toml:") && e.contains("key `okay`"), "{e}");

    let text: String = include_str!("../themes/default.toml")
        .lines()
        .filter(|l| !l.starts_with("stale"))
        .flat_map(|l| [l, "\n"])
        .collect();
    let p = write(dir.path(), "t2.toml", &text);
    let e = theme::load(Some(p.to_str().unwrap()), None).unwrap_err().to_string();
    assert!(e.contains("t2.toml:") && e.contains("stale"), "{e}");
}

#[test]
fn a_missing_theme_path_is_a_read_error() {
    let e = theme::load(Some("/nonexistent/x.toml"), None).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/x.toml"), "{e}");
}

// ---- keymaps ----

#[test]
fn no_keymap_file_is_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(keymap::load(None, Some(dir.path())).unwrap(), Keymap::default());
    assert_eq!(keymap::load(None, None).unwrap(), Keymap::default());
}

#[test]
fn a_keymap_file_rebinds_an_action() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "keymap.toml",
        "[connectors]\nrestart_connector = \"x\"\n\n[global]\nquit = [\"Q\", \"ctrl-q\"]\n",
    );
    // found in the config directory without being named
    let km = keymap::load(None, Some(dir.path())).unwrap();
    assert_eq!(km.action(Scope::Connectors, &ev('x')), Some(Action::RestartConnector));
    assert_eq!(km.action(Scope::Connectors, &ev('r')), None, "the old key no longer restarts");
    assert_eq!(
        km.action(Scope::Connectors, &ev('R')),
        Some(Action::RestartAllTasks),
        "others keep theirs"
    );
    assert_eq!(km.action(Scope::Global, &ev('q')), None, "q no longer quits");
    assert_eq!(km.action(Scope::Global, &ev('Q')), Some(Action::Quit));
    let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(km.action(Scope::Generator, &ctrl_q), Some(Action::Quit));
    assert_eq!(km.keys_for(Scope::Global, Action::Quit), ["Q", "ctrl-q"]);
    assert!(km.conflicts().is_empty());
}

#[test]
fn a_conflicting_keymap_names_the_file_and_both_actions() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "keys.toml", "[connectors]\npause_connector = \"s\"\n");
    let e = keymap::load(Some(&p), None).unwrap_err().to_string();
    assert!(
        e.contains("keys.toml") && e.contains("pause_connector") && e.contains("stop_connector"),
        "{e}"
    );

    // a view key that hides a global one is a conflict too
    let p = write(dir.path(), "keys2.toml", "[generator]\nrate_up = \"q\"\n");
    let e = keymap::load(Some(&p), None).unwrap_err().to_string();
    assert!(e.contains("keys2.toml") && e.contains("quit") && e.contains("rate_up"), "{e}");
}

#[test]
fn an_unknown_action_names_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "keys.toml",
        "[connectors]\nrestart_connector = \"r\"\nrestrat = \"x\"\n",
    );
    let e = keymap::load(Some(&p), None).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:3:", p.display())), "{e}");
    assert!(e.contains("key `connectors.restrat`") && e.contains("unknown action"), "{e}");
}

#[test]
fn an_unknown_scope_and_a_bad_key_label_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "keys.toml", "[conectors]\nrestart_connector = \"r\"\n");
    let e = keymap::load(Some(&p), None).unwrap_err().to_string();
    assert!(e.contains("keys.toml:") && e.contains("key `conectors`"), "{e}");

    let p = write(dir.path(), "keys.toml", "[global]\nquit = [\"q\", \"ctrl-see\"]\n");
    let e = keymap::load(Some(&p), None).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:2:", p.display())), "{e}");
    assert!(e.contains("key `global.quit[1]`") && e.contains("ctrl-see"), "{e}");

    let p = write(dir.path(), "keys.toml", "[global]\nhelp = \"f13\"\n");
    let e = keymap::load(Some(&p), None).unwrap_err().to_string();
    assert!(e.contains("key `global.help`") && e.contains("f13"), "{e}");
}

#[test]
fn a_missing_explicit_keymap_is_a_read_error() {
    let e = keymap::load(Some(Path::new("/nonexistent/keys.toml")), None).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/keys.toml"), "{e}");
}

#[test]
fn every_default_label_round_trips() {
    for (_, key, _) in Keymap::default().bindings {
        assert_eq!(keymap::parse_key(&key.label()), Ok(key), "{}", key.label());
    }
    for n in 1..=12 {
        let k = Key::new(KeyCode::F(n), KeyModifiers::NONE);
        assert_eq!(keymap::parse_key(&k.label()), Ok(k));
    }
    for code in [KeyCode::Left, KeyCode::Right, KeyCode::BackTab, KeyCode::Char(' ')] {
        let k = Key::new(code, KeyModifiers::ALT);
        assert_eq!(keymap::parse_key(&k.label()), Ok(k));
    }
}

#[test]
fn every_action_can_be_rebound() {
    // the whole default keymap written out as a file gives the default keymap back
    let mut text = String::new();
    for scope in Scope::ALL {
        text += &format!("[{}]\n", serde_json::to_value(scope).unwrap().as_str().unwrap());
        let mut seen = Vec::new();
        for (s, _, a) in Keymap::default().bindings {
            if s == scope && !seen.contains(&a) {
                seen.push(a);
                let keys: Vec<String> =
                    Keymap::default().keys_for(scope, a).iter().map(|k| format!("{k:?}")).collect();
                text += &format!(
                    "{} = [{}]\n",
                    serde_json::to_value(a).unwrap().as_str().unwrap(),
                    keys.join(", ")
                );
            }
        }
    }
    assert_eq!(keymap::parse(&text, Path::new("all.toml")).unwrap(), Keymap::default(), "{text}");
    for name in keymap::action_names() {
        let km =
            keymap::parse(&format!("[global]\n{name} = \"f9\"\n"), Path::new("k.toml")).unwrap();
        assert_eq!(
            km.keys_for(Scope::Global, serde_json::from_value(serde_json::json!(name)).unwrap()),
            ["f9"]
        );
    }
}

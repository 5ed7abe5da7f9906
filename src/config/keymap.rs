//! The keymap file: rebinds actions per scope on top of the default keymap.
//!
//! ```toml
//! [global]
//! quit = ["q", "ctrl-c"]
//! [connectors]
//! restart_connector = "r"
//! ```
//!
//! An action listed in a scope replaces all its default keys in that scope (`[]` unbinds it);
//! actions not listed keep their defaults. Keys are the labels the help shows ([`Key::label`]):
//! single characters (case-sensitive, `R` is shift-r), `ctrl-x`, `alt-x`, `esc`, `enter`, `tab`,
//! `backtab`, `up`, `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`, `space`, `f1`…`f12`.
//! Unknown scopes, actions and keys are errors naming the file, line and key; so is a key bound
//! to two actions that apply at once.

use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use super::ConfigError;
use super::keymap_file::KeymapFile;
use crate::action::{Action, Key, Keymap, Scope};

/// The file name looked for in the config directory when no keymap is given.
pub const FILE_NAME: &str = "keymap.toml";

/// The keymap to use: `path` (from `--keymap` or `[ui] keymap`), else
/// `<config_dir>/keymap.toml` when it exists, else the defaults.
pub fn load(path: Option<&Path>, config_dir: Option<&Path>) -> Result<Keymap, ConfigError> {
    let file: Option<PathBuf> = match path {
        Some(p) => Some(p.to_path_buf()),
        None => config_dir.map(|d| d.join(FILE_NAME)).filter(|p| p.is_file()),
    };
    let Some(file) = file else { return Ok(Keymap::default()) };
    let text = std::fs::read_to_string(&file)
        .map_err(|source| ConfigError::Read { file: file.clone(), source })?;
    parse(&text, &file)
}

/// The default keymap with the bindings of `text` (the contents of `file`) applied.
pub fn parse(text: &str, file: &Path) -> Result<Keymap, ConfigError> {
    let parsed: KeymapFile = super::load::parse_as(text, file)?;
    let mut keymap = Keymap::default();
    for (scope, bindings) in parsed.scopes() {
        for (action, keys) in &bindings.0 {
            rebind(&mut keymap, scope, *action, keys);
        }
    }
    let conflicts = keymap.conflicts();
    if !conflicts.is_empty() {
        return Err(ConfigError::Invalid {
            file: file.to_path_buf(),
            message: format!("keys bound to two actions: {}", conflicts.join("; ")),
        });
    }
    Ok(keymap)
}

/// Replaces every key of `action` in `scope` by `keys`, where the first old one was (so the
/// help keeps its order), or at the end when the action had none there.
fn rebind(keymap: &mut Keymap, scope: Scope, action: Action, keys: &[Key]) {
    let is_it = |(s, _, a): &(Scope, Key, Action)| *s == scope && *a == action;
    let at = keymap.bindings.iter().position(is_it).unwrap_or(keymap.bindings.len());
    keymap.bindings.retain(|b| !is_it(b));
    let at = at.min(keymap.bindings.len());
    let mut new: Vec<(Scope, Key, Action)> = Vec::new();
    for k in keys {
        if !new.iter().any(|(_, nk, _)| nk == k) {
            new.push((scope, *k, action));
        }
    }
    keymap.bindings.splice(at..at, new);
}

/// Parses a key label, the inverse of [`Key::label`]: `q`, `R`, `ctrl-c`, `alt-x`, `esc`, `f5`…
pub fn parse_key(label: &str) -> Result<Key, String> {
    let bad = || {
        format!(
            "`{label}` is not a key (a single character, ctrl-x, alt-x, esc, enter, tab, backtab, up, down, \
             left, right, pgup, pgdn, home, end, space, f1…f12)"
        )
    };
    let mut modifiers = KeyModifiers::NONE;
    let mut rest = label;
    loop {
        let lower = rest.to_ascii_lowercase();
        let (m, len) = if lower.starts_with("ctrl-") {
            (KeyModifiers::CONTROL, 5)
        } else if lower.starts_with("alt-") {
            (KeyModifiers::ALT, 4)
        } else if lower.starts_with("shift-") {
            (KeyModifiers::SHIFT, 6)
        } else {
            break;
        };
        if rest.len() == len {
            break; // `ctrl-` alone: the rest is not a prefix but the key itself
        }
        modifiers |= m;
        rest = &rest[len..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (None, _) => return Err(bad()),
        (Some(c), None) => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "space" => KeyCode::Char(' '),
            "esc" => KeyCode::Esc,
            "enter" => KeyCode::Enter,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            f => match f.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                Some(n @ 1..=12) => KeyCode::F(n),
                _ => return Err(bad()),
            },
        },
    };
    // A character's shift is in its case (see `Key::of`): `shift-r` is `R`.
    let code = match code {
        KeyCode::Char(c) if modifiers.contains(KeyModifiers::SHIFT) => {
            modifiers -= KeyModifiers::SHIFT;
            KeyCode::Char(c.to_uppercase().next().unwrap_or(c))
        }
        other => other,
    };
    Ok(Key::new(code, modifiers))
}

/// The snake_case name of every action, as written in a keymap file.
pub fn action_names() -> &'static [&'static str] {
    super::names::serde_names::<Action>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_binding_round_trips_through_its_label() {
        for (_, key, _) in Keymap::default().bindings {
            assert_eq!(parse_key(&key.label()), Ok(key), "{}", key.label());
        }
    }

    #[test]
    fn labels_parse() {
        let k = |c, m| Key::new(c, m);
        assert_eq!(parse_key("R"), Ok(k(KeyCode::Char('R'), KeyModifiers::NONE)));
        assert_eq!(parse_key("shift-r"), Ok(k(KeyCode::Char('R'), KeyModifiers::NONE)));
        assert_eq!(parse_key("ctrl-c"), Ok(k(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert_eq!(parse_key("alt-x"), Ok(k(KeyCode::Char('x'), KeyModifiers::ALT)));
        assert_eq!(
            parse_key("ctrl-alt-x"),
            Ok(k(KeyCode::Char('x'), KeyModifiers::CONTROL | KeyModifiers::ALT))
        );
        assert_eq!(parse_key("-"), Ok(k(KeyCode::Char('-'), KeyModifiers::NONE)));
        assert_eq!(parse_key("ctrl--"), Ok(k(KeyCode::Char('-'), KeyModifiers::CONTROL)));
        assert_eq!(parse_key("space"), Ok(k(KeyCode::Char(' '), KeyModifiers::NONE)));
        assert_eq!(parse_key("f12"), Ok(k(KeyCode::F(12), KeyModifiers::NONE)));
        assert_eq!(parse_key("left"), Ok(k(KeyCode::Left, KeyModifiers::NONE)));
        for bad in ["", "f13", "ctrl-", "enterr", "f0"] {
            assert!(parse_key(bad).is_err(), "{bad}");
        }
        for label in
            ["left", "right", "space", "backtab", "f1", "alt-x", "ctrl-alt-x", "pgdn", "ctrl--"]
        {
            assert_eq!(parse_key(label).unwrap().label(), label);
        }
    }

    #[test]
    fn every_action_has_a_name() {
        let names = action_names();
        assert!(names.contains(&"quit") && names.contains(&"run_diff"), "{names:?}");
        for n in names {
            assert!(crate::config::keymap_file::action_named(n).is_some(), "{n}");
        }
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(parse("", Path::new("k.toml")).unwrap(), Keymap::default());
    }

    #[test]
    fn a_rebinding_keeps_the_help_order() {
        let km = parse("[global]\nquit = \"x\"\n", Path::new("k.toml")).unwrap();
        assert_eq!(km.help(Scope::Global, false)[0], ("x".to_string(), "quit"));
        assert_eq!(km.bindings.len(), Keymap::default().bindings.len() - 1);
    }
}

//! What a user can ask for, and the key map that binds keys to it. The footer's help is
//! generated from the same map that handles keys, so they cannot disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    /// Poll every backend now instead of waiting for the next interval.
    Refresh,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Refresh => "refresh now",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    const fn plain(c: char) -> Self {
        Self { code: KeyCode::Char(c), modifiers: KeyModifiers::NONE }
    }
    const fn ctrl(c: char) -> Self {
        Self { code: KeyCode::Char(c), modifiers: KeyModifiers::CONTROL }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Enter => "enter".into(),
            other => format!("{other:?}").to_lowercase(),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) { format!("ctrl-{base}") } else { base }
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            bindings: vec![
                (Key::plain('q'), Action::Quit),
                (Key::ctrl('c'), Action::Quit),
                (Key::plain('r'), Action::Refresh),
            ],
        }
    }
}

impl Keymap {
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        // Shift is implied by an upper-case character; compare the rest.
        let mods = ev.modifiers - KeyModifiers::SHIFT;
        self.bindings.iter().find(|(k, _)| k.code == ev.code && k.modifiers == mods).map(|(_, a)| *a)
    }

    /// One entry per action, with every key bound to it: "q/ctrl-c quit".
    pub fn help(&self) -> Vec<(String, &'static str)> {
        let mut out: Vec<(Action, Vec<String>)> = Vec::new();
        for (k, a) in &self.bindings {
            match out.iter_mut().find(|(x, _)| x == a) {
                Some((_, keys)) => keys.push(k.label()),
                None => out.push((*a, vec![k.label()])),
            }
        }
        out.into_iter().map(|(a, keys)| (keys.join("/"), a.describe())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_actions_and_help_lists_every_bound_action() {
        let km = Keymap::default();
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.action(&q), Some(Action::Quit));
        assert_eq!(km.action(&c), Some(Action::Quit));
        assert_eq!(km.action(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)), None);
        assert_eq!(km.help(), vec![("q/ctrl-c".to_string(), "quit"), ("r".to_string(), "refresh now")]);
    }

    #[test]
    fn no_key_is_bound_twice() {
        let km = Keymap::default();
        for (i, (k, _)) in km.bindings.iter().enumerate() {
            assert!(!km.bindings[i + 1..].iter().any(|(o, _)| o == k), "{} bound twice", k.label());
        }
    }
}

//! Keys and the key map: which key does what in which scope. Help and the footer are generated
//! from the map that handles keys; the defaults are here, a keymap file rebinds them.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Action, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub const fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        Self { code, modifiers }
    }
    const fn plain(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::NONE)
    }
    const fn ctrl(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }
    const fn code(code: KeyCode) -> Self {
        Self::new(code, KeyModifiers::NONE)
    }

    /// The key of an event; Shift is implied by an upper-case character, so it is dropped there.
    pub fn of(ev: &KeyEvent) -> Self {
        // Shift is part of an upper-case character and of BackTab (terminals report it held).
        let mods = match ev.code {
            KeyCode::Char(_) | KeyCode::BackTab => ev.modifiers - KeyModifiers::SHIFT,
            _ => ev.modifiers,
        };
        Self::new(ev.code, mods)
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".into(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "backtab".into(),
            KeyCode::Up => "up".into(),
            KeyCode::Down => "down".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::F(n) => format!("f{n}"),
            other => format!("{other:?}").to_lowercase(),
        };
        let mut out = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            out += "ctrl-";
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            out += "alt-";
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            out += "shift-";
        }
        out + &base
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<(Scope, Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        use Action::{
            AlertsState, Back, Bottom, Command, ConnectorOffsets, DeleteConnector, Down,
            EventsFollow, EventsSearchKey, Filter, FlinkCancel, FlinkRestart, FlinkStop,
            GeneratorToggle, Help, NextPane, PageDown, PageUp, PauseConnector, PauseSnapshot,
            ProcessorReset, ProcessorRun, ProcessorToggle, Quit, RateDown, RateUp, Refresh,
            ReplicatorToggle, ResetOffsets, RestartAllTasks, RestartConnector, ResumeConnector,
            ResumeSnapshot, RowStory, RunDiff, Select, SetOffsets, SnapshotTables, StopConnector,
            StopSnapshot, Top, Up,
        };
        use Scope::{Alerts, Connectors, Events, Generator, Global, Processor, Replication};
        let g = |k, a| (Global, k, a);
        Self {
            bindings: vec![
                g(Key::plain('q'), Quit),
                g(Key::ctrl('c'), Quit),
                g(Key::plain('?'), Help),
                g(Key::plain(':'), Command),
                g(Key::plain('/'), Filter),
                g(Key::code(KeyCode::Esc), Back),
                g(Key::code(KeyCode::Enter), Select),
                g(Key::code(KeyCode::Tab), NextPane),
                g(Key::code(KeyCode::Up), Up),
                g(Key::plain('k'), Up),
                g(Key::code(KeyCode::Down), Down),
                g(Key::plain('j'), Down),
                g(Key::code(KeyCode::PageUp), PageUp),
                g(Key::code(KeyCode::PageDown), PageDown),
                g(Key::code(KeyCode::Home), Top),
                g(Key::code(KeyCode::End), Bottom),
                g(Key::ctrl('r'), Refresh),
                (Connectors, Key::plain('r'), RestartConnector),
                (Connectors, Key::plain('R'), RestartAllTasks),
                (Connectors, Key::plain('p'), PauseConnector),
                (Connectors, Key::plain('u'), ResumeConnector),
                (Connectors, Key::plain('s'), StopConnector),
                (Connectors, Key::ctrl('d'), DeleteConnector),
                (Connectors, Key::plain('i'), SnapshotTables),
                (Connectors, Key::plain('X'), StopSnapshot),
                (Connectors, Key::plain('z'), PauseSnapshot),
                (Connectors, Key::plain('Z'), ResumeSnapshot),
                (Connectors, Key::plain('o'), ConnectorOffsets),
                (Connectors, Key::plain('O'), SetOffsets),
                (Connectors, Key::ctrl('o'), ResetOffsets),
                (Generator, Key::plain('s'), GeneratorToggle),
                (Generator, Key::plain('+'), RateUp),
                (Generator, Key::plain('='), RateUp),
                (Generator, Key::plain('-'), RateDown),
                (Processor, Key::plain('p'), ProcessorToggle),
                (Processor, Key::plain('s'), ProcessorRun),
                (Processor, Key::plain('R'), ProcessorReset),
                (Processor, Key::plain('C'), FlinkCancel),
                (Processor, Key::plain('S'), FlinkStop),
                (Processor, Key::plain('L'), FlinkRestart),
                (Replication, Key::plain('s'), ReplicatorToggle),
                (Replication, Key::plain('d'), RunDiff),
                (Replication, Key::plain('w'), RowStory),
                (Events, Key::plain('f'), EventsFollow),
                (Events, Key::plain('s'), EventsSearchKey),
                (Alerts, Key::plain('f'), AlertsState),
            ],
        }
    }
}

impl Keymap {
    /// The action for `ev` in `scope`: the view's own binding first, then the global one.
    pub fn action(&self, scope: Scope, ev: &KeyEvent) -> Option<Action> {
        let key = Key::of(ev);
        let find = |s: Scope| {
            self.bindings.iter().find(|(bs, k, _)| *bs == s && *k == key).map(|(_, _, a)| *a)
        };
        find(scope).or_else(|| find(Scope::Global))
    }

    /// The keys of one action in a scope, for hints ("r", "ctrl-d").
    pub fn keys_for(&self, scope: Scope, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(s, _, a)| *s == scope && *a == action)
            .map(|(_, k, _)| k.label())
            .collect()
    }

    /// One entry per action bound in `scope` (without the global ones), with all its keys:
    /// ("q/ctrl-c", "quit"). Mutating actions are left out in read-only mode.
    pub fn help(&self, scope: Scope, read_only: bool) -> Vec<(String, &'static str)> {
        let mut out: Vec<(Action, Vec<String>)> = Vec::new();
        for (_, k, a) in
            self.bindings.iter().filter(|(s, _, a)| *s == scope && !(read_only && a.mutates()))
        {
            match out.iter_mut().find(|(x, _)| x == a) {
                Some((_, keys)) => keys.push(k.label()),
                None => out.push((*a, vec![k.label()])),
            }
        }
        out.into_iter().map(|(a, keys)| (keys.join("/"), a.describe())).collect()
    }

    /// Keys bound to two actions where both apply: twice in one scope, or in a view and
    /// globally (the view's binding would hide the global one).
    pub fn conflicts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, (s1, k1, a1)) in self.bindings.iter().enumerate() {
            for (s2, k2, a2) in &self.bindings[i + 1..] {
                let overlap = s1 == s2 || *s1 == Scope::Global || *s2 == Scope::Global;
                if k1 == k2 && a1 != a2 && overlap {
                    let scope = |s: &Scope| format!("{s:?}").to_lowercase();
                    out.push(format!(
                        "`{}` is bound to {} ({}) and {} ({})",
                        k1.label(),
                        serde_json::to_value(a1)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        scope(s1),
                        serde_json::to_value(a2)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        scope(s2)
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn a_view_binding_wins_and_global_ones_apply_everywhere() {
        let km = Keymap::default();
        let s = ev(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Connectors, &s), Some(Action::StopConnector));
        assert_eq!(km.action(Scope::Generator, &s), Some(Action::GeneratorToggle));
        assert_eq!(km.action(Scope::Global, &s), None);
        assert_eq!(
            km.action(Scope::Connectors, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(Scope::Connectors, &ev(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::RestartAllTasks)
        );
    }

    #[test]
    fn the_default_keymap_has_no_conflicts() {
        assert_eq!(Keymap::default().conflicts(), Vec::<String>::new());
    }

    #[test]
    fn a_key_bound_twice_is_reported() {
        let mut km = Keymap::default();
        km.bindings.push((Scope::Connectors, Key::plain('q'), Action::PauseConnector));
        assert_eq!(
            km.conflicts(),
            ["`q` is bound to quit (global) and pause_connector (connectors)"]
        );
    }

    #[test]
    fn help_lists_every_bound_action_and_hides_mutations_when_read_only() {
        let km = Keymap::default();
        for scope in Scope::ALL {
            let help = km.help(scope, false);
            for (s, _, a) in &km.bindings {
                if *s == scope {
                    assert!(
                        help.iter().any(|(_, d)| *d == a.describe()),
                        "{a:?} missing from the {scope:?} help"
                    );
                }
            }
        }
        // Read-only keeps what only reads: the offsets pane.
        assert_eq!(km.help(Scope::Connectors, true), [("o".to_string(), "offsets")]);
        assert_eq!(km.help(Scope::Global, false)[0], ("q/ctrl-c".to_string(), "quit"));
    }
}

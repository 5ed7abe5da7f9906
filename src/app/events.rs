//! The `:events` view in the app: `:events` opens the topic picker (Enter opens the selected
//! topic), `:events TOPIC` a topic at once; `f` follows it live or stops, `s` asks for a key
//! (JSON) and searches the topic for the key's events (an empty key goes back to the newest).
//! The reading itself runs in `collectors::events`; leaving the view stops it (tasks.rs).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Command};
use crate::collectors::events::{EventsAsk, EventsSnapshot};
use crate::store::rows::Table;
use crate::ui::{FeedbackState, Mode, ViewId};

/// `events` or `events TOPIC` typed at `:`: `Some("")` for the picker, or the topic; `None` for
/// anything else.
pub(super) fn argument(input: &str) -> Option<&str> {
    let rest = input.trim().strip_prefix("events")?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
}

impl App {
    /// `:events` (the picker) or `:events TOPIC`.
    pub(super) fn events_command(&mut self, topic: &str) -> Vec<Command> {
        if topic.is_empty() {
            self.go_to(ViewId::Events);
            return Vec::new();
        }
        self.open_topic(topic)
    }

    /// The rows the events view selects among: topics in the picker, events in a topic.
    pub(super) fn events_rows(&self) -> Vec<String> {
        match &self.ui.detail {
            None => self.store.rows(Some(Table::Topics), &self.ui.filter, None),
            Some(_) => (0..self.embedded.events.events.len()).map(|i| i.to_string()).collect(),
        }
    }

    /// Enter in the picker opens the selected topic.
    pub(super) fn events_select(&mut self, rows: &[String]) -> Vec<Command> {
        match (&self.ui.detail, rows.get(self.ui.selected)) {
            (None, Some(topic)) => {
                let topic = topic.clone();
                self.open_topic(&topic)
            }
            _ => Vec::new(),
        }
    }

    fn open_topic(&mut self, topic: &str) -> Vec<Command> {
        if self.ui.view != ViewId::Events || self.ui.detail.is_some() {
            self.ui.back.push((self.ui.view, self.ui.detail.take()));
        }
        self.ui.view = ViewId::Events;
        self.ui.detail = Some(topic.to_string());
        self.ui.filter.clear();
        self.ask(EventsAsk { topic: topic.to_string(), key: None, follow: false })
    }

    /// Starts a read, the screen showing it at once.
    fn ask(&mut self, ask: EventsAsk) -> Vec<Command> {
        self.ui.selected = 0;
        self.embedded.events = EventsSnapshot {
            topic: ask.topic.clone(),
            key: ask.key.clone(),
            follow: ask.follow,
            running: true,
            ..Default::default()
        };
        vec![Command::EventsOpen(ask)]
    }

    /// `f`: follow the topic (the same key, if one was searched) or stop following.
    pub(super) fn toggle_follow(&mut self) -> Vec<Command> {
        let Some(topic) = self.ui.detail.clone().filter(|_| self.ui.view == ViewId::Events) else {
            return Vec::new();
        };
        let e = &self.embedded.events;
        let ask = EventsAsk { topic, key: e.key.clone(), follow: !e.follow };
        self.feedback(
            FeedbackState::Done,
            if ask.follow { "following: new events on top" } else { "not following" },
        );
        self.ask(ask)
    }

    /// `s`: the key prompt.
    pub(super) fn ask_key(&mut self) {
        if self.ui.detail.is_some() {
            let typed = self.embedded.events.key.clone().unwrap_or_default();
            self.ui.mode = Mode::KeySearch(typed);
        } else {
            self.feedback(FeedbackState::Error, "open a topic first (enter on one)");
        }
    }

    pub(super) fn on_key_search_key(&mut self, ev: &KeyEvent, mut input: String) -> Vec<Command> {
        match ev.code {
            KeyCode::Esc => {}
            KeyCode::Enter => return self.search_key(input),
            KeyCode::Backspace => {
                input.pop();
                self.ui.mode = Mode::KeySearch(input);
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                self.ui.mode = Mode::KeySearch(input);
            }
            _ => self.ui.mode = Mode::KeySearch(input),
        }
        Vec::new()
    }

    fn search_key(&mut self, input: String) -> Vec<Command> {
        let Some(topic) = self.ui.detail.clone() else { return Vec::new() };
        let key = input.trim();
        if !key.is_empty()
            && let Err(e) = serde_json::from_str::<serde_json::Value>(key)
        {
            self.feedback(
                FeedbackState::Error,
                format!("the key must be JSON, e.g. {{\"id\":42}}: {e}"),
            );
            self.ui.mode = Mode::KeySearch(input);
            return Vec::new();
        }
        let key = (!key.is_empty()).then(|| key.to_string());
        let follow = self.embedded.events.follow;
        self.ask(EventsAsk { topic, key, follow })
    }

    /// The reader published: the selection stays on the event it was on (new events arrive on
    /// top while following).
    pub fn on_events_progress(&mut self, snap: EventsSnapshot) {
        let old = &self.embedded.events.events;
        let at = old.get(self.ui.selected).map(|e| (e.partition, e.offset));
        if self.ui.selected > 0
            && let Some(at) = at
            && let Some(i) = snap.events.iter().position(|e| (e.partition, e.offset) == at)
        {
            self.ui.selected = i;
        }
        self.ui.selected = self.ui.selected.min(snap.events.len().saturating_sub(1));
        self.embedded.events = snap;
    }
}

//! A row's story from the diff: `w` on a differing key in the replication view asks for it, a
//! task reads it (the key's events with progress), and it opens over the view; j/k scroll it,
//! Esc closes it.

use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use tokio::sync::mpsc;

use super::reports::Ended;
use super::spawn::{Done, reported};
use super::{App, Command};
use crate::action::Action;
use crate::config::Config;
use crate::pipeline::events::ScanProgress;
use crate::pipeline::story::RowStory;
use crate::store::snapshots::StoryState;
use crate::ui::{FeedbackState, Mode, ViewId};

impl App {
    /// The story of the selected differing key of the last diff.
    pub(super) fn open_story(&mut self) -> Vec<Command> {
        let keys = self.embedded.diff_keys();
        let Some(k) = keys.get(self.ui.selected).filter(|_| self.ui.view == ViewId::Replication)
        else {
            self.feedback(
                FeedbackState::Error,
                "select a diverged or in-flight row of the diff first (d runs one)",
            );
            return Vec::new();
        };
        if self.embedded.story.running {
            self.feedback(FeedbackState::Pending, "a row's story is already being read");
            return Vec::new();
        }
        self.embedded.story = StoryState {
            table: k.table.clone(),
            key: k.key.clone(),
            running: true,
            progress: None,
            result: None,
        };
        self.ui.mode = Mode::Story(0);
        vec![Command::RowStory { table: k.table.clone(), key: k.key.clone() }]
    }

    /// Esc (or q) closes the story; up and down scroll it.
    pub(super) fn on_story_key(&mut self, ev: &KeyEvent, scroll: u16) {
        let action = self.keymap.action(self.ui.view.scope(), ev);
        self.ui.mode = match action {
            Some(Action::Back | Action::Quit) => Mode::Normal,
            _ if ev.code == KeyCode::Esc => Mode::Normal,
            Some(Action::Down) => Mode::Story(scroll.saturating_add(1)),
            Some(Action::Up) => Mode::Story(scroll.saturating_sub(1)),
            Some(Action::PageDown) => Mode::Story(scroll.saturating_add(10)),
            Some(Action::PageUp) => Mode::Story(scroll.saturating_sub(10)),
            Some(Action::Top) => Mode::Story(0),
            _ => Mode::Story(scroll),
        };
    }

    pub(super) fn story_done(&mut self, r: Result<Box<RowStory>, String>) -> Ended {
        let s = &mut self.embedded.story;
        s.running = false;
        s.progress = None;
        s.result = Some(r.map(|b| *b));
        Ended::Nothing
    }
}

/// Reads the story on a task of its own; progress and the end come back through `done`.
pub(super) fn start(config: &Config, table: String, key: String, done: mpsc::Sender<Done>) {
    let config = config.clone();
    let progress_tx = done.clone();
    let progress = Arc::new(move |p: &ScanProgress| {
        let (read, of) = p.totals();
        let _ = progress_tx.try_send(Done::StoryProgress(format!(
            "reading {} for the key: {read}/{of} records, {} matched",
            p.topic, p.matched
        )));
    });
    reported(done, Done::Story, async move {
        crate::pipeline::story::tell(&config, &table, &key, progress)
            .await
            .map(Box::new)
            .map_err(|e| e.to_string())
    });
}

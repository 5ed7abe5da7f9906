//! The TUI's main loop: collector updates, keys, a clock tick and SIGTERM, one `select!`.
//! It redraws only when something visible changed (or once a second, for the ages on screen),
//! and never waits on a backend: collectors run in their own tasks.

use std::time::{Duration, SystemTime};

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::mpsc;

use crate::action::{Action, Keymap};
use crate::config::Config;
use crate::config::theme::Theme;
use crate::store::Store;
use crate::{collectors, ui};

pub struct App {
    pub store: Store,
    pub keymap: Keymap,
    pub theme: Theme,
    pub ui: ui::UiState,
    pub generator: crate::pipeline::generator::GeneratorSnapshot,
    pub read_only: bool,
    quit: bool,
}

impl App {
    pub fn new(config: &Config) -> Self {
        Self {
            store: Store::new(config),
            keymap: Keymap::default(),
            theme: Theme::default(),
            ui: ui::UiState::default(),
            generator: Default::default(),
            read_only: false,
            quit: false,
        }
    }

    /// What the key asks for; None when the key is not bound.
    pub fn on_key(&mut self, ev: &ratatui::crossterm::event::KeyEvent) -> Option<Action> {
        let action = self.keymap.action(self.ui.view.scope(), ev)?;
        if action == Action::Quit {
            self.quit = true;
        }
        Some(action)
    }

    pub fn view(&self, now: SystemTime) -> ui::View<'_> {
        ui::View {
            store: &self.store,
            theme: &self.theme,
            keymap: &self.keymap,
            ui: &self.ui,
            generator: &self.generator,
            read_only: self.read_only,
            now,
        }
    }
}

/// Runs the console until `q` or SIGTERM. `read_only` is kept for the actions that mutate (none
/// on this first screen yet); `metrics_addr` serves Prometheus text from the same store.
pub async fn run(config: Config, _read_only: bool, metrics_addr: Option<std::net::SocketAddr>) -> anyhow::Result<u8> {
    // Bind before taking over the terminal, so a busy port is a plain error message.
    let (metrics_tx, metrics_rx) = tokio::sync::watch::channel(String::new());
    let server = match metrics_addr {
        Some(addr) => Some(
            crate::metrics::serve(addr, metrics_rx)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?,
        ),
        None => None,
    };
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&config, &mut terminal, metrics_addr.map(|_| metrics_tx)).await;
    if let Some(s) = server {
        s.abort();
    }
    ratatui::try_restore()?;
    result
}

async fn event_loop(
    config: &Config,
    terminal: &mut ratatui::DefaultTerminal,
    metrics: Option<tokio::sync::watch::Sender<String>>,
) -> anyhow::Result<u8> {
    let mut app = App::new(config);
    let (tx, mut updates) = mpsc::channel(64);
    let mut collectors = collectors::spawn_all(config, tx.clone());
    let latency = collectors::latency::spawn(config, tx.clone());
    let mut keys = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut dirty = true;
    while !app.quit {
        if dirty {
            terminal.draw(|f| ui::draw(f, &app.view(SystemTime::now())))?;
            dirty = false;
        }
        tokio::select! {
            Some(update) = updates.recv() => {
                dirty = app.store.apply(update);
                if let (true, Some(m)) = (dirty, &metrics) {
                    m.send_replace(crate::metrics::render(&app.store));
                }
            }
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => {
                    if app.on_key(&k) == Some(Action::Refresh) {
                        for c in collectors.drain(..) { c.abort(); }
                        collectors = collectors::spawn_all(config, tx.clone());
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            _ = clock.tick() => dirty = true,
            _ = sigterm.recv() => break,
        }
    }
    for c in collectors {
        c.abort();
    }
    latency.abort();
    Ok(crate::cli::EXIT_OK)
}

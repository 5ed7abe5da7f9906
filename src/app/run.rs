//! The TUI's main loop, after gitui's: every source (collector readings, keys and the mouse,
//! tasks' progress and ends, a clock tick, SIGTERM) becomes one `Event`, and `Tasks::handle`
//! turns it into a change of the app. The loop redraws only when something visible changed (or
//! once a second, for the ages on screen) and never waits on a backend: collectors, REST
//! actions, the generator, the replicator and the processor run in their own tasks. The
//! terminal is given back as it was found however the loop ends: an error, a panic or `q`.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use super::App;
use super::event::{Event, Flow};
use super::tasks::Tasks;
use crate::action::Keymap;
use crate::config::Config;
use crate::config::theme::Theme;
use crate::ui;

/// Runs the console until `q` or SIGTERM. `metrics_addr` serves Prometheus text from the same
/// store.
pub async fn run(
    config: Config,
    theme: Theme,
    keymap: Keymap,
    read_only: bool,
    metrics_addr: Option<SocketAddr>,
) -> anyhow::Result<u8> {
    // Bind before taking over the terminal, so a busy port is a plain error message.
    let (metrics_tx, metrics_rx) = watch::channel(String::new());
    let server = match metrics_addr {
        Some(addr) => Some(
            crate::metrics::serve(addr, metrics_rx)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?,
        ),
        None => None,
    };
    let mut screen = Screen::open(config.ui.mouse)?;
    let app = App::new(&config, theme, keymap, read_only);
    let metrics = metrics_addr.map(|_| metrics_tx);
    let result = event_loop(config, app, &mut screen.terminal, metrics).await;
    screen.restore()?;
    if let Some(s) = server {
        s.abort();
    }
    result
}

/// Draws when something visible changed, waits for the next event, hands it over.
async fn event_loop(
    config: Config,
    mut app: App,
    terminal: &mut ratatui::DefaultTerminal,
    metrics: Option<watch::Sender<String>>,
) -> anyhow::Result<u8> {
    let mut tasks = Tasks::start(config, metrics);
    let mut input = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut redraw = true;
    while !app.quit {
        if redraw {
            terminal.draw(|f| ui::draw(f, &app.view(SystemTime::now())))?;
        }
        let event = tokio::select! {
            event = tasks.next() => event,
            input = input.next() => Event::from_terminal(input),
            _ = clock.tick() => Event::Tick,
            _ = sigterm.recv() => Event::Quit,
        };
        match tasks.handle(&mut app, event)? {
            Flow::Redraw => redraw = true,
            Flow::Wait => redraw = false,
            Flow::Quit => break,
        }
    }
    // Dropping the tasks asks the running ones to stop (see `Tasks`'s `Drop`).
    drop(tasks);
    Ok(crate::cli::EXIT_OK)
}

/// The terminal while the console owns it: raw mode, the alternate screen and, when `ui.mouse`
/// is on, the mouse captured (off by default: capturing it takes away the terminal's own
/// selection). `restore` gives it back; dropping it unrestored (an early error, a panic) does
/// too.
struct Screen {
    terminal: ratatui::DefaultTerminal,
    mouse: bool,
    restored: bool,
}

impl Screen {
    fn open(mouse: bool) -> anyhow::Result<Screen> {
        // ratatui installs a panic hook that restores the terminal before the message prints.
        let mut screen = Screen { terminal: ratatui::try_init()?, mouse: false, restored: false };
        if mouse {
            screen.mouse = true;
            ratatui::crossterm::execute!(std::io::stdout(), EnableMouseCapture)?;
        }
        Ok(screen)
    }

    fn restore(mut self) -> std::io::Result<()> {
        self.restored = true;
        self.release_mouse();
        ratatui::try_restore()
    }

    fn release_mouse(&self) {
        if self.mouse {
            let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        if self.restored {
            return;
        }
        self.release_mouse();
        // On a panic the hook has restored the terminal already; a second restore could move
        // the cursor over the panic message.
        if !std::thread::panicking() {
            let _ = ratatui::try_restore();
        }
    }
}

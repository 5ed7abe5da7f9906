//! The TUI's main loop, after gitui's: every source (collector readings, keys and the mouse,
//! tasks' progress and ends, a clock tick, SIGTERM) becomes one `Event`, and `Tasks::handle`
//! turns it into a change of the app. The loop redraws only when something visible changed (or
//! once a second, for the ages on screen) and never waits on a backend: collectors, REST
//! actions, the generator, the replicator and the processor run in their own tasks. `q`, SIGTERM
//! and SIGHUP first ask the embedded stages to stop between batches (what they committed stays,
//! a batch in flight commits or rolls back) and wait for them, within [`STOPPING`]; a second `q`
//! quits at once. The terminal is given back however the loop ends (see `terminal`).

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use ratatui::crossterm::event::EventStream;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use super::App;
use super::event::{Event, Flow};
use super::tasks::Tasks;
use super::terminal::Screen;
use crate::action::Keymap;
use crate::config::Loaded;
use crate::config::theme::Theme;
use crate::ui;
use crate::ui::FeedbackState;

/// How long quitting waits for the embedded stages to stop before it leaves anyway (their
/// transaction in flight then rolls back with the connection).
pub const STOPPING: Duration = Duration::from_secs(15);

/// How the console looks and behaves, from the command line and `[ui]`.
pub struct Settings {
    pub theme: Theme,
    pub keymap: Keymap,
    /// `--read-only`: kept whatever context is switched to.
    pub read_only: bool,
    /// Serves Prometheus text from the same store.
    pub metrics_addr: Option<SocketAddr>,
}

/// Runs the console on the loaded config's context in use until `q` or SIGTERM.
pub async fn run(loaded: Loaded, settings: Settings) -> anyhow::Result<u8> {
    let Settings { theme, keymap, read_only, metrics_addr } = settings;
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
    let config = loaded.config().clone();
    let mut screen = Screen::open(config.ui.mouse)?;
    let app = App::new(&config, theme, keymap, read_only)
        .with_contexts(&loaded.contexts, &loaded.current);
    let metrics = metrics_addr.map(|_| metrics_tx);
    let mut tasks = Tasks::start(config, metrics, app.read_only.is_on());
    tasks.contexts = loaded.contexts;
    let result = event_loop(app, tasks, &mut screen.terminal).await;
    screen.restore()?;
    if let Some(s) = server {
        s.abort();
    }
    result
}

/// Draws when something visible changed, waits for the next event, hands it over.
async fn event_loop(
    mut app: App,
    mut tasks: Tasks,
    terminal: &mut ratatui::DefaultTerminal,
) -> anyhow::Result<u8> {
    let mut input = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut redraw = true;
    let mut quitting: Option<Instant> = None;
    let mut injected = injected::Panic::from_env();
    loop {
        if redraw {
            terminal.draw(|f| ui::draw(f, &app.view(SystemTime::now())))?;
        }
        let event = tokio::select! {
            event = tasks.next() => event,
            input = input.next() => Event::from_terminal(input),
            _ = clock.tick() => Event::Tick,
            _ = sigterm.recv() => Event::Quit,
            _ = sighup.recv() => Event::Quit,
        };
        injected.at(&event, &mut tasks);
        let flow = tasks.handle(&mut app, event)?;
        redraw = !matches!(flow, Flow::Wait);
        if matches!(flow, Flow::Quit) || std::mem::take(&mut app.quit) {
            // A second request while stopping quits at once.
            if quitting.is_some() || !tasks.stop_stages() {
                break;
            }
            quitting = Some(Instant::now());
            app.feedback(
                FeedbackState::Pending,
                "stopping the embedded stages between batches (q again quits now)",
            );
            redraw = true;
        }
        if let Some(since) = quitting
            && (!tasks.stages_running() || since.elapsed() >= STOPPING)
        {
            break;
        }
    }
    // Dropping the tasks asks whatever still runs to stop (see `Tasks`'s `Drop`).
    drop(tasks);
    Ok(crate::cli::EXIT_OK)
}

/// A panic injected by the tests through `CDC_CONSOLE_TEST_PANIC` (debug builds only): `loop`
/// panics the drawing thread, `task` a background task, at the first clock tick two seconds
/// after the start (the first frames are on screen by then).
mod injected {
    use std::time::{Duration, Instant};

    use super::{Event, Tasks};

    #[derive(Clone, Copy)]
    enum Kind {
        Loop,
        Task,
    }

    pub struct Panic(Option<(Kind, Instant)>);

    impl Panic {
        pub fn from_env() -> Panic {
            let kind = match std::env::var("CDC_CONSOLE_TEST_PANIC").as_deref() {
                _ if !cfg!(debug_assertions) => None,
                Ok("loop") => Some(Kind::Loop),
                Ok("task") => Some(Kind::Task),
                _ => None,
            };
            Panic(kind.map(|k| (k, Instant::now() + Duration::from_secs(2))))
        }

        /// Fires once.
        pub fn at(&mut self, event: &Event, tasks: &mut Tasks) {
            let Some((kind, at)) = self.0 else { return };
            if !matches!(event, Event::Tick) || Instant::now() < at {
                return;
            }
            self.0 = None;
            match kind {
                Kind::Loop => panic!("injected panic in the drawing thread"),
                Kind::Task => tasks.spawn_panic(),
            }
        }
    }
}

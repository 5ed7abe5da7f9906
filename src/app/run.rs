//! The TUI's main loop: collector updates, keys, command results, the generator's and the
//! replicator's progress, a
//! clock tick and SIGTERM in one `select!`. It redraws only when something visible changed (or
//! once a second, for the ages on screen) and never waits on a backend: collectors, REST
//! actions and the generator run in their own tasks.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::{mpsc, watch};

use super::done::Ended;
use super::tasks::{self, Done, Running};
use super::{App, Command};
use crate::action::Keymap;
use crate::collectors::{self, Collector, ConnectCollector, Update, connect};
use crate::config::Config;
use crate::config::theme::Theme;
use crate::ui::{self, FeedbackState};

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
    // Restores the terminal on panic too (ratatui installs the hook).
    let mut terminal = ratatui::try_init()?;
    // The mouse is off by default: capturing it takes away the terminal's own selection.
    let mouse = config.ui.mouse;
    if mouse {
        ratatui::crossterm::execute!(
            std::io::stdout(),
            ratatui::crossterm::event::EnableMouseCapture
        )?;
    }
    let app = App::new(&config, theme, keymap, read_only);
    let result = event_loop(&config, app, &mut terminal, metrics_addr.map(|_| metrics_tx)).await;
    if mouse {
        let _ = ratatui::crossterm::execute!(
            std::io::stdout(),
            ratatui::crossterm::event::DisableMouseCapture
        );
    }
    ratatui::try_restore()?;
    if let Some(s) = server {
        s.abort();
    }
    result
}

async fn event_loop(
    config: &Config,
    mut app: App,
    terminal: &mut ratatui::DefaultTerminal,
    metrics: Option<watch::Sender<String>>,
) -> anyhow::Result<u8> {
    let (tx, mut updates) = mpsc::channel(64);
    let mut collectors = collectors::spawn_all(config, tx.clone());
    let latency = collectors::latency::spawn(config, tx.clone());
    let (done_tx, mut done) = mpsc::channel::<Done>(16);
    let mut generator: Option<Running> = None;
    let mut replicator: Option<tasks::Replicating> = None;
    let mut processor: Option<tasks::Processing> = None;
    let mut keys = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut dirty = true;
    while !app.quit {
        if dirty {
            terminal.draw(|f| ui::draw(f, &app.view(SystemTime::now())))?;
            dirty = false;
        }
        let progress = async {
            match generator.as_mut() {
                Some(g) => g.progress.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        let replicating = async {
            match replicator.as_mut() {
                Some(r) => r.snapshot.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        let processing = async {
            match processor.as_mut() {
                Some(p) => p.snapshot.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            Some(update) = updates.recv() => {
                dirty = app.store.apply(update);
                if let (true, Some(m)) = (dirty, &metrics) {
                    m.send_replace(crate::metrics::render(&app.store));
                }
            }
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => {
                    for command in app.on_key(&k) {
                        match command {
                            Command::Refresh => {
                                for c in collectors.drain(..) {
                                    c.abort();
                                }
                                collectors = collectors::spawn_all(config, tx.clone());
                            }
                            Command::Connect { cluster, action } => connect_action(config, cluster, action, done_tx.clone()),
                            Command::GeneratorStart => generator = Some(tasks::start_generator(config, app.embedded.generator.target_rate, app.embedded.generator.mix, done_tx.clone())),
                            Command::ReplicatorStart => replicator = Some(tasks::start_replicator(config, done_tx.clone())),
                            Command::ReplicatorStop => {
                                if let Some(r) = &mut replicator {
                                    r.stop.request();
                                }
                            }
                            Command::ProcessorStart => {
                                processor = tasks::start_processor(config, done_tx.clone());
                                if processor.is_none() {
                                    app.feedback(FeedbackState::Error, "no processor job is configured ([[jobs]])");
                                }
                            }
                            Command::ProcessorStop => {
                                if let Some(p) = &mut processor {
                                    p.stop.request();
                                }
                            }
                            Command::ProcessorPause(p) => {
                                if let Some(running) = &processor {
                                    running.paused.send_replace(p);
                                }
                            }
                            Command::ProcessorReset => tasks::reset_job(config, done_tx.clone()),
                            Command::RunDiff => {
                                app.embedded.diff.running = true;
                                app.embedded.diff.started = Some(SystemTime::now());
                                tasks::start_diff(config, done_tx.clone());
                            }
                            Command::GeneratorStop => {
                                if let Some(g) = &mut generator {
                                    g.stop.request();
                                }
                            }
                            Command::GeneratorRate(r) => {
                                if let Some(g) = &generator {
                                    g.rate.send_replace(r);
                                }
                            }
                        }
                    }
                    app.embedded.generator.running = generator.is_some();
                    app.embedded.replicator.running = replicator.is_some();
                    app.embedded.processor.running = processor.is_some();
                    dirty = true;
                }
                Some(Ok(Event::Mouse(m))) => {
                    use ratatui::crossterm::event::MouseEventKind;
                    let action = match m.kind {
                        MouseEventKind::ScrollUp => Some(crate::action::Action::Up),
                        MouseEventKind::ScrollDown => Some(crate::action::Action::Down),
                        _ => None,
                    };
                    if let Some(a) = action {
                        app.perform(a);
                        dirty = true;
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(result) = done.recv() => {
                match app.on_done(result) {
                    Ended::Action(cluster) => refresh_soon(config, cluster, tx.clone()),
                    Ended::Generator => generator = None,
                    Ended::Replicator => replicator = None,
                    Ended::Processor => processor = None,
                    Ended::Nothing => {}
                }
                dirty = true;
            }
            true = progress => {
                if let Some(g) = &generator {
                    let r = g.progress.borrow().clone();
                    let s = &mut app.embedded.generator;
                    (s.running, s.achieved_rate, s.inserts, s.updates, s.deletes) = (true, r.achieved_rate, r.inserts, r.updates, r.deletes);
                    if s.error.is_some() { s.error = None; }
                    if matches!(app.ui.feedback.as_ref().map(|f| f.state), Some(FeedbackState::Pending)) && r.changes > 0 {
                        app.feedback(FeedbackState::Done, "generator running");
                    }
                }
                dirty = true;
            }
            true = processing => {
                if let Some(p) = &processor {
                    app.embedded.processor = p.snapshot.borrow().clone();
                }
                dirty = true;
            }
            true = replicating => {
                if let Some(r) = &replicator {
                    app.embedded.replicator = r.snapshot.borrow().clone();
                    app.embedded.replicator.running = true;
                }
                dirty = true;
            }
            _ = clock.tick() => dirty = true,
            _ = sigterm.recv() => break,
        }
    }
    if let Some(g) = &mut generator {
        g.stop.request();
    }
    // The replicator and the processor stop between batches: what they committed stays.
    if let Some(p) = &mut processor {
        p.stop.request();
    }
    if let Some(r) = &mut replicator {
        r.stop.request();
    }
    for c in collectors {
        c.abort();
    }
    latency.abort();
    Ok(crate::cli::EXIT_OK)
}

/// One REST action in its own task; the result comes back as feedback.
fn connect_action(
    config: &Config,
    cluster: usize,
    action: connect::ConnectorAction,
    done: mpsc::Sender<Done>,
) {
    let Some(c) = config.connect.get(cluster) else { return };
    let probe = connect::Probe::new(c, config.timeouts.action());
    tokio::spawn(async move {
        let what = action.to_string();
        let result = probe.perform(&action).await.map(|o| o.to_string()).map_err(|e| e.to_string());
        let _ = done.send(Done::Action(what, result, cluster)).await;
    });
}

/// Polls the acted-on cluster a few times right away, so the state change shows in seconds
/// rather than at the next refresh.
fn refresh_soon(config: &Config, cluster: usize, tx: mpsc::Sender<Update>) {
    let Some(c) = config.connect.get(cluster) else { return };
    let mut collector =
        ConnectCollector(cluster, connect::Probe::new(c, config.timeouts.request()));
    tokio::spawn(async move {
        for wait in [300, 1000, 2000, 4000] {
            tokio::time::sleep(Duration::from_millis(wait)).await;
            let kind = collector.poll().await;
            if tx.send(Update { at: SystemTime::now(), kind }).await.is_err() {
                return;
            }
        }
    });
}

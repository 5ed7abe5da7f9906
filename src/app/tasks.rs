//! What runs beside the screen: the collectors and the latency probe, the embedded generator,
//! replicator and processor, REST actions, diffs and resets. `Tasks` owns their handles and
//! channels, starts what a `Command` asks for (`execute`), and turns each `Event` into a
//! change of the app (`handle`). Nothing here waits on a backend: every backend call runs in a
//! task of its own and reports back through a channel.

use std::time::SystemTime;

use ratatui::crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::event::{Event, Flow, Job};
use super::reports::Ended;
use super::spawn::{self, Done, Processing, Replicating, Running};
use super::{App, Command, story};
use crate::action::Action;
use crate::collectors::{self, Update, connect};
use crate::config::{Config, Contexts};
use crate::ui::FeedbackState;

pub struct Tasks {
    pub(super) config: Config,
    /// The config file's contexts, for a switch (`:ctx`).
    pub(super) contexts: Contexts,
    /// The context to switch to once the embedded stages have stopped.
    pub(super) pending_switch: Option<String>,
    /// Collector readings: the collectors, the latency probe and `refresh_soon` send here.
    pub(super) updates_tx: mpsc::Sender<Update>,
    pub(super) updates: mpsc::Receiver<Update>,
    pub(super) collectors: Vec<JoinHandle<()>>,
    /// Each Connect cluster's auto-restart, kept across refreshes (which respawn the collectors).
    pub(super) auto_restart: Vec<connect::AutoRestart>,
    pub(super) latency: Option<JoinHandle<()>>,
    /// Every started task reports its end here.
    pub(super) done_tx: mpsc::Sender<Done>,
    pub(super) done: mpsc::Receiver<Done>,
    pub(super) generator: Option<Running>,
    replicator: Option<Replicating>,
    processor: Option<Processing>,
    /// The `:events` view's reader (dropping it stops it).
    events: Option<collectors::events::EventsReader>,
    /// Prometheus text rendered from the store, for `--metrics-addr`.
    pub(super) metrics: Option<watch::Sender<String>>,
    /// The alert rules' evaluation and where its transitions go (see `alerting`).
    pub(super) alerting: super::alerting::Alerting,
}

impl Tasks {
    /// Starts the collectors (with auto-restart where configured, off under `read_only`) and
    /// the latency probe.
    pub fn start(config: Config, metrics: Option<watch::Sender<String>>, read_only: bool) -> Self {
        let mut tasks = Tasks::idle(config, metrics);
        tasks.auto_restart = connect::AutoRestart::for_clusters(&tasks.config, read_only);
        tasks.refresh();
        tasks.latency = Some(collectors::latency::spawn(&tasks.config, tasks.updates_tx.clone()));
        tasks.alerting.notifier = crate::notify::Notifier::spawn(&tasks.config.alerts);
        tasks
    }

    /// Nothing running yet, not even the collectors (`start` starts them).
    pub(super) fn idle(config: Config, metrics: Option<watch::Sender<String>>) -> Self {
        let (updates_tx, updates) = mpsc::channel(64);
        let (done_tx, done) = mpsc::channel(16);
        let alerting = super::alerting::Alerting::new(&config.alerts);
        Tasks {
            contexts: Contexts::single(config.clone()),
            pending_switch: None,
            config,
            updates_tx,
            updates,
            collectors: Vec::new(),
            auto_restart: Vec::new(),
            latency: None,
            done_tx,
            done,
            generator: None,
            replicator: None,
            processor: None,
            events: None,
            metrics,
            alerting,
        }
    }

    /// The next thing a task reports. Cancel-safe: every branch is a channel receive.
    pub async fn next(&mut self) -> Event {
        tokio::select! {
            Some(update) = self.updates.recv() => Event::Update(update),
            Some(done) = self.done.recv() => Event::Done(done),
            true = changed(self.generator.as_mut().map(|g| &mut g.progress)) => {
                Event::Progress(Job::Generator)
            }
            true = changed(self.replicator.as_mut().map(|r| &mut r.snapshot)) => {
                Event::Progress(Job::Replicator)
            }
            true = changed(self.processor.as_mut().map(|p| &mut p.snapshot)) => {
                Event::Progress(Job::Processor)
            }
            true = changed(self.events.as_mut().map(|e| &mut e.snapshot)) => {
                Event::Progress(Job::Events)
            }
            else => std::future::pending().await,
        }
    }

    /// What an event does to the app, and whether the screen must be drawn again.
    pub fn handle(&mut self, app: &mut App, event: Event) -> anyhow::Result<Flow> {
        let judge = match event {
            Event::Tick => Some(true),
            Event::Update(_) | Event::Progress(_) | Event::Done(_) => Some(false),
            _ => None,
        };
        let mut redraw = match event {
            Event::Update(update) => self.on_update(app, update),
            Event::Key(key) => self.on_key(app, &key),
            Event::Mouse(mouse) => on_mouse(app, mouse),
            Event::Done(done) => self.on_done(app, done),
            Event::Progress(job) => self.on_progress(app, job),
            Event::Resize | Event::Tick => true,
            Event::Ignored => false,
            Event::InputFailed(e) => return Err(e.into()),
            Event::Quit => return Ok(Flow::Quit),
        };
        if let Some(tick) = judge {
            redraw |= self.alerting.evaluate(app, tick, self.metrics.as_ref());
        }
        Ok(if redraw { Flow::Redraw } else { Flow::Wait })
    }

    /// Starts (or steers, or stops) what a command asks for; results come back as events.
    pub fn execute(&mut self, app: &mut App, command: Command) {
        let (config, done) = (&self.config, self.done_tx.clone());
        match command {
            Command::Refresh => self.refresh(),
            Command::Flink { action, id, job } => super::flink::act(config, action, id, job, done),
            Command::Connect { cluster, action } => {
                spawn::connect_action(config, cluster, action, done);
            }
            Command::Offsets { cluster, name } => super::offsets::read(config, cluster, name, done),
            Command::ChangeOffsets { cluster, name, change } => {
                super::offsets::change(config, cluster, name, change, done);
            }
            Command::GeneratorStart => {
                let g = &app.embedded.generator;
                self.generator = Some(spawn::start_generator(config, g.target_rate, g.mix, done));
            }
            Command::GeneratorStop => {
                if let Some(g) = &mut self.generator {
                    g.stop.request();
                }
            }
            Command::GeneratorRate(r) => {
                if let Some(g) = &self.generator {
                    g.rate.send_replace(r);
                }
            }
            Command::ReplicatorStart => {
                self.replicator = Some(spawn::start_replicator(config, done));
            }
            Command::ReplicatorStop => {
                if let Some(r) = &mut self.replicator {
                    r.stop.request();
                }
            }
            Command::ProcessorStart => self.start_processor(app),
            Command::ProcessorStop => {
                if let Some(p) = &mut self.processor {
                    p.stop.request();
                }
            }
            Command::ProcessorPause(paused) => {
                if let Some(p) = &self.processor {
                    p.paused.send_replace(paused);
                }
            }
            Command::ProcessorReset => spawn::reset_job(config, done),
            Command::SwitchContext(name) => self.switch_context(app, name),
            Command::Snapshot { cluster, connector, signal } => {
                spawn::snapshot_signal(config, cluster, connector, signal, done);
            }
            Command::RowStory { table, key } => story::start(config, table, key, done),
            Command::EventsOpen(ask) => {
                self.events = Some(collectors::events::spawn(config, ask));
            }
            Command::EventsStop => self.events = None,
            Command::RunDiff => {
                app.embedded.diff.running = true;
                app.embedded.diff.started = Some(SystemTime::now());
                spawn::start_diff(config, done);
            }
        }
    }

    /// Whether the generator, the replicator or the processor is running.
    pub fn stages_running(&self) -> bool {
        self.generator.is_some() || self.replicator.is_some() || self.processor.is_some()
    }

    /// Asks every running stage to stop at its next safe point (their `Done` follows); false
    /// when none runs.
    pub fn stop_stages(&mut self) -> bool {
        if let Some(g) = &mut self.generator {
            g.stop.request();
        }
        if let Some(p) = &mut self.processor {
            p.stop.request();
        }
        if let Some(r) = &mut self.replicator {
            r.stop.request();
        }
        self.stages_running()
    }

    /// A background task that panics (the tests' injected panic): the console must go on.
    pub fn spawn_panic(&mut self) {
        self.collectors.push(tokio::spawn(async { panic!("injected panic in a task") }));
    }

    /// Polls every backend now: the collectors (re)start.
    pub(super) fn refresh(&mut self) {
        for c in self.collectors.drain(..) {
            c.abort();
        }
        self.collectors =
            collectors::spawn_all(&self.config, &self.auto_restart, self.updates_tx.clone());
    }

    fn start_processor(&mut self, app: &mut App) {
        self.processor = spawn::start_processor(&self.config, self.done_tx.clone());
        if self.processor.is_none() {
            app.feedback(FeedbackState::Error, "no processor job is configured ([[jobs]])");
        }
    }

    /// A reading goes into the store (and the metrics); redraw only if it changed anything.
    fn on_update(&mut self, app: &mut App, update: Update) -> bool {
        let changed = app.on_update(update);
        if let (true, Some(m)) = (changed, &self.metrics) {
            m.send_replace(crate::metrics::render(&app.store));
        }
        changed
    }

    /// A key press: the app says what it asks for, and the tasks carry it out.
    fn on_key(&mut self, app: &mut App, key: &KeyEvent) -> bool {
        for command in app.on_key(key) {
            self.execute(app, command);
        }
        app.embedded.generator.running = self.generator.is_some();
        app.embedded.replicator.running = self.replicator.is_some();
        app.embedded.processor.running = self.processor.is_some();
        let reading = app.ui.view == crate::ui::ViewId::Events && app.ui.detail.is_some();
        if self.events.is_some() && !reading {
            // Left the view: the read stops.
            self.execute(app, Command::EventsStop);
            app.embedded.events.running = false;
        }
        true
    }

    /// A task ended: show it, and let go of its handle.
    fn on_done(&mut self, app: &mut App, done: Done) -> bool {
        match app.on_done(done) {
            Ended::Action(cluster) => {
                let auto = self.auto_restart.get(cluster).cloned().unwrap_or_default();
                spawn::refresh_soon(&self.config, cluster, auto, self.updates_tx.clone());
            }
            Ended::OffsetsChanged(cluster, name) => {
                let auto = self.auto_restart.get(cluster).cloned().unwrap_or_default();
                spawn::refresh_soon(&self.config, cluster, auto, self.updates_tx.clone());
                super::offsets::read(&self.config, cluster, name, self.done_tx.clone());
            }
            Ended::Generator => self.generator = None,
            Ended::Replicator => self.replicator = None,
            Ended::Processor => self.processor = None,
            Ended::Nothing => {}
        }
        self.after_stage_ended(app);
        true
    }

    /// A running task published progress: the app shows its latest.
    fn on_progress(&mut self, app: &mut App, job: Job) -> bool {
        match job {
            Job::Generator => {
                if let Some(g) = &self.generator {
                    app.on_generator_progress(g.progress.borrow().clone());
                }
            }
            Job::Replicator => {
                if let Some(r) = &self.replicator {
                    app.on_replicator_progress(r.snapshot.borrow().clone());
                }
            }
            Job::Processor => {
                if let Some(p) = &self.processor {
                    app.on_processor_progress(p.snapshot.borrow().clone());
                }
            }
            Job::Events => {
                if let Some(e) = &self.events {
                    app.on_events_progress(e.snapshot.borrow().clone());
                }
            }
        }
        true
    }
}

impl Drop for Tasks {
    /// However the loop ends: the generator stops; the replicator and the processor stop
    /// between batches (what they committed stays); the collectors and the probe end.
    fn drop(&mut self) {
        self.stop_stages();
        for c in &self.collectors {
            c.abort();
        }
        if let Some(l) = &self.latency {
            l.abort();
        }
    }
}

/// The mouse wheel moves the selection; nothing else of the mouse does anything.
fn on_mouse(app: &mut App, mouse: MouseEvent) -> bool {
    let action = match mouse.kind {
        MouseEventKind::ScrollUp => Action::Up,
        MouseEventKind::ScrollDown => Action::Down,
        _ => return false,
    };
    app.perform(action);
    true
}

/// Whether a task's watch channel has a new value; pending while there is no task, `false`
/// once the task has dropped its end (its `Done` follows).
async fn changed<T>(rx: Option<&mut watch::Receiver<T>>) -> bool {
    match rx {
        Some(rx) => rx.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

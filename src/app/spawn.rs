//! What the console runs in its own tasks: the generator, the replicator, the processor, a
//! diff, a job reset and a Connect REST action. Each reports back through `Done` when it ends;
//! the generator, the replicator and the processor publish progress on a watch channel while
//! they run. `Tasks` (tasks.rs) holds the handles.

use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot, watch};

use crate::collectors::{Collector, ConnectCollector, Update, connect};
use crate::config::Config;
use crate::pipeline::diff::{self, TableReport};
use crate::pipeline::generator::{self, Report, Settings};
use crate::pipeline::processor::sink as processor_sink;
use crate::pipeline::processor::{self, ProcessorSnapshot};
use crate::pipeline::replicator::{self, ReplicatorSnapshot};
use crate::pipeline::retry::{self, Supervision};

/// How the embedded stages retry: the default backoff, never fail-fast (the screen shows each
/// retry in the stage's snapshot).
fn how() -> Supervision {
    Supervision::default()
}

/// How the console asks one of its tasks to stop: once, at the task's next safe point (the
/// replicator and the processor between batches); the task reports through `Done` when it has.
pub struct Stop(Option<oneshot::Sender<()>>);

impl Stop {
    /// A request that reaches the task through `tx`.
    pub fn new(tx: oneshot::Sender<()>) -> Self {
        Self(Some(tx))
    }

    pub fn request(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// The embedded generator while it runs.
pub struct Running {
    pub rate: watch::Sender<u32>,
    pub stop: Stop,
    pub progress: watch::Receiver<Report>,
}

/// The embedded replicator while it runs.
pub struct Replicating {
    pub stop: Stop,
    pub snapshot: watch::Receiver<ReplicatorSnapshot>,
}

/// The embedded processor while it runs.
pub struct Processing {
    pub stop: Stop,
    pub paused: watch::Sender<bool>,
    pub snapshot: watch::Receiver<ProcessorSnapshot>,
}

/// What a task reports when it ends (a REST action also names its cluster).
#[derive(Debug)]
pub enum Done {
    Action(String, Result<String, String>, usize),
    Generator(Result<Report, String>),
    Replicator(Result<ReplicatorSnapshot, String>),
    Diff(Result<(Vec<TableReport>, Vec<String>), String>),
    /// A row's story, told or not.
    Story(Result<Box<crate::pipeline::story::RowStory>, String>),
    /// How far the story's search of the key's events is.
    StoryProgress(String),
    Processor(Result<ProcessorSnapshot, String>),
    Reset(Result<String, String>),
    /// A connector's offsets and LSN check, read (boxed: the report is large).
    Offsets(String, Box<Result<connect::Target, String>>),
    /// One step of a guided offsets change.
    OffsetsStep(connect::Step),
    /// The guided offsets change ended (the connector, how, its cluster).
    OffsetsChanged(String, Result<(), String>, usize),
    /// A Flink job's action ended (what, how).
    Flink(String, Result<String, String>),
}

/// Runs `work` in a task of its own and reports how it ended through `done`. A panic is
/// reported as the task's failure, with its message: a stage that died must not stay
/// "running" on screen.
pub(super) fn reported<T: Send + 'static>(
    done: mpsc::Sender<Done>,
    report: impl FnOnce(Result<T, String>) -> Done + Send + 'static,
    work: impl Future<Output = Result<T, String>> + Send + 'static,
) {
    let task = tokio::spawn(work);
    tokio::spawn(async move {
        let result = task.await.unwrap_or_else(|e| Err(ended_abnormally(e)));
        let _ = done.send(report(result)).await;
    });
}

/// What a task that did not return said: its panic message, or that it was cancelled.
fn ended_abnormally(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => {
            let message = p
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            format!("the task panicked: {message} (a bug: please report it with the log)")
        }
        Err(_) => "the task was cancelled".into(),
    }
}

pub fn start_generator(
    config: &Config,
    rate: u32,
    mix: generator::Mix,
    done: mpsc::Sender<Done>,
) -> Running {
    let (rate_tx, rate_rx) = watch::channel(rate.max(1));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (progress_tx, progress) = watch::channel(Report::default());
    let endpoint = config.source.clone();
    reported(done, Done::Generator, async move {
        let settings = Settings { rate: rate.max(1), duration: None, seed: 42, mix };
        let stop = async {
            let _ = stop_rx.await;
        };
        let last = progress_tx.subscribe();
        let progress = Some(progress_tx);
        let ended = retry::generator(&endpoint, &settings, how(), rate_rx, stop, progress, |_| {});
        // Stopped while waiting to retry: what the last attempt wrote.
        let stopped = || Report { retrying: None, ..last.borrow().clone() };
        ended.await.into_result(stopped)
    });
    Running { rate: rate_tx, stop: Stop::new(stop_tx), progress }
}

pub fn start_replicator(config: &Config, done: mpsc::Sender<Done>) -> Replicating {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (tx, snapshot) = watch::channel(ReplicatorSnapshot { running: true, ..Default::default() });
    let config = config.clone();
    reported(done, Done::Replicator, async move {
        let stop = async {
            let _ = stop_rx.await;
        };
        let opts = replicator::Options::default();
        let last = tx.subscribe();
        let ended = retry::replicator(&config, &opts, how(), stop, tx, |_| {}).await;
        ended.into_result(|| ReplicatorSnapshot {
            running: false,
            retrying: None,
            ..last.borrow().clone()
        })
    });
    Replicating { stop: Stop::new(stop_tx), snapshot }
}

/// Every configured replica, bracketed by its own progress (as `cdc-console diff`).
pub fn start_diff(config: &Config, done: mpsc::Sender<Done>) {
    let config = config.clone();
    reported(done, Done::Diff, async move {
        // On a thread and runtime of its own: comparing large tables is long CPU work that
        // must not hold the workers the screen's clock and collectors run on.
        let (tx, rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("diff".into())
            .spawn(move || {
                let result =
                    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        Ok(rt) => rt.block_on(async {
                            let opts = diff::Options {
                                kafka: Some(crate::kafka::client_config(&config)),
                                ..Default::default()
                            };
                            diff::targets::run(&config, &[], &opts).await.map_err(|e| e.to_string())
                        }),
                        Err(e) => Err(format!("the diff's runtime: {e}")),
                    };
                let _ = tx.send(result);
            })
            .map_err(|e| format!("the diff's thread: {e}"))?;
        rx.await.unwrap_or_else(|_| Err("the diff's thread ended without a result".into()))
    });
}

/// The first configured job, exactly once into the sink, as `cdc-console process` runs it.
pub fn start_processor(config: &Config, done: mpsc::Sender<Done>) -> Option<Processing> {
    let job = config.jobs.first()?.clone();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (paused, paused_rx) = watch::channel(false);
    let (tx, snapshot) = watch::channel(ProcessorSnapshot {
        job: job.name.clone(),
        running: true,
        ..Default::default()
    });
    let config = config.clone();
    reported(done, Done::Processor, async move {
        let stop = async {
            let _ = stop_rx.await;
        };
        let opts = processor::Options::default();
        let last = tx.subscribe();
        let ended = retry::processor(&config, &job, &opts, how(), paused_rx, stop, tx, |_| {});
        ended.await.into_result(|| ProcessorSnapshot {
            running: false,
            retrying: None,
            ..last.borrow().clone()
        })
    });
    Some(Processing { stop: Stop::new(stop_tx), paused, snapshot })
}

/// Forgets the first job's checkpoints, partial results, late events and output rows.
pub fn reset_job(config: &Config, done: mpsc::Sender<Done>) {
    let config = config.clone();
    reported(done, Done::Reset, async move {
        let job = config.jobs.first().ok_or("no processor job is configured")?;
        let timeout = config.timeouts.request().max(Duration::from_secs(5));
        let c = crate::pipeline::connect(&config.sink, timeout, "reset")
            .await
            .map_err(|e| format!("{}: {}", config.sink, crate::pg::message(&e)))?;
        processor_sink::reset(&c, job).await.map_err(|e| e.to_string())?;
        Ok(job.name.clone())
    });
}

/// One REST action in its own task; the result comes back as feedback.
pub fn connect_action(
    config: &Config,
    cluster: usize,
    action: connect::ConnectorAction,
    done: mpsc::Sender<Done>,
) {
    let Some(c) = config.connect.get(cluster) else { return };
    let probe = connect::Probe::new(c, config.timeouts.action());
    let what = action.to_string();
    reported(done, move |result| Done::Action(what, result, cluster), async move {
        probe.perform(&action).await.map(|o| o.to_string()).map_err(|e| e.to_string())
    });
}

/// An incremental-snapshot signal in its own task; the result comes back as feedback, and the
/// snapshot collector shows the progress.
pub fn snapshot_signal(
    config: &Config,
    cluster: usize,
    connector: String,
    signal: crate::action::Action,
    done: mpsc::Sender<Done>,
) {
    use crate::action::Action;
    use crate::collectors::snapshot::{Ask, signal as send_signal};
    let Some(c) = config.connect.get(cluster).cloned() else { return };
    let ask = match signal {
        Action::StopSnapshot => Ask::Stop,
        Action::PauseSnapshot => Ask::Pause,
        Action::ResumeSnapshot => Ask::Resume,
        _ => Ask::Execute,
    };
    let config = config.clone();
    let what = format!("{} of {connector}", signal.describe());
    reported(done, move |result| Done::Action(what, result, cluster), async move {
        send_signal(&config, &c, &connector, ask).await
    });
}

/// Polls the acted-on cluster a few times right away, so the state change shows in seconds
/// rather than at the next refresh. With the cluster's auto-restart, so its snapshots keep the
/// auto-restart status (and a restart that falls due is made once, whoever polls).
pub fn refresh_soon(
    config: &Config,
    cluster: usize,
    auto_restart: connect::AutoRestart,
    tx: mpsc::Sender<Update>,
) {
    let Some(mut collector) = ConnectCollector::new(config, cluster, auto_restart) else { return };
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

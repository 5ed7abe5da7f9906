//! The generator, the replicator and the processor under [`supervise`]: each stage's snapshot
//! (or progress) shows when it waits to retry, and `told` hears of each retry too (the CLI
//! prints it).

use std::future::Future;

use tokio::sync::watch;

use super::{Ended, Retryable, Retrying, Supervision, supervise};
use crate::pipeline as stage;

impl Retryable for stage::replicator::ReplicatorError {
    fn retryable(&self) -> bool {
        Self::retryable(self)
    }
}

impl Retryable for stage::processor::ProcessorError {
    fn retryable(&self) -> bool {
        Self::retryable(self)
    }
}

impl Retryable for stage::generator::GeneratorError {
    fn retryable(&self) -> bool {
        Self::retryable(self)
    }
}

/// The replicator ([`stage::replicator::run`]) under [`supervise`]: its snapshot shows when it
/// waits to retry; `told` hears of each retry too (the CLI prints it).
pub async fn replicator(
    config: &crate::config::Config,
    opts: &stage::replicator::Options,
    how: Supervision,
    stop: impl Future<Output = ()>,
    snapshot: watch::Sender<stage::replicator::ReplicatorSnapshot>,
    mut told: impl FnMut(Option<&Retrying>),
) -> Ended<stage::replicator::ReplicatorSnapshot, stage::replicator::ReplicatorError> {
    let tx = snapshot.clone();
    supervise(
        how,
        stop,
        |stop| stage::replicator::run(config, opts, stop, snapshot.clone()),
        |r| {
            tx.send_modify(|s| s.retrying = r.cloned());
            told(r);
        },
    )
    .await
}

/// The processor's job ([`stage::processor::run`]) under [`supervise`], as [`replicator`].
#[expect(
    clippy::too_many_arguments,
    reason = "processor::run's own, and the supervision and its listener"
)]
pub async fn processor(
    config: &crate::config::Config,
    job: &crate::config::job::JobConfig,
    opts: &stage::processor::Options,
    how: Supervision,
    paused: watch::Receiver<bool>,
    stop: impl Future<Output = ()>,
    snapshot: watch::Sender<stage::processor::ProcessorSnapshot>,
    mut told: impl FnMut(Option<&Retrying>),
) -> Ended<stage::processor::ProcessorSnapshot, stage::processor::ProcessorError> {
    let tx = snapshot.clone();
    supervise(
        how,
        stop,
        |stop| stage::processor::run(config, job, opts, paused.clone(), stop, snapshot.clone()),
        |r| {
            tx.send_modify(|s| s.retrying = r.cloned());
            told(r);
        },
    )
    .await
}

/// The generator ([`stage::generator::run_steered`]) under [`supervise`]: each attempt
/// reconnects and carries on at the current rate; its `progress` and `told` hear of each retry.
pub async fn generator(
    endpoint: &crate::config::PostgresEndpoint,
    settings: &stage::generator::Settings,
    how: Supervision,
    rate: watch::Receiver<u32>,
    stop: impl Future<Output = ()>,
    progress: Option<watch::Sender<stage::generator::Report>>,
    mut told: impl FnMut(Option<&Retrying>),
) -> Ended<stage::generator::Report, stage::generator::GeneratorError> {
    let tx = progress.clone();
    supervise(
        how,
        stop,
        |stop| {
            stage::generator::run_steered(endpoint, settings, rate.clone(), stop, progress.clone())
        },
        |r| {
            if let Some(tx) = &tx {
                tx.send_modify(|p| p.retrying = r.cloned());
            }
            told(r);
        },
    )
    .await
}

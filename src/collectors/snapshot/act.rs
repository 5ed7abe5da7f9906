//! One signal from the TUI: the connector's config read first (its channels, its captured
//! tables), then the signal sent through its default channel, answered with one sentence.

use super::{Signalling, SnapshotSignal, send};
use crate::collectors::connect::Probe;
use crate::config::{Config, ConnectCluster};

/// What the TUI can ask for; `Execute` snapshots the tables the connector captures
/// (`table.include.list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Execute,
    Stop,
    Pause,
    Resume,
}

/// Sends `ask` to `connector` of `cluster`; the sentence says what went where, or why not.
pub async fn signal(
    config: &Config,
    cluster: &ConnectCluster,
    connector: &str,
    ask: Ask,
) -> Result<String, String> {
    let probe = Probe::new(cluster, config.timeouts.action());
    let detail = probe.describe(connector).await.map_err(|e| e.to_string())?;
    let signalling =
        Signalling::of(connector, &detail.connector.config).map_err(|e| e.to_string())?;
    let signal = match ask {
        Ask::Execute if signalling.captured.is_empty() => {
            return Err(format!("connector {connector}: no table.include.list to snapshot"));
        }
        Ask::Execute => SnapshotSignal::Execute(signalling.captured.clone()),
        Ask::Stop => SnapshotSignal::Stop(Vec::new()),
        Ask::Pause => SnapshotSignal::Pause,
        Ask::Resume => SnapshotSignal::Resume,
    };
    let channel = signalling.channel(None).map_err(|e| e.to_string())?;
    let id = send(config, &signalling, channel, &signal).await.map_err(|e| e.to_string())?;
    Ok(format!("sent {} {id} to {connector} ({} channel)", signal.kind(), channel.name()))
}

//! One connector's offsets with, for a Debezium PostgreSQL connector, the three-way LSN check:
//! what `connectors offsets get` prints and the TUI's offsets pane shows.

use std::time::Duration;

use serde::Serialize;

use super::lsn_check::{self, LsnCheck, Settings, SlotReading};
use super::offsets::StoredOffset;
use super::{ConnectError, Probe};
use crate::config::PostgresEndpoint;
use crate::pipeline::diff::inflight::Lsn;

/// Debezium's PostgreSQL connector class: its offsets are LSNs the check understands.
pub const DEBEZIUM_POSTGRES: &str = "io.debezium.connector.postgresql.PostgresConnector";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OffsetsReport {
    pub connector: String,
    pub state: String,
    pub class: String,
    pub offsets: Vec<StoredOffset>,
    /// For a Debezium PostgreSQL connector whose source could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsn_check: Option<LsnCheck>,
    /// Why there is no check (another connector class, the source unreachable…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_check: Option<String>,
}

/// What a set or reset needs to know about the connector before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub report: OffsetsReport,
    /// The Debezium partition's server (`topic.prefix`), for a `--lsn` body.
    pub server: Option<String>,
    /// The slot and WAL as read, to judge a target LSN before it is set.
    pub source: Option<SlotReading>,
    pub settings: Settings,
}

impl Target {
    /// The verdict on resuming at `lsn` (as if stopped), when the source could be read.
    pub fn judge(&self, lsn: Lsn) -> Option<LsnCheck> {
        let slot = self.report.lsn_check.as_ref()?.slot_name.clone();
        let settings = Settings { running: false, ..self.settings.clone() };
        Some(lsn_check::check(slot, Some(lsn), self.source.clone()?, &settings))
    }
}

impl Probe {
    /// The offsets and, for Debezium PostgreSQL, the check against `source` (the console's
    /// configured source: slots and the WAL are server-wide).
    pub async fn offsets_target(
        &self,
        name: &str,
        source: &PostgresEndpoint,
        timeout: Duration,
    ) -> Result<Target, ConnectError> {
        let (config, offsets, (state, _)) =
            tokio::try_join!(self.raw_config(name), self.offsets(name), self.states(name))?;
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let settings = Settings::of(&config, state == "RUNNING");
        let mut report = OffsetsReport {
            connector: name.to_string(),
            state,
            class: class.clone(),
            offsets,
            lsn_check: None,
            no_check: None,
        };
        if class != DEBEZIUM_POSTGRES {
            report.no_check = Some(format!("{class} is not Debezium's PostgreSQL connector"));
            return Ok(Target { report, server: None, source: None, settings });
        }
        let server = config.get("topic.prefix").cloned();
        let slot = lsn_check::slot_name(&config);
        let resume = report.offsets.iter().find_map(|o| o.debezium.as_ref()?.resume_lsn());
        let source = match lsn_check::read_slot(source, &slot, timeout).await {
            Ok(r) => Some(r),
            Err(e) => {
                report.no_check = Some(format!("the source could not be read: {e}"));
                None
            }
        };
        if let Some(reading) = &source {
            report.lsn_check = Some(lsn_check::check(slot, resume, reading.clone(), &settings));
        }
        Ok(Target { report, server, source, settings })
    }
}

//! One replica as the replicator applies it: its config, its plan (columns, key, merge
//! statements), the offsets it stored, and why it stopped if it did (the others go on).

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::Client;

use super::error::ReplicaError;
use super::offsets::{self, Offsets};
use super::{ReplicatorError, apply, schema, staging};
use crate::config::{Config, ReplicaConfig};

#[derive(Clone)]
pub(super) struct Replica {
    pub cfg: ReplicaConfig,
    pub plan: Option<schema::Plan>,
    /// The merge statements for staging tables 0 and 1, each without and with `DISTINCT ON`.
    pub merge: [[String; 2]; 2],
    pub offsets: Offsets,
    pub error: Option<Arc<ReplicaError>>,
    pub applied: u64,
}

impl Replica {
    pub fn active(&self) -> bool {
        self.error.is_none() && self.plan.is_some()
    }
    /// Whether this replica still has to apply `offset` of (topic, partition).
    pub fn wants(&self, topic: &str, partition: i32, offset: i64) -> bool {
        self.active()
            && self.cfg.topic == topic
            && self.offsets.get(&(topic.to_string(), partition)).is_none_or(|&next| offset >= next)
    }
    pub fn fail(&mut self, e: impl Into<ReplicaError>) {
        let e = e.into();
        tracing::error!(replica = %self.cfg.name, "replica stopped: {e}");
        self.error = Some(Arc::new(e));
    }
}

/// (Re)reads the source table, plans the replica and brings its sink table and its staging
/// tables up to date. No batch may be in flight (the staging tables are dropped).
pub(super) async fn prepare(source: &Client, sink: &Client, r: &mut Replica) {
    if let Err(e) = plan(source, sink, r).await {
        r.fail(e);
    }
}

async fn plan(source: &Client, sink: &Client, r: &mut Replica) -> Result<(), ReplicaError> {
    let shape = crate::pg::read_shape(source, &r.cfg.source)
        .await
        .map_err(ReplicaError::Source)?
        .ok_or_else(|| ReplicaError::NoSourceTable(r.cfg.source.clone()))?;
    let plan = schema::plan(&r.cfg, &shape)?;
    schema::ensure_sink(sink, &r.cfg, &plan).await?;
    sink.batch_execute(&apply::stage_ddl(&r.cfg.name, &plan)).await.map_err(ReplicaError::Sink)?;
    r.merge = [0, 1].map(|parity| {
        [false, true].map(|distinct| apply::merge_sql(parity, distinct, &r.cfg, &plan))
    });
    r.plan = Some(plan);
    Ok(())
}

/// The configured replicas, each claimed for this run and prepared (or stopped, saying why);
/// then the staging tables of replicas no replicator applies any more are dropped. Fails when
/// no replica can run.
pub(super) async fn open(
    config: &Config,
    source: &Client,
    sink: &Client,
    timeout: Duration,
) -> Result<Vec<Replica>, ReplicatorError> {
    let mut replicas = Vec::new();
    for cfg in &config.replicas {
        let offsets = offsets::load(sink, &cfg.name)
            .await
            .map_err(ReplicatorError::sink("loading offsets"))?;
        let mut r = Replica {
            cfg: cfg.clone(),
            plan: None,
            merge: Default::default(),
            offsets,
            error: None,
            applied: 0,
        };
        match staging::claim(sink, &cfg.name, timeout).await {
            Ok(()) => prepare(source, sink, &mut r).await,
            Err(e) => r.fail(e),
        }
        replicas.push(r);
    }
    let ours: Vec<&str> = config.replicas.iter().map(|r| r.name.as_str()).collect();
    match staging::sweep(sink, &ours).await {
        Ok(dropped) if !dropped.is_empty() => {
            tracing::info!(tables = ?dropped, "dropped the staging tables of replicas no replicator applies");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(
            "sweeping staging tables of removed replicas: {}",
            crate::pg::message(&e)
        ),
    }
    if !replicas.iter().any(Replica::active) {
        return Err(ReplicatorError::NoReplica(
            replicas.iter().filter_map(|r| r.error.clone()).collect(),
        ));
    }
    Ok(replicas)
}

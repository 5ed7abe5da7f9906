//! PostgreSQL, source and sink: server facts, replication slots, captured tables.
//!
//! Layout: `slots` reads the slots and the WAL they hold; `history` turns polls into rates and
//! "since when".

mod history;
mod slots;

use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::{CollectError, bounded};
use crate::config::{Config, PostgresEndpoint};
use crate::pipeline::deadletter::{self, ConsumerLetters, Letter};
pub use history::WINDOW as RATE_WINDOW;
pub use slots::{ReplicationSlot, SourceChanges, WalFacts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Source,
    Sink,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostgresSnapshot {
    pub server_version: String,
    pub wal_level: String,
    /// None on a standby, where there is no current WAL insert position.
    pub current_wal_lsn: Option<String>,
    /// WAL written, the slot limit, `pg_wal`'s size.
    pub wal: WalFacts,
    /// The captured tables' own change rate (what the connector should carry).
    pub changes: SourceChanges,
    pub slots: Vec<ReplicationSlot>,
    /// The configured captured tables found in this database.
    pub tables: Vec<TableInfo>,
    /// Publications and the tables they carry (pgoutput streams only published tables).
    pub publications: Vec<Publication>,
    /// Tables in the console's own `cdc` schema (replicas, aggregates, offsets, dead letters).
    pub console_tables: Vec<ConsoleTable>,
    /// Per consumer of the change stream, the newest source LSN it has applied here (from
    /// `cdc.progress`, once the replicator or processor writes it).
    pub applied: Vec<AppliedLsn>,
    /// The sink's `cdc.dead_letters` per consumer (empty on the source).
    pub dead_letters: DeadLetters,
}

impl PostgresSnapshot {
    /// A server with nothing in it: what fixtures start from.
    pub fn empty() -> Self {
        Self {
            server_version: String::new(),
            wal_level: String::new(),
            current_wal_lsn: None,
            wal: WalFacts::default(),
            changes: SourceChanges::default(),
            slots: Vec::new(),
            tables: Vec::new(),
            publications: Vec::new(),
            console_tables: Vec::new(),
            applied: Vec::new(),
            dead_letters: DeadLetters::default(),
        }
    }
}

/// The sink's dead letters: per consumer, counted with reasons grouped; the newest letters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeadLetters {
    pub consumers: Vec<ConsumerLetters>,
    /// Newest first, at most [`NEWEST_LETTERS`].
    pub newest: Vec<Letter>,
}

/// How many of the newest letters the sink's probe reads.
pub const NEWEST_LETTERS: i64 = 20;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publication {
    pub name: String,
    pub all_tables: bool,
    pub tables: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsoleTable {
    pub name: String,
    /// Live rows as the statistics collector counts them: cheap to read every poll, exact once
    /// autovacuum has caught up; the diff counts exactly.
    pub live_rows: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedLsn {
    pub consumer: String,
    pub lsn: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableInfo {
    pub name: String,
    /// `full`, `default`, `index` or `nothing`; retractions need `full`.
    pub replica_identity: String,
    pub estimated_rows: i64,
}

#[derive(Clone)]
pub struct Probe {
    pub role: Role,
    endpoint: PostgresEndpoint,
    tables: Vec<String>,
    timeout: Duration,
    history: history::History,
}

impl Probe {
    pub fn new(role: Role, config: &Config) -> Self {
        let endpoint = match role {
            Role::Source => config.source.clone(),
            Role::Sink => config.sink.clone(),
        };
        Self {
            role,
            endpoint,
            tables: config.tables.iter().map(|t| t.name.clone()).collect(),
            timeout: config.timeouts.request(),
            history: history::History::default(),
        }
    }

    /// Connects, reads, disconnects. A connection per poll keeps a restarted server from
    /// leaving the collector holding a dead client, and costs a few ms every couple of seconds.
    pub async fn collect(&mut self) -> Result<PostgresSnapshot, CollectError> {
        let name = self.endpoint.to_string();
        bounded(&name, self.timeout, async {
            let (client, conn) = crate::pg::connect(&self.endpoint, self.timeout)
                .await
                .map_err(|e| self.error(e))?;
            let conn = tokio::spawn(conn);
            let result = self.read(&client).await;
            drop(client);
            let _ = conn.await;
            result
        })
        .await
        .map(|mut s| {
            self.history.observe(&mut s, SystemTime::now());
            s
        })
    }

    async fn read(&self, c: &tokio_postgres::Client) -> Result<PostgresSnapshot, CollectError> {
        let facts = c
            .query_one(
                "SELECT current_setting('server_version'), current_setting('wal_level'),
                        CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END",
                &[],
            )
            .await
            .map_err(|e| self.error(e))?;
        Ok(PostgresSnapshot {
            server_version: facts.get(0),
            wal_level: facts.get(1),
            current_wal_lsn: facts.get(2),
            wal: self.wal(c).await?,
            changes: self.changes(c).await?,
            slots: self.slots(c).await?,
            tables: self.tables(c).await?,
            publications: self.publications(c).await?,
            console_tables: self.console_tables(c).await?,
            applied: self.applied(c).await?,
            dead_letters: self.dead_letters(c).await?,
        })
    }

    /// Every replication slot with the WAL it retains, its lag and its status.
    async fn slots(
        &self,
        c: &tokio_postgres::Client,
    ) -> Result<Vec<ReplicationSlot>, CollectError> {
        let rows = c.query(slots::SLOTS, &[]).await.map_err(|e| self.error(e))?;
        Ok(rows.iter().map(slots::slot).collect())
    }

    /// The WAL position and limits, and `pg_wal`'s size where the role may list it.
    async fn wal(&self, c: &tokio_postgres::Client) -> Result<WalFacts, CollectError> {
        let r = c.query_one(slots::WAL, &[]).await.map_err(|e| self.error(e))?;
        let (pg_wal_bytes, pg_wal_error) = match c.query_one(slots::WAL_DIR, &[]).await {
            Ok(row) => (row.get(0), None),
            Err(e) if e.as_db_error().is_some() => (None, Some(crate::pg::message(&e))),
            Err(e) => return Err(self.error(e)),
        };
        Ok(WalFacts {
            current_bytes: r.get(0),
            bytes_per_sec: None,
            max_slot_wal_keep_size: r.get(1),
            max_wal_size: r.get(2),
            pg_wal_bytes,
            pg_wal_error,
        })
    }

    /// Rows changed in the captured tables (the rate comes from the history).
    async fn changes(&self, c: &tokio_postgres::Client) -> Result<SourceChanges, CollectError> {
        let r = c.query_one(slots::CHANGES, &[&self.tables]).await.map_err(|e| self.error(e))?;
        Ok(SourceChanges { total: r.get(0), per_sec: None })
    }

    /// The configured tables' replica identity and estimated rows.
    async fn tables(&self, c: &tokio_postgres::Client) -> Result<Vec<TableInfo>, CollectError> {
        Ok(c.query(
            "SELECT n.nspname || '.' || c.relname,
                        CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'd' THEN 'default'
                             WHEN 'i' THEN 'index' ELSE 'nothing' END,
                        greatest(c.reltuples, 0)::bigint
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = ANY($1)
                  ORDER BY 1",
            &[&self.tables],
        )
        .await
        .map_err(|e| self.error(e))?
        .iter()
        .map(|r| TableInfo { name: r.get(0), replica_identity: r.get(1), estimated_rows: r.get(2) })
        .collect())
    }

    /// Publications and the tables they publish.
    async fn publications(
        &self,
        c: &tokio_postgres::Client,
    ) -> Result<Vec<Publication>, CollectError> {
        Ok(c
            .query(
                "SELECT p.pubname::text, p.puballtables,
                        coalesce(array_agg(t.schemaname || '.' || t.tablename ORDER BY t.schemaname, t.tablename)
                                 FILTER (WHERE t.tablename IS NOT NULL), '{}')
                   FROM pg_publication p LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname
                  GROUP BY p.pubname, p.puballtables ORDER BY 1",
                &[],
            )
            .await
            .map_err(|e| self.error(e))?
            .iter()
            .map(|r| Publication { name: r.get(0), all_tables: r.get(1), tables: r.get(2) })
            .collect())
    }

    /// The console's own tables (schema `cdc`) with their live rows.
    async fn console_tables(
        &self,
        c: &tokio_postgres::Client,
    ) -> Result<Vec<ConsoleTable>, CollectError> {
        Ok(c.query(
            "SELECT schemaname || '.' || relname, n_live_tup FROM pg_stat_user_tables
                  WHERE schemaname = 'cdc' ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| self.error(e))?
        .iter()
        .map(|r| ConsoleTable { name: r.get(0), live_rows: r.get(1) })
        .collect())
    }

    /// Reads `cdc.progress` when the console has created it; absent means nothing applied yet.
    async fn applied(&self, c: &tokio_postgres::Client) -> Result<Vec<AppliedLsn>, CollectError> {
        let exists: bool = c
            .query_one("SELECT to_regclass('cdc.progress') IS NOT NULL", &[])
            .await
            .map_err(|e| self.error(e))?
            .get(0);
        if !exists {
            return Ok(Vec::new());
        }
        Ok(c.query(
            "SELECT consumer, max(source_lsn)::text FROM cdc.progress GROUP BY consumer ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| self.error(e))?
        .iter()
        .filter_map(|r| {
            Some(AppliedLsn { consumer: r.get(0), lsn: r.get::<_, Option<String>>(1)? })
        })
        .collect())
    }

    async fn dead_letters(&self, c: &tokio_postgres::Client) -> Result<DeadLetters, CollectError> {
        if self.role != Role::Sink {
            return Ok(DeadLetters::default());
        }
        let exists: bool = c
            .query_one("SELECT to_regclass('cdc.dead_letters') IS NOT NULL", &[])
            .await
            .map_err(|e| self.error(e))?
            .get(0);
        if !exists {
            return Ok(DeadLetters::default());
        }
        Ok(DeadLetters {
            consumers: deadletter::summary(c, None).await.map_err(|e| self.error(e))?,
            newest: deadletter::newest(c, None, NEWEST_LETTERS).await.map_err(|e| self.error(e))?,
        })
    }

    fn error(&self, e: tokio_postgres::Error) -> CollectError {
        let endpoint = self.endpoint.to_string();
        if let Some(db) = e.as_db_error() {
            // Authentication and missing databases need a human; shutdown-in-progress does not.
            let retryable = db.code().code().starts_with("57");
            let message = match crate::pg::hint(&e) {
                Some(hint) => format!("{} — {hint}", db.message()),
                None => db.message().to_string(),
            };
            return CollectError::Backend { endpoint, message, retryable };
        }
        if crate::pg::hint(&e).is_some() {
            // A certificate or TLS setting that is wrong stays wrong until someone changes it.
            return CollectError::Backend {
                endpoint,
                message: crate::pg::message(&e),
                retryable: false,
            };
        }
        let mut reason = e.to_string();
        let mut cur: &dyn std::error::Error = &e;
        while let Some(next) = cur.source() {
            reason = next.to_string();
            cur = next;
        }
        if reason.contains("timed out") {
            return CollectError::Timeout { endpoint, after: self.timeout };
        }
        CollectError::Unreachable { endpoint, reason }
    }
}

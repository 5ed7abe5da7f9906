//! The story's I/O: the source row and its writer (`xmin`), each replica's rows and applied
//! positions in the sink, and the key's events on the topic (read at the same time, on a
//! blocking thread, with progress).

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio_postgres::Client;

use super::key::{KeyError, parse_key};
use super::verdict::{Facts, LastEvent, Position, Verdict, judge};
use super::{ReplicaStory, RowStory};
use crate::config::{Config, ReplicaConfig};
use crate::pg::{TableShape, ident, qualified, read_shape};
use crate::pipeline::envelope::Op;
use crate::pipeline::events::{self, Body, ChangeEvent, ScanProgress, SearchOptions};
use crate::pipeline::replicator::schema;

#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    #[error("{what}: {}", crate::pg::message(source))]
    Db {
        what: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("source table {0} does not exist")]
    NoTable(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn db(what: &str) -> impl FnOnce(tokio_postgres::Error) -> StoryError + '_ {
    move |source| StoryError::Db { what: what.to_string(), source }
}

/// The story of `table`'s row with key `key` (JSON, or a bare value for a one-column key).
pub async fn tell(
    config: &Config,
    table: &str,
    key: &str,
    progress: Arc<dyn Fn(&ScanProgress) + Send + Sync>,
) -> Result<RowStory, StoryError> {
    let timeout = config.timeouts.request();
    let source = crate::pipeline::connect(&config.source, timeout, "row story")
        .await
        .map_err(db("source"))?;
    let shape = read_shape(&source, table)
        .await
        .map_err(db(table))?
        .ok_or_else(|| StoryError::NoTable(table.to_string()))?;
    let key = parse_key(table, &shape.key, key)?;
    // Typed as the table types it ("42" of a bigint is 42), so it matches the events' keys.
    let key = Lookup { table, shape: &shape, key: &key }.typed(&source).await?;
    // Typed as the table types it ("42" of a bigint is 42), so it matches the events' keys.
    let key = Lookup { table, shape: &shape, key: &key }.typed(&source).await?;
    let replicas: Vec<&ReplicaConfig> =
        config.replicas.iter().filter(|r| r.source == table).collect();
    let topic = replicas
        .first()
        .map(|r| r.topic.clone())
        .or_else(|| config.tables.iter().find(|t| t.name == table).map(|t| t.topic.clone()));
    let searching = topic.clone().map(|topic| {
        let opts = SearchOptions { timeout, ..SearchOptions::default() };
        let client = crate::kafka::client_config(config);
        tokio::spawn(events::search_key(client, topic, Value::Object(key.clone()), opts, progress))
    });
    let row = Lookup { table, shape: &shape, key: &key };
    let (source_row, source_xmin) = row.source(&source).await?;
    let (events, events_scanned, events_error) = match searching {
        None => (
            Vec::new(),
            0,
            Some(format!("no topic is configured for {table} ([[tables]] or [[replicas]])")),
        ),
        Some(task) => match task.await {
            Ok(Ok(found)) => (found.events, found.scanned, None),
            Ok(Err(e)) => (Vec::new(), 0, Some(e.to_string())),
            Err(e) => (Vec::new(), 0, Some(e.to_string())),
        },
    };
    let mut story = RowStory {
        table: table.to_string(),
        key: key.clone(),
        source_row,
        source_xmin,
        topic,
        events,
        events_scanned,
        events_error,
        replicas: Vec::new(),
    };
    if replicas.is_empty() {
        return Ok(story);
    }
    let sink =
        crate::pipeline::connect(&config.sink, timeout, "row story").await.map_err(db("sink"))?;
    for r in replicas {
        let replica = row.replica(&source, &sink, r, &story).await;
        story.replicas.push(replica);
    }
    Ok(story)
}

/// The key's newest event (the highest offset of the key's partition; the delete's tombstone
/// counts as the delete).
fn last_event(events: &[ChangeEvent]) -> Option<LastEvent> {
    let e = events.iter().max_by_key(|e| (e.timestamp_ms, e.offset))?;
    let change = e.change();
    Some(LastEvent {
        partition: e.partition,
        offset: e.offset,
        deletes: matches!(e.body, Body::Tombstone) || change.is_some_and(|c| c.op == Op::Delete),
        snapshot: change.is_some_and(|c| c.snapshot || c.op == Op::Read),
        tx_id: change.and_then(|c| c.tx_id),
    })
}

/// One row of one table, by key.
struct Lookup<'a> {
    table: &'a str,
    shape: &'a TableShape,
    key: &'a Map<String, Value>,
}

impl Lookup<'_> {
    /// The key's values as text parameters, in key order.
    fn params(&self) -> Vec<String> {
        self.key
            .values()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    /// `a = $1::text::bigint AND …` over `columns` (the key's names on that side), typed as the
    /// source's key columns.
    fn condition(&self, columns: &[String]) -> String {
        let ty = |source_col: &String| {
            self.shape
                .columns
                .iter()
                .find(|c| &c.name == source_col)
                .map_or("text", |c| c.ty.as_str())
        };
        self.key
            .keys()
            .zip(columns)
            .enumerate()
            .map(|(i, (k, col))| format!("t.{} = ${}::text::{}", ident(col), i + 1, ty(k)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The key's values as PostgreSQL's JSON has them for the key columns' types.
    async fn typed(&self, c: &Client) -> Result<Map<String, Value>, StoryError> {
        let ty = |k: &String| {
            self.shape.columns.iter().find(|c| &c.name == k).map_or("text", |c| c.ty.as_str())
        };
        let fields: Vec<String> = self
            .key
            .keys()
            .enumerate()
            .map(|(i, k)| format!("'{}', ${}::text::{}", k.replace('\'', "''"), i + 1, ty(k)))
            .collect();
        let sql = format!("SELECT jsonb_build_object({})", fields.join(", "));
        let params = self.params();
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        let row = c.query_one(&sql, &refs).await.map_err(db("the key"))?;
        Ok(as_object(row.get(0)).unwrap_or_default())
    }

    async fn source(
        &self,
        c: &Client,
    ) -> Result<(Option<Map<String, Value>>, Option<i64>), StoryError> {
        let keys: Vec<String> = self.key.keys().cloned().collect();
        let sql = format!(
            "SELECT to_jsonb(t), t.xmin::text::bigint FROM {} t WHERE {}",
            qualified(self.table),
            self.condition(&keys)
        );
        let params = self.params();
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        let row = c.query_opt(&sql, &refs).await.map_err(db(self.table))?;
        Ok(match row {
            Some(r) => (as_object(r.get(0)), r.get(1)),
            None => (None, None),
        })
    }

    /// A replica's rows, position and verdict; a failure to read it is said in the story.
    async fn replica(
        &self,
        source: &Client,
        sink: &Client,
        r: &ReplicaConfig,
        story: &RowStory,
    ) -> ReplicaStory {
        match self.read_replica(source, sink, r, story).await {
            Ok(s) => s,
            Err(e) => ReplicaStory {
                replica: r.name.clone(),
                sink_table: r.sink.clone(),
                rows: Vec::new(),
                differs: Vec::new(),
                applied: Vec::new(),
                verdict: Verdict::Unknown,
                why: "the replica could not be read".into(),
                error: Some(e.to_string()),
            },
        }
    }

    async fn read_replica(
        &self,
        source: &Client,
        sink: &Client,
        r: &ReplicaConfig,
        story: &RowStory,
    ) -> Result<ReplicaStory, StoryError> {
        let plan = schema::plan(r, self.shape)
            .map_err(|e| StoryError::NoTable(format!("{} ({e})", r.source)))?;
        let params = self.params();
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        let texts = |side: &dyn Fn(&schema::Mapped) -> &String| {
            plan.columns
                .iter()
                .map(|m| format!("t.{}::text", ident(side(m))))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let source_keys: Vec<String> = self.key.keys().cloned().collect();
        let sink_keys: Vec<String> = source_keys
            .iter()
            .map(|k| {
                plan.columns
                    .iter()
                    .find(|m| &m.source == k)
                    .map_or_else(|| k.clone(), |m| m.sink.clone())
            })
            .collect();
        let filter = r.filter.as_ref().map(|f| format!(" AND ({f})")).unwrap_or_default();
        let kept_sql = format!(
            "SELECT ARRAY[{}] FROM {} t WHERE {}{filter}",
            texts(&|m| &m.source),
            qualified(self.table),
            self.condition(&source_keys)
        );
        let kept: Option<Vec<Option<String>>> =
            source.query_opt(&kept_sql, &refs).await.map_err(db(self.table))?.map(|row| row.get(0));
        let sink_sql = format!(
            "SELECT to_jsonb(t), ARRAY[{}] FROM {} t WHERE {}",
            texts(&|m| &m.sink),
            qualified(&r.sink),
            self.condition(&sink_keys)
        );
        let found = sink.query(&sink_sql, &refs).await.map_err(db(&r.sink))?;
        let rows: Vec<Map<String, Value>> =
            found.iter().filter_map(|row| as_object(row.get(0))).collect();
        let values: Vec<Vec<Option<String>>> = found.iter().map(|row| row.get(1)).collect();
        let differs: Vec<String> = match (&kept, values.as_slice()) {
            (None, []) => Vec::new(),
            (Some(k), [v]) => plan
                .columns
                .iter()
                .zip(k.iter().zip(v))
                .filter(|(_, (a, b))| a != b)
                .map(|(m, _)| m.sink.clone())
                .collect(),
            _ => plan.columns.iter().map(|m| m.sink.clone()).collect(),
        };
        let equal = match (&kept, values.as_slice()) {
            (None, []) => true,
            (Some(_), [_]) => differs.is_empty(),
            _ => false,
        };
        let applied = applied(sink, &r.name, &r.topic).await?;
        let last = last_event(&story.events);
        let (verdict, why) = judge(&Facts {
            equal,
            in_source: story.source_row.is_some(),
            source_xmin: story.source_xmin,
            last: last.as_ref(),
            events_error: story.events_error.as_deref(),
            applied: &applied,
        });
        Ok(ReplicaStory {
            replica: r.name.clone(),
            sink_table: r.sink.clone(),
            rows,
            differs,
            applied,
            verdict,
            why,
            error: None,
        })
    }
}

fn as_object(v: Option<Value>) -> Option<Map<String, Value>> {
    match v {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// The replica's applied positions on `topic` (`cdc.progress`), none before it applied any.
async fn applied(sink: &Client, consumer: &str, topic: &str) -> Result<Vec<Position>, StoryError> {
    let exists: bool = sink
        .query_one("SELECT to_regclass('cdc.progress') IS NOT NULL", &[])
        .await
        .map_err(db("cdc.progress"))?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    Ok(sink
        .query(
            "SELECT partition, next_offset, source_lsn::text FROM cdc.progress WHERE consumer = $1 AND topic = $2 ORDER BY partition",
            &[&consumer, &topic],
        )
        .await
        .map_err(db("cdc.progress"))?
        .iter()
        .map(|r| Position { partition: r.get(0), next_offset: r.get(1), source_lsn: r.get(2) })
        .collect())
}

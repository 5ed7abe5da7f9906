//! A job's output topic through a transactional outbox: the batch's output rows are inserted
//! into `cdc.processor_outbox` in the batch's own transaction and sent after it commits, so only
//! committed values ever reach the topic; a crash before they are sent and deleted sends them
//! again, in order (at least once; a reader keeps the last record per key and window).

use tokio_postgres::{Client, Transaction};

use super::error::ProcessorError;
use super::output::key_text;
use crate::config::job::JobConfig;
use crate::pipeline::processor::{GroupKey, Window};

/// One output row as written: the aggregates, or None when the window was emptied (deleted).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub key: GroupKey,
    pub window: Window,
    pub values: Option<Vec<(String, Option<crate::pipeline::processor::Decimal>)>>,
}

impl Written {
    /// The JSON record for the job's output topic.
    pub fn to_json(&self, job: &JobConfig) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("job".into(), job.name.clone().into());
        for (g, v) in job.group_by.iter().zip(&self.key) {
            m.insert(
                g.clone(),
                key_text(v).map_or(serde_json::Value::Null, serde_json::Value::String),
            );
        }
        m.insert("window_start".into(), crate::units::epoch_ms(self.window.start).into());
        m.insert("window_end".into(), crate::units::epoch_ms(self.window.end).into());
        m.insert("deleted".into(), self.values.is_none().into());
        for (c, v) in self.values.iter().flatten() {
            m.insert(
                c.clone(),
                v.map_or(serde_json::Value::Null, |d| serde_json::Value::String(d.to_string())),
            );
        }
        serde_json::Value::Object(m)
    }
}

/// Inside the batch's transaction: the rows for the output topic, so only committed values are
/// ever sent (`relay` sends them after the commit).
pub async fn write(
    tx: &Transaction<'_>,
    job: &JobConfig,
    written: &[Written],
) -> Result<(), tokio_postgres::Error> {
    for w in written {
        let key = serde_json::to_string(&w.key).unwrap_or_default();
        tx.execute(
            "INSERT INTO cdc.processor_outbox (job, key, payload) VALUES ($1, $2, $3)",
            &[&job.name, &key, &w.to_json(job).to_string()],
        )
        .await?;
    }
    Ok(())
}

/// Sends the job's committed outbox rows to `topic` in order, waits for the broker, then deletes
/// them: at least once (a crash before the delete sends them again, in the same order).
pub async fn relay(
    c: &Client,
    producer: &rdkafka::producer::BaseProducer,
    job: &str,
    topic: &str,
    timeout: std::time::Duration,
) -> Result<usize, ProcessorError> {
    use rdkafka::producer::Producer;
    let sent = |source| ProcessorError::OutputTopic { topic: topic.to_string(), source };
    let rows = c
        .query(
            "SELECT id, key, payload FROM cdc.processor_outbox WHERE job = $1 ORDER BY id",
            &[&job],
        )
        .await
        .map_err(ProcessorError::Sink)?;
    let Some(last) = rows.last().map(|r| r.get::<_, i64>(0)) else { return Ok(0) };
    for r in &rows {
        let (key, payload): (String, String) = (r.get(1), r.get(2));
        producer
            .send(rdkafka::producer::BaseRecord::to(topic).key(&key).payload(&payload))
            .map_err(|(e, _)| sent(e))?;
    }
    producer.flush(timeout).map_err(sent)?;
    c.execute("DELETE FROM cdc.processor_outbox WHERE job = $1 AND id <= $2", &[&job, &last])
        .await
        .map_err(ProcessorError::Sink)?;
    Ok(rows.len())
}

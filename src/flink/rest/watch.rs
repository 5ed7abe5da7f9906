//! What the console shows of a job, gathered from many small requests sent concurrently: the
//! job, its checkpoints, exceptions and restarts, then per vertex its watermark, backpressure,
//! rates and (for a source) the lag. A request this Flink version does not answer becomes a
//! note on the job, never the job's failure: the rest still shows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::model::{JobSummary, JobWatch, Vertex, VertexWatch};
use super::{RestClient, wire};
use crate::flink::FlinkError;

/// Exceptions kept per job.
const EXCEPTIONS: usize = 3;

/// Metric names that say how far a source is behind, best first: the FLIP-33 standard
/// `pendingRecords` (the Kafka source reports it as the sum of its partitions' lag), then the
/// Kafka consumer's own `records-lag-max`.
const LAG_METRICS: [&str; 2] = [".pendingRecords", "records-lag-max"];

/// Which lag metric each source vertex offers, found once per vertex (the list of a vertex's
/// metric names is long and does not change while the job runs).
#[derive(Clone, Default)]
pub struct LagNames(Arc<Mutex<HashMap<String, Option<String>>>>);

impl RestClient {
    /// One job as the console shows it: the summary alone for an ended job, everything for a
    /// live one.
    pub async fn watch(&self, summary: JobSummary) -> JobWatch {
        let mut watch = JobWatch { summary, ..JobWatch::default() };
        if !watch.summary.is_live() {
            return watch;
        }
        let id = watch.summary.id.clone();
        let (detail, checkpoints, exceptions, restarts) = tokio::join!(
            self.job(&id),
            self.checkpoints(&id),
            self.exceptions(&id, EXCEPTIONS),
            self.restarts(&id)
        );
        let mut notes = Vec::new();
        let mut note = |e: FlinkError| notes.push(e.to_string());
        watch.checkpoints = checkpoints.map_err(&mut note).ok();
        watch.exceptions = exceptions.map_err(&mut note).unwrap_or_default();
        watch.restarts = restarts.map_err(&mut note).ok().flatten();
        if let Some(detail) = detail.map_err(&mut note).ok() {
            watch.summary = detail.summary;
            let vertices = detail.vertices.into_iter().map(|v| self.vertex(&id, v));
            for (v, vertex_notes) in futures::future::join_all(vertices).await {
                watch.vertices.push(v);
                notes.extend(vertex_notes);
            }
        }
        notes.dedup();
        watch.notes = notes;
        watch
    }

    async fn vertex(&self, job: &str, vertex: Vertex) -> (VertexWatch, Vec<String>) {
        let base = format!("/jobs/{job}/vertices/{}", vertex.id);
        let lag_name = self.lag_name(&base, &vertex).await;
        let mut names = vec!["numRecordsInPerSecond".to_string(), "numRecordsOutPerSecond".into()];
        names.extend(lag_name.clone());
        let get = names.iter().map(|n| encode(n)).collect::<Vec<_>>().join(",");
        let paths = [
            format!("{base}/watermarks"),
            format!("{base}/backpressure"),
            format!("{base}/subtasks/metrics?get={get}&agg=sum"),
        ];
        let (watermarks, backpressure, metrics) =
            tokio::join!(self.get(&paths[0]), self.get(&paths[1]), self.get(&paths[2]));
        let mut notes = Vec::new();
        let mut w = VertexWatch { vertex, ..VertexWatch::default() };
        match watermarks {
            Ok(v) => w.watermark_ms = wire::watermark(&v),
            Err(e) => notes.push(e.to_string()),
        }
        match backpressure {
            Ok(v) => (w.backpressure, w.backpressure_ratio) = wire::backpressure(&v),
            Err(e) => notes.push(e.to_string()),
        }
        match metrics {
            Ok(v) => {
                let values = wire::metric_values(&v);
                let of = |name: &str| values.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
                w.records_in_per_sec = of("numRecordsInPerSecond");
                w.records_out_per_sec = of("numRecordsOutPerSecond");
                w.source_lag = lag_name.as_deref().and_then(of);
            }
            Err(e) => notes.push(e.to_string()),
        }
        (w, notes)
    }

    /// The lag metric a source vertex offers (found once), None for other vertices.
    async fn lag_name(&self, base: &str, vertex: &Vertex) -> Option<String> {
        if !vertex.name.starts_with("Source") {
            return None;
        }
        let key = base.to_string();
        if let Some(known) = self.lag_names.0.lock().ok()?.get(&key) {
            return known.clone();
        }
        let names = wire::metric_names(&self.get(&format!("{base}/subtasks/metrics")).await.ok()?);
        let found = LAG_METRICS
            .iter()
            .find_map(|suffix| names.iter().find(|n| n.ends_with(suffix)))
            .cloned();
        // Cache only a find: a source registers its reader's metrics once it has a split.
        if found.is_some() {
            self.lag_names.0.lock().ok()?.insert(key, found.clone());
        }
        found
    }
}

/// A metric name as a query value: operator names put brackets, spaces and colons in them.
fn encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn metric_names_are_encoded_for_the_query() {
        assert_eq!(
            super::encode("Source__orders[1].pendingRecords"),
            "Source__orders%5B1%5D.pendingRecords"
        );
    }
}

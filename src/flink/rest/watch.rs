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

/// The operator metrics a vertex's rates and lag come from. A vertex is a chain of operators,
/// and the task-level `numRecordsOutPerSecond` counts what leaves the chain: for a source
/// chained with a pre-aggregation that is far fewer records than the source reads. So a
/// source's rate is its source operator's output, a sink's is its writer's input.
#[derive(Debug, Clone, Default)]
struct OperatorMetrics {
    /// The source operator's `numRecordsOutPerSecond`: records read.
    source_out: Option<String>,
    /// The sink writer's `numRecordsInPerSecond`: records written.
    sink_in: Option<String>,
    lag: Option<String>,
}

impl OperatorMetrics {
    fn of(names: &[String]) -> Self {
        let ending = |suffix: &str, pick: &dyn Fn(&str) -> bool| {
            names.iter().find(|n| n.ends_with(suffix) && pick(n)).cloned()
        };
        Self {
            source_out: ending(".numRecordsOutPerSecond", &|n| n.starts_with("Source")),
            sink_in: ending(".numRecordsInPerSecond", &|n| {
                n.contains("Writer") || n.starts_with("Sink")
            }),
            lag: LAG_METRICS.iter().find_map(|suffix| ending(suffix, &|_| true)),
        }
    }

    fn names(&self) -> impl Iterator<Item = &String> {
        [&self.source_out, &self.sink_in, &self.lag].into_iter().flatten()
    }
}

/// Each vertex's operator metrics, found once per vertex (the list of a vertex's metric names
/// is long and does not change while the job runs; a source registers its reader's metrics
/// once it has a split, so a vertex without a lag metric yet is asked again).
#[derive(Clone, Default)]
pub struct OperatorCache(Arc<Mutex<HashMap<String, OperatorMetrics>>>);

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
        if let Ok(detail) = detail.map_err(&mut note) {
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
        let ops = self.operator_metrics(&base).await;
        let mut names = vec!["numRecordsInPerSecond".to_string(), "numRecordsOutPerSecond".into()];
        names.extend(ops.names().cloned());
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
                let of_op = |name: &Option<String>| name.as_deref().and_then(of);
                w.records_in_per_sec =
                    of_op(&ops.source_out).or_else(|| of("numRecordsInPerSecond"));
                w.records_out_per_sec = of("numRecordsOutPerSecond");
                w.sink_records_per_sec = of_op(&ops.sink_in);
                w.source_lag = of_op(&ops.lag);
            }
            Err(e) => notes.push(e.to_string()),
        }
        (w, notes)
    }

    /// The operator metrics of the vertex at `base` (found once, asked again while a source
    /// has no lag metric yet).
    async fn operator_metrics(&self, base: &str) -> OperatorMetrics {
        let cached = self.operators.0.lock().ok().and_then(|m| m.get(base).cloned());
        if let Some(known) = cached.filter(|k| k.source_out.is_none() || k.lag.is_some()) {
            return known;
        }
        let Ok(list) = self.get(&format!("{base}/subtasks/metrics")).await else {
            return OperatorMetrics::default();
        };
        let found = OperatorMetrics::of(&wire::metric_names(&list));
        if let Ok(mut m) = self.operators.0.lock() {
            m.insert(base.to_string(), found.clone());
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
    fn a_vertexs_rates_come_from_its_source_and_writer_operators() {
        let names: Vec<String> = [
            "numRecordsOutPerSecond",
            "Calc[316].numRecordsOutPerSecond",
            "Source__fw_src[314].numRecordsOutPerSecond",
            "fw_sink[321]__Writer.numRecordsInPerSecond",
            "Source__orders_src[1].pendingRecords",
        ]
        .map(String::from)
        .to_vec();
        let ops = super::OperatorMetrics::of(&names);
        assert_eq!(ops.source_out.as_deref(), Some("Source__fw_src[314].numRecordsOutPerSecond"));
        assert_eq!(ops.sink_in.as_deref(), Some("fw_sink[321]__Writer.numRecordsInPerSecond"));
        assert_eq!(ops.lag.as_deref(), Some("Source__orders_src[1].pendingRecords"));
    }

    #[test]
    fn metric_names_are_encoded_for_the_query() {
        assert_eq!(
            super::encode("Source__orders[1].pendingRecords"),
            "Source__orders%5B1%5D.pendingRecords"
        );
    }
}

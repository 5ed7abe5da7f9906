//! Several instances of a job in one consumer group split its partitions. When the group hands
//! this instance partitions, they are assigned at the offsets of their checkpoints in the sink
//! (read right then), not at Kafka's committed offsets; the run loop restores each partition's
//! window state from the same checkpoint before applying its records, and drops the state of a
//! revoked partition without writing it again. So a rebalance hands state over through the
//! checkpoint.
//!
//! Eager protocol only (librdkafka's `range,roundrobin`): every rebalance revokes everything
//! and assigns anew. Group mode is opt-in (`process --group`, tested on the local stack's three
//! Apache Kafka brokers): by default one instance takes every partition, through the same
//! checkpoint path, with no group coordinator to wait for.
//!
//! [`caught_up`] says when the partitions this instance owns are processed to their ends.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use super::error::ProcessorError;
use crate::config::{OnOffsetOutOfRange, PostgresEndpoint};
use crate::pipeline::offset_range::{OffsetOutOfRange, resolve};
use crate::pipeline::watermarks::Watermarks;

pub struct GroupContext {
    job: String,
    sink: PostgresEndpoint,
    /// The job's `on_offset_out_of_range`.
    policy: OnOffsetOutOfRange,
    owned: Mutex<BTreeSet<(String, i32)>>,
    /// Assignments received so far (0: the group has not assigned anything yet).
    generation: AtomicU64,
    /// A checkpointed offset out of range under `fail`, found in a rebalance (which cannot
    /// return it): the run loop stops with it.
    failed: Mutex<Option<OffsetOutOfRange>>,
}

impl GroupContext {
    pub fn new(job: &str, sink: &PostgresEndpoint, policy: OnOffsetOutOfRange) -> Self {
        Self {
            job: job.to_string(),
            sink: sink.clone(),
            policy,
            owned: Mutex::new(BTreeSet::new()),
            generation: AtomicU64::new(0),
            failed: Mutex::new(None),
        }
    }

    /// Why an assignment was refused for good: a checkpointed offset out of range under `fail`.
    pub fn failed(&self) -> Option<OffsetOutOfRange> {
        self.failed.lock().ok().and_then(|f| f.clone())
    }

    /// The partitions this instance owns now.
    pub fn owned(&self) -> BTreeSet<(String, i32)> {
        self.owned.lock().map(|o| o.clone()).unwrap_or_default()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Without a group (the default): this instance takes every partition, assigned at the
    /// checkpoints' offsets.
    pub fn assign_all<C: Consumer<Self>>(
        &self,
        consumer: &C,
        parts: Vec<(String, i32)>,
    ) -> Result<(), ProcessorError> {
        let mut stored = self.stored_offsets(&parts)?;
        self.check_stored(consumer, &mut stored)?;
        let mut tpl = TopicPartitionList::new();
        for (t, p) in &parts {
            let at = stored.get(&(t.clone(), *p)).map_or(Offset::Beginning, |o| Offset::Offset(*o));
            tpl.add_partition_offset(t, *p, at)?;
        }
        consumer.assign(&tpl)?;
        if let Ok(mut o) = self.owned.lock() {
            *o = parts.into_iter().collect();
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Checks each checkpointed next offset against its partition's (low, high) watermarks
    /// (blocking): out of range is data lost (a recreated topic, records deleted by retention).
    /// `fail` refuses with the offset and watermarks named (not retryable); `earliest`/`latest`
    /// warn, move the offset in `stored` and in the checkpoint (column and state, which the run
    /// loop restores the partition from), so the records from there are processed.
    fn check_stored<C: Consumer<Self>>(
        &self,
        consumer: &C,
        stored: &mut BTreeMap<(String, i32), i64>,
    ) -> Result<(), ProcessorError> {
        let owner = format!("job {}", self.job);
        let mut moved = Vec::new();
        for ((topic, p), next) in stored.iter_mut() {
            let bounds = consumer.fetch_watermarks(topic, *p, LOOKUP_TIMEOUT)?;
            if let Some(at) = resolve(self.policy, &owner, (topic, *p), *next, bounds)? {
                *next = at;
                moved.push((topic.clone(), *p, at));
            }
        }
        if moved.is_empty() {
            return Ok(());
        }
        let (job, sink) = (self.job.clone(), self.sink.clone());
        on_own_runtime(async move {
            let c = crate::pipeline::connect(&sink, LOOKUP_TIMEOUT, "checkpoint reset")
                .await
                .map_err(ProcessorError::Sink)?;
            for (topic, p, at) in &moved {
                c.execute(
                    "UPDATE cdc.processor_checkpoints SET next_offset = $4, \
                     state = jsonb_set(state, '{next_offset}', to_jsonb($4::bigint)), \
                     updated_at = now() WHERE job = $1 AND topic = $2 AND partition = $3",
                    &[&job, topic, p, at],
                )
                .await
                .map_err(ProcessorError::Sink)?;
            }
            Ok(())
        })
    }

    /// The checkpointed next offsets of `parts`, read on a thread of its own: the rebalance
    /// callback runs inside the consumer's poll, on a runtime thread that must not block on
    /// the runtime itself.
    fn stored_offsets(
        &self,
        parts: &[(String, i32)],
    ) -> Result<BTreeMap<(String, i32), i64>, ProcessorError> {
        let (job, sink, parts) = (self.job.clone(), self.sink.clone(), parts.to_vec());
        on_own_runtime(async move {
            let c = crate::pipeline::connect(&sink, LOOKUP_TIMEOUT, "checkpoint lookup")
                .await
                .map_err(ProcessorError::Sink)?;
            let exists: bool = c
                .query_one("SELECT to_regclass('cdc.processor_checkpoints') IS NOT NULL", &[])
                .await
                .map_err(ProcessorError::Sink)?
                .get(0);
            if !exists {
                return Ok(BTreeMap::new());
            }
            let rows = c
                .query(
                    "SELECT topic, partition, next_offset FROM cdc.processor_checkpoints \
                     WHERE job = $1",
                    &[&job],
                )
                .await
                .map_err(ProcessorError::Sink)?;
            Ok(rows
                .iter()
                .map(|r| ((r.get::<_, String>(0), r.get::<_, i32>(1)), r.get::<_, i64>(2)))
                .filter(|(k, _)| parts.contains(k))
                .collect())
        })
    }
}

/// How long an assignment's checkpoint lookups and watermark queries may take.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `f` on a current-thread runtime of a thread of its own (see `stored_offsets`).
fn on_own_runtime<T: Send + 'static>(
    f: impl std::future::Future<Output = Result<T, ProcessorError>> + Send + 'static,
) -> Result<T, ProcessorError> {
    let run = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ProcessorError::LookupRuntime)?
            .block_on(f)
    });
    run.join().map_err(|_| ProcessorError::LookupPanicked)?
}

impl ClientContext for GroupContext {}

impl ConsumerContext for GroupContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        if err == RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            let parts: Vec<(String, i32)> =
                tpl.elements().iter().map(|e| (e.topic().to_string(), e.partition())).collect();
            let mut stored = match self.stored_offsets(&parts) {
                Ok(s) => s,
                Err(e) => {
                    // Without the checkpoints the partitions cannot be resumed exactly:
                    // take none, and the group will rebalance them to someone (or us) again.
                    tracing::error!(job = %self.job, "assignment refused, checkpoints unreadable: {e}");
                    let _ = consumer.unassign();
                    return;
                }
            };
            if let Err(e) = self.check_stored(consumer, &mut stored) {
                tracing::error!(job = %self.job, "assignment refused: {e}");
                let _ = consumer.unassign();
                if let (ProcessorError::OffsetOutOfRange(e), Ok(mut f)) = (e, self.failed.lock()) {
                    *f = Some(e);
                }
                return;
            }
            for (t, p) in &parts {
                let at =
                    stored.get(&(t.clone(), *p)).map_or(Offset::Beginning, |o| Offset::Offset(*o));
                let _ = tpl.set_partition_offset(t, *p, at);
            }
            if let Err(e) = consumer.assign(tpl) {
                tracing::error!(job = %self.job, "assign: {e}");
                return;
            }
            if let Ok(mut o) = self.owned.lock() {
                *o = parts.into_iter().collect();
            }
            self.generation.fetch_add(1, Ordering::AcqRel);
            tracing::info!(job = %self.job, "assigned {:?}", self.owned());
        } else {
            let _ = consumer.unassign();
            if let Ok(mut o) = self.owned.lock() {
                o.clear();
            }
            tracing::info!(job = %self.job, "partitions revoked");
        }
    }
}

/// Every assigned partition is processed up to its high watermark (asked on a client of its
/// own: see [`Watermarks`]).
pub(super) async fn caught_up<C: ConsumerContext>(
    marks: &Watermarks,
    consumer: &impl Consumer<C>,
    op: &crate::pipeline::processor::Operator,
    assigned: &BTreeSet<(String, i32)>,
    pid: &impl Fn(&str, i32) -> Option<i32>,
) -> Result<bool, ProcessorError> {
    let assigned: Vec<(String, i32)> = assigned.iter().cloned().collect();
    let ends = marks.ends(consumer, &assigned).await?;
    Ok(assigned
        .iter()
        .zip(ends)
        .all(|((topic, p), end)| end.reached_by(pid(topic, *p).and_then(|id| op.next_offset(id)))))
}

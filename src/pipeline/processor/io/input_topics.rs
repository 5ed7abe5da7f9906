//! The partitions of a job's input topics, waited for while a topic does not exist yet (see
//! [`crate::pipeline::topics`]; the replicator waits the same way). With `--until-idle` a
//! missing topic is refused: there is nothing to catch up with.

use std::time::Duration;

use rdkafka::consumer::BaseConsumer;

use super::error::ProcessorError;
use crate::config::Config;
use crate::kafka::CauseContext;
use crate::pipeline::topics;

/// Every (topic, partition) of `topics`; `None` when `stop` resolves first.
pub(super) async fn wait_for(
    config: &Config,
    job: &str,
    topics: &[String],
    until_idle: bool,
    timeout: Duration,
    waiting: impl FnMut(&[String]),
    stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<Option<Vec<(String, i32)>>, ProcessorError> {
    let probe = std::sync::Arc::new(
        crate::kafka::client_config(config)
            .create_with_context::<_, BaseConsumer<CauseContext>>(CauseContext::default())?,
    );
    let Some((found, missing)) =
        topics::wait_for(&probe, topics, timeout, until_idle, waiting, stop)
            .await
            .map_err(|e| topics::with_cause(e, &probe))?
    else {
        return Ok(None);
    };
    if !missing.is_empty() {
        return Err(ProcessorError::Refused {
            job: job.to_string(),
            reason: format!("topic {} has no partitions (does it exist?)", missing.join(", ")),
        });
    }
    Ok(Some(
        found
            .into_iter()
            .flat_map(|(t, parts)| parts.into_iter().map(move |p| (t.clone(), p)))
            .collect(),
    ))
}

//! `cdc-console process --job NAME --flink-sql` prints the job as Flink SQL; `--on flink`
//! submits it to the Flink cluster of `[flink]`: the Flink output table (the processor's plus
//! `flink.output_suffix`) created in the sink as the processor creates its own, the SQL run
//! through the SQL gateway, the submission recorded in `cdc.flink_submissions`, the Flink job id
//! printed. The sink password is a placeholder in everything printed or recorded.

use std::time::Duration;

use crate::cli::{EXIT_ERROR, EXIT_OK, Output};
use crate::config::Config;
use crate::config::job::JobConfig;
use crate::flink::sql::{self, FlinkSql};
use crate::flink::submissions;

/// The named job, or the first; None (said on stderr) when there is none.
fn find<'c>(config: &'c Config, job: Option<&str>) -> Option<&'c JobConfig> {
    let found = match job {
        Some(name) => config.jobs.iter().find(|j| j.name == name),
        None => config.jobs.first(),
    };
    if found.is_none() {
        let names: Vec<&str> = config.jobs.iter().map(|j| j.name.as_str()).collect();
        eprintln!(
            "cdc-console: process: no such job (configured: {})",
            if names.is_empty() { "none".into() } else { names.join(", ") }
        );
    }
    found
}

fn timeout(config: &Config) -> Duration {
    config.timeouts.request().max(Duration::from_secs(5))
}

/// The job's Flink SQL, from its first source table's shape.
async fn generate(
    config: &Config,
    job: &JobConfig,
    source: &tokio_postgres::Client,
) -> anyhow::Result<FlinkSql> {
    let table = job
        .source_tables
        .first()
        .ok_or_else(|| anyhow::anyhow!("job `{}` names no source table", job.name))?;
    let shape = crate::pg::read_shape(source, table)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", config.source, crate::pg::message(&e)))?
        .ok_or_else(|| anyhow::anyhow!("source table {table} does not exist"))?;
    Ok(sql::generate(config, job, &shape)?)
}

async fn source(config: &Config) -> anyhow::Result<tokio_postgres::Client> {
    crate::pipeline::connect(&config.source, timeout(config), "flink sql")
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", config.source, crate::pg::message(&e)))
}

/// `--flink-sql`: prints the script.
pub async fn print(config: &Config, job: Option<&str>) -> anyhow::Result<u8> {
    let Some(job) = find(config, job) else {
        return Ok(EXIT_ERROR);
    };
    let source = source(config).await?;
    print!("{}", generate(config, job, &source).await?.script());
    Ok(EXIT_OK)
}

/// `--on flink`: the output table, the submission, its record; prints the Flink job id.
pub async fn submit(config: &Config, job: Option<&str>, output: Output) -> anyhow::Result<u8> {
    let Some(job) = find(config, job) else {
        return Ok(EXIT_ERROR);
    };
    let source = source(config).await?;
    let sql = generate(config, job, &source).await?;
    let sink = crate::pipeline::connect(&config.sink, timeout(config), "flink sql")
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", config.sink, crate::pg::message(&e)))?;
    let table = format!("{}{}", job.output.table, config.flink.output_suffix);
    crate::pipeline::processor::sink::ensure_output_table(&sink, &source, job, &table).await?;
    let flink_job_id = match submissions::submit(config, &sql).await {
        Ok(id) => id,
        Err(e) => {
            eprintln!("cdc-console: process --on flink: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "job": job.name,
                "flink_job_id": flink_job_id,
                "output_table": table,
                "recorded_in": submissions::TABLE,
            }))?
        ),
        Output::Table => {
            println!("{flink_job_id}");
            eprintln!(
                "job {} submitted to Flink as {flink_job_id}: writes {table}; recorded in {}",
                job.name,
                submissions::TABLE
            );
        }
    }
    Ok(EXIT_OK)
}

//! `cdc-console flink [jobs|job ID|cancel ID|stop ID|restart JOB]`: the Flink session
//! cluster's jobs as the processor view shows them, and the actions on them, through the same
//! client as the collector (`flink::rest`).
//!
//! Exit codes: 0 done, 2 when Flink refused or could not be reached (or is not running), 3 when
//! `--read-only` refused an action (checked before any request is sent).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::table::Table;
use crate::cli::{EXIT_ERROR, EXIT_OK, FlinkVerb, Output, refused};
use crate::collectors::flink::{FlinkSnapshot, Probe};
use crate::config::{Config, ReadOnly};
use crate::flink::rest::{JobWatch, RestClient};
use crate::flink::{FlinkError, restart};

pub async fn run(
    config: &Config,
    verb: FlinkVerb,
    output: Output,
    read_only: &ReadOnly,
) -> anyhow::Result<u8> {
    if read_only.is_on()
        && let Some(what) = mutation(&verb)
    {
        return refused(read_only, &what);
    }
    let probe = Probe::new(config);
    match verb {
        FlinkVerb::Jobs => {
            let Some(snap) = snapshot(&probe).await else { return Ok(EXIT_ERROR) };
            print_jobs(&snap, probe.endpoint(), output)?;
            Ok(EXIT_OK)
        }
        FlinkVerb::Job { id } => {
            let Some(snap) = snapshot(&probe).await else { return Ok(EXIT_ERROR) };
            let Some(job) = snap.find(&id) else {
                eprintln!("cdc-console: no Flink job {id} at {}", probe.endpoint());
                return Ok(EXIT_ERROR);
            };
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(job)?),
                Output::Table => print!("{}", super::flink_detail::render(job, now_ms())),
            }
            Ok(EXIT_OK)
        }
        FlinkVerb::Cancel { id, yes } => {
            let client = RestClient::new(&config.flink, config.timeouts.action());
            let Some(name) = confirmed(&client, &id, "Cancel", yes).await? else {
                return Ok(EXIT_OK);
            };
            Ok(match client.cancel(&id).await {
                Ok(()) => {
                    note(restart::record_outcome(config, &id, "cancelled", None).await);
                    println!("cancelling Flink job {id} ({name})");
                    EXIT_OK
                }
                Err(e) => fail(&e),
            })
        }
        FlinkVerb::Stop { id, savepoint_dir, wait, yes } => {
            let client = RestClient::new(&config.flink, config.timeouts.action());
            if confirmed(&client, &id, "Stop (with a savepoint)", yes).await?.is_none() {
                return Ok(EXIT_OK);
            }
            let dir = savepoint_dir.or_else(|| config.flink.savepoint_dir.clone());
            Ok(match client.stop_with_savepoint(&id, dir.as_deref(), wait).await {
                Ok(outcome) => {
                    let location = Some(outcome.location.as_str());
                    let recorded = restart::record_outcome(config, &id, "stopped", location).await;
                    note(recorded);
                    match output {
                        Output::Json => println!("{}", serde_json::to_string_pretty(&outcome)?),
                        Output::Table => println!("{}", outcome.location),
                    }
                    EXIT_OK
                }
                Err(e) => fail(&e),
            })
        }
        FlinkVerb::Restart { job, yes } => restart(config, &job, yes, output).await,
    }
}

/// What an action would do, for the `--read-only` refusal; `None` for reads.
fn mutation(verb: &FlinkVerb) -> Option<String> {
    match verb {
        FlinkVerb::Jobs | FlinkVerb::Job { .. } => None,
        FlinkVerb::Cancel { id, .. } => Some(format!("flink cancel {id}")),
        FlinkVerb::Stop { id, .. } => Some(format!("flink stop {id}")),
        FlinkVerb::Restart { job, .. } => Some(format!("flink restart {job}")),
    }
}

fn fail(e: &FlinkError) -> u8 {
    eprintln!("cdc-console: {}", crate::collectors::flink::chain(e));
    EXIT_ERROR
}

/// Says on stderr (and in the log) why the record of submissions could not note an action
/// that happened.
fn note(recorded: Result<(), String>) {
    if let Err(e) = recorded {
        tracing::warn!("the record of Flink submissions: {e}");
        eprintln!("cdc-console: warning: the record of Flink submissions: {e}");
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// One poll, or None after saying why (not running: how to start it).
async fn snapshot(probe: &Probe) -> Option<FlinkSnapshot> {
    let poll = probe.collect().await;
    match poll.result {
        Ok(s) => Some(s),
        Err(e) if poll.refused => {
            eprintln!(
                "cdc-console: Flink is not running at {} ({e}); start it with \
                 `compose/local/stack up flink`",
                probe.endpoint()
            );
            None
        }
        Err(e) => {
            eprintln!("cdc-console: Flink: {e}");
            None
        }
    }
}

/// Asks to type the job's name back (unless `yes`); the job's name when confirmed.
async fn confirmed(
    client: &RestClient,
    id: &str,
    verb: &str,
    yes: bool,
) -> anyhow::Result<Option<String>> {
    let name = match client.job(id).await {
        Ok(job) => job.summary.name,
        Err(e) => anyhow::bail!("{}", crate::collectors::flink::chain(&e)),
    };
    if yes {
        return Ok(Some(name));
    }
    let prompt = format!(
        "{verb} Flink job {id} ({name}) at {}? Type its name to confirm (empty cancels): ",
        client.endpoint()
    );
    let what = format!("{} Flink job {id}", verb.to_lowercase());
    Ok(super::confirm::type_back(prompt, &name, &what).await?.then_some(name))
}

async fn restart(config: &Config, job: &str, yes: bool, output: Output) -> anyhow::Result<u8> {
    let client = RestClient::new(&config.flink, config.timeouts.action());
    if !yes
        && !super::confirm::type_back(
            format!(
                "Restart console job {job} on Flink from its last savepoint? Type its name to \
                 confirm (empty cancels): "
            ),
            job,
            &format!("restart {job} on Flink"),
        )
        .await?
    {
        return Ok(EXIT_OK);
    }
    Ok(match restart::restart_from_last_savepoint(config, &client, job).await {
        Ok(outcome) => {
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&outcome)?),
                Output::Table => println!(
                    "restarted {job} from {} as Flink job {}",
                    outcome.savepoint, outcome.flink_job_id
                ),
            }
            EXIT_OK
        }
        Err(e) => fail(&e),
    })
}

#[derive(serde::Serialize)]
struct Listing<'a> {
    endpoint: &'a str,
    #[serde(flatten)]
    snapshot: &'a FlinkSnapshot,
}

fn print_jobs(snap: &FlinkSnapshot, endpoint: &str, output: Output) -> anyhow::Result<()> {
    if output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&Listing { endpoint, snapshot: snap })?);
        return Ok(());
    }
    let o = &snap.overview;
    println!(
        "Flink {}: {} taskmanagers, {}/{} slots free, {} jobs running",
        o.flink_version, o.taskmanagers, o.slots_available, o.slots_total, o.jobs_running
    );
    if snap.jobs.is_empty() {
        println!("(no jobs)");
        return Ok(());
    }
    let now = now_ms();
    let mut t = Table::new(&[
        "id",
        "name",
        "job",
        "state",
        "uptime",
        "restarts",
        "checkpoint",
        "wm delay",
        "bp",
        "in/s",
        "out/s",
        "lag",
    ]);
    for j in &snap.jobs {
        t.row(row(j, now));
    }
    print!("{}", t.render());
    Ok(())
}

pub(super) fn row(j: &JobWatch, now: i64) -> Vec<String> {
    let ms = |v: Option<i64>| v.map_or("-".into(), |v| crate::units::millis(v.max(0) as u64));
    let rate = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0}"));
    let secs =
        |v: Option<i64>| v.map_or("-".into(), |v| crate::units::seconds((v.max(0) / 1000) as u64));
    let checkpoint = j.last_checkpoint().map_or("-".into(), |c| {
        format!(
            "{} ago, {}, {}{}",
            secs(c.trigger_ms.map(|t| now - t)),
            ms(c.duration_ms.map(|d| d as i64)),
            c.state_size.map_or("-".into(), |s| crate::units::bytes(s as i64, false)),
            match j.failed_checkpoints() {
                0 => String::new(),
                n => format!(", {n} failed"),
            }
        )
    });
    vec![
        j.summary.id.clone(),
        j.summary.name.chars().take(40).collect(),
        j.console_job.clone().unwrap_or_else(|| "-".into()),
        j.summary.state.clone(),
        secs(j.uptime_ms(now)),
        j.restarts.map_or("-".into(), |r| r.to_string()),
        checkpoint,
        ms(j.max_watermark_delay_ms(now)),
        j.backpressure().map_or("-".into(), |b| format!("{b:?}").to_lowercase()),
        rate(j.records_in_per_sec()),
        rate(j.records_out_per_sec()),
        rate(j.source_lag()),
    ]
}

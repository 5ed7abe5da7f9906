//! `cdc-console connectors get|describe|apply|pause|resume|stop|restart|delete|offsets`: kcctl's verbs
//! over the Connect collector's typed API, so the CLI and the TUI act through the same code.
//!
//! Exit codes: 0 done, 2 when the worker refused or could not be reached (its answer printed
//! verbatim) or a file could not be read, 3 when `--read-only` (or a read-only context) refused
//! a mutation — checked
//! before the file is read or any request is sent.

use std::path::Path;

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{ConnectorVerb, EXIT_ERROR, EXIT_OK, Output, RestartTasks, refused};
use crate::collectors::connect::{
    ConnectError, ConnectSnapshot, ConnectorAction, ConnectorDetail, ConnectorSpec, Probe,
    RestartScope, select_cluster,
};
use crate::config::Config;

pub async fn run(
    config: &Config,
    cluster: Option<&str>,
    verb: ConnectorVerb,
    read_only: &crate::config::ReadOnly,
) -> anyhow::Result<u8> {
    if read_only.is_on()
        && let Some(what) = mutation(&verb)
    {
        return refused(read_only, &what);
    }
    let cluster = match select_cluster(config, cluster) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    // Reads get the poll timeout; mutations the longer action timeout, because the worker
    // handles requests one at a time and one queued behind a task restart waits seconds.
    let timeout = if mutation(&verb).is_some() {
        config.timeouts.action()
    } else {
        config.timeouts.request()
    };
    let probe = Probe::new(cluster, timeout);
    let action = match verb {
        ConnectorVerb::Get { output } => return get(&probe, &cluster.name, output).await,
        ConnectorVerb::Describe { name, output } => return describe(&probe, &name, output).await,
        ConnectorVerb::Apply { file } => return apply(&probe, &file).await,
        ConnectorVerb::Snapshot(args) => return super::snapshot::run(config, &probe, args).await,
        ConnectorVerb::Offsets { verb } => return super::offsets::run(config, &probe, verb).await,
        ConnectorVerb::Pause { name } => ConnectorAction::Pause(name),
        ConnectorVerb::Resume { name } => ConnectorAction::Resume(name),
        ConnectorVerb::Stop { name } => ConnectorAction::Stop(name),
        ConnectorVerb::Restart { name, task: Some(task), .. } => {
            ConnectorAction::RestartTask { name, task }
        }
        ConnectorVerb::Restart { name, tasks, task: None } => {
            let scope = match tasks {
                RestartTasks::All => RestartScope::AllTasks,
                RestartTasks::Failed => RestartScope::FailedOnly,
            };
            ConnectorAction::Restart { name, scope }
        }
        ConnectorVerb::Delete { name, yes } => {
            if !yes
                && !super::confirm::type_back(
                    format!(
                        "Delete connector {name} on Connect cluster {}? Type its name to confirm (empty cancels): ",
                        cluster.name
                    ),
                    &name,
                    &format!("delete connector {name}"),
                )
                .await?
            {
                return Ok(EXIT_OK);
            }
            ConnectorAction::Delete(name)
        }
    };
    Ok(match probe.perform(&action).await {
        Ok(outcome) => {
            println!("{outcome}");
            EXIT_OK
        }
        Err(e) => fail(&e),
    })
}

/// What a mutating verb would do, for the `--read-only` refusal; `None` for reads.
fn mutation(verb: &ConnectorVerb) -> Option<String> {
    match verb {
        ConnectorVerb::Get { .. } | ConnectorVerb::Describe { .. } => None,
        ConnectorVerb::Apply { file } => Some(format!("connectors apply -f {}", file.display())),
        ConnectorVerb::Pause { name } => Some(format!("connectors pause {name}")),
        ConnectorVerb::Resume { name } => Some(format!("connectors resume {name}")),
        ConnectorVerb::Stop { name } => Some(format!("connectors stop {name}")),
        ConnectorVerb::Restart { name, .. } => Some(format!("connectors restart {name}")),
        ConnectorVerb::Delete { name, .. } => Some(format!("connectors delete {name}")),
        ConnectorVerb::Snapshot(args) => super::snapshot::mutation(args),
        ConnectorVerb::Offsets { verb } => super::offsets::mutation(verb),
    }
}

pub(super) fn fail(e: &ConnectError) -> u8 {
    eprintln!("cdc-console: {e}");
    EXIT_ERROR
}

#[derive(Serialize)]
struct Listing<'a> {
    cluster: &'a str,
    endpoint: &'a str,
    #[serde(flatten)]
    snapshot: &'a ConnectSnapshot,
}

async fn get(probe: &Probe, cluster: &str, output: Output) -> anyhow::Result<u8> {
    let snap = match probe.snapshot().await {
        Ok(s) => s,
        Err(e) => return Ok(fail(&e)),
    };
    if output == Output::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Listing {
                cluster,
                endpoint: probe.endpoint(),
                snapshot: &snap
            })?
        );
        return Ok(EXIT_OK);
    }
    if snap.connectors.is_empty() {
        println!("(no connectors on {cluster} at {})", probe.endpoint());
        return Ok(EXIT_OK);
    }
    let mut t = Table::new(&["name", "type", "state", "tasks", "worker", "class"]);
    for c in &snap.connectors {
        let tasks: Vec<String> = c.tasks.iter().map(|t| format!("{}:{}", t.id, t.state)).collect();
        t.row(vec![
            c.name.clone(),
            c.kind.clone(),
            c.state.clone(),
            tasks.join(" "),
            c.worker_id.clone(),
            c.class.clone(),
        ]);
    }
    print!("{}", t.render());
    Ok(EXIT_OK)
}

async fn describe(probe: &Probe, name: &str, output: Output) -> anyhow::Result<u8> {
    let detail = match probe.describe(name).await {
        Ok(d) => d,
        Err(e) => return Ok(fail(&e)),
    };
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&detail)?),
        Output::Table => print!("{}", render_detail(&detail)),
    }
    Ok(EXIT_OK)
}

/// kcctl-style description: header fields, tasks, config (masked), topics, offsets, then full
/// traces last because they are long.
fn render_detail(d: &ConnectorDetail) -> String {
    let c = &d.connector;
    let first_line = |t: &Option<String>| {
        t.as_deref().and_then(|t| t.lines().next()).unwrap_or_default().to_string()
    };
    let mut out = format!(
        "Name:    {}\nType:    {}\nClass:   {}\nState:   {}\nWorker:  {}\n",
        c.name, c.kind, c.class, c.state, c.worker_id
    );
    if c.trace.is_some() {
        out += &format!("Error:   {}\n", first_line(&c.trace));
    }
    let mut tasks = Table::new(&["task", "state", "worker", "error"]);
    for t in &c.tasks {
        tasks.row(vec![
            t.id.to_string(),
            t.state.clone(),
            t.worker_id.clone(),
            first_line(&t.trace),
        ]);
    }
    out += &section("Tasks", &tasks, "no tasks");
    let mut config = Table::new(&["key", "value"]);
    for (k, v) in &c.config {
        config.row(vec![k.clone(), v.clone()]);
    }
    out += &section("Config", &config, "empty");
    let mut topics = Table::new(&["topic"]);
    for t in d.topics.iter().flatten() {
        topics.row(vec![t.clone()]);
    }
    out += &section(
        "Topics",
        &topics,
        if d.topics.is_some() { "none used yet" } else { "unavailable" },
    );
    let mut offsets = Table::new(&["partition", "offset"]);
    for o in d.offsets.iter().flatten() {
        offsets.row(vec![o.partition.to_string(), o.offset.to_string()]);
    }
    out += &section(
        "Offsets",
        &offsets,
        if d.offsets.is_some() { "none committed yet" } else { "unavailable" },
    );
    for note in &d.notes {
        out += &format!("\nNote: {note}\n");
    }
    for (what, trace) in std::iter::once(("connector".to_string(), &c.trace))
        .chain(c.tasks.iter().map(|t| (format!("task {}", t.id), &t.trace)))
    {
        if let Some(trace) = trace {
            out += &format!("\nTrace of {what}:\n{trace}\n");
        }
    }
    out
}

fn section(title: &str, t: &Table, empty: &str) -> String {
    if t.is_empty() {
        format!("\n{title}: ({empty})\n")
    } else {
        format!("\n{title}:\n{}", t.render())
    }
}

async fn apply(probe: &Probe, file: &Path) -> anyhow::Result<u8> {
    let origin = file.display().to_string();
    let text = match tokio::fs::read_to_string(file).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cdc-console: {origin}: cannot read the file: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let specs = match ConnectorSpec::parse_all(&text, &origin) {
        Ok(s) => s,
        Err(e) => return Ok(fail(&e)),
    };
    let mut code = EXIT_OK;
    for spec in specs {
        match probe.perform(&ConnectorAction::Apply(spec)).await {
            Ok(outcome) => println!("{outcome}"),
            Err(e) => code = fail(&e),
        }
    }
    Ok(code)
}

//! `cdc-console dead-letters redrive`: re-applies a replica's letters once their cause is fixed,
//! through the replica as the configuration says now, exactly once (see
//! `pipeline::replicator::redrive`). Asks first (the consumer typed back, `--yes` skips);
//! `--read-only` refuses it before it gets here. Exit code 0 when every chosen letter was applied,
//! superseded or redriven before, 1 when some stay outstanding, 2 on an error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_postgres::Client;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_OK, Output};
use crate::config::Config;
use crate::pipeline::deadletter::redrive::{self as letters, Chosen};
use crate::pipeline::replicator::redrive::{self, Options, Outcome, Progress, Report};

/// Letters listed one by one in the table output when no more are chosen (else only those not
/// applied; `-o json` lists every one).
const LISTED: usize = 100;

pub async fn run(
    config: &Config,
    sink: &Client,
    consumer: &str,
    chosen: Chosen<'_>,
    yes: bool,
    max_scan: u64,
    output: Output,
) -> anyhow::Result<u8> {
    let replica = redrive::replica_of(config, consumer)?;
    let n = match chosen {
        Chosen::All => letters::outstanding(sink, consumer).await?,
        Chosen::Ids(ids) => ids.len() as u64,
    };
    if n == 0 {
        eprintln!("no outstanding dead letters of {consumer}");
        return Ok(EXIT_OK);
    }
    if !yes
        && !super::confirm::type_back(
            format!(
                "Redrive {n} dead letters of {consumer} into {}? Type the consumer to confirm (empty cancels): ",
                replica.sink
            ),
            consumer,
            &format!("redrive the dead letters of {consumer}"),
        )
        .await?
    {
        return Ok(EXIT_OK);
    }
    let opts = Options { max_scan, progress: Arc::new(say()) };
    let report = redrive::redrive(config, consumer, chosen, &opts).await?;
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Output::Table => print!("{}", render(&report)),
    }
    if report.complete() {
        return Ok(EXIT_OK);
    }
    eprintln!(
        "cdc-console: redrive: some letters of {consumer} stay outstanding (refused again, or not verifiable): see above"
    );
    Ok(EXIT_DOWN)
}

/// Progress on stderr, at most about once a second (the library says it no more often).
fn say() -> impl Fn(Progress<'_>) + Send + Sync {
    let started = Instant::now();
    move |p| match p {
        Progress::Scanning { topic, partition, scanned, of } => {
            eprintln!(
                "redrive: reading {topic} partition {partition} for later changes: {scanned} of {of} records"
            );
        }
        // Said between chunks only: a redrive of one chunk says nothing.
        Progress::Committed { done, of } if done < of => {
            let secs = started.elapsed().as_secs_f64().max(Duration::from_millis(1).as_secs_f64());
            eprintln!("redrive: {done} of {of} letters committed ({:.0}/s)", done as f64 / secs);
        }
        Progress::Committed { .. } => {}
    }
}

fn outcome(o: &Outcome) -> String {
    match o {
        Outcome::Applied => "applied".into(),
        Outcome::Superseded { by_offset } => {
            format!("superseded by offset {by_offset}: nothing applied")
        }
        Outcome::AlreadyRedriven { redriven_ms, was } => format!(
            "already redriven at {} ({was}): nothing applied",
            crate::units::epoch_ms(*redriven_ms)
        ),
        Outcome::Refused { reason } => format!("refused again, stays a letter: {reason}"),
        Outcome::Unverified { why } => format!("not redriven, stays a letter: {why}"),
    }
}

fn render(r: &Report) -> String {
    let count = |f: fn(&Outcome) -> bool| r.letters.iter().filter(|l| f(&l.outcome)).count();
    let mut out = format!(
        "{} letters of {}: {} applied, {} superseded, {} already redriven, {} refused again, {} not verifiable\n\
         rows upserted {}, deleted {}; {} records read for later changes in {:.2} s; {:.2} s in all\n",
        r.letters.len(),
        r.consumer,
        count(|o| *o == Outcome::Applied),
        count(|o| matches!(o, Outcome::Superseded { .. })),
        count(|o| matches!(o, Outcome::AlreadyRedriven { .. })),
        count(|o| matches!(o, Outcome::Refused { .. })),
        count(|o| matches!(o, Outcome::Unverified { .. })),
        r.rows_upserted,
        r.rows_deleted,
        r.records_scanned,
        r.scan_seconds,
        r.seconds,
    );
    let all = r.letters.len() <= LISTED;
    let mut t = Table::new(&["id", "topic", "partition", "offset", "outcome"]);
    for l in r.letters.iter().filter(|l| all || l.outcome != Outcome::Applied) {
        t.row(vec![
            l.id.to_string(),
            l.topic.clone(),
            l.partition.to_string(),
            l.offset.to_string(),
            outcome(&l.outcome),
        ]);
    }
    if !t.is_empty() {
        out.push('\n');
        out.push_str(&t.render());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::replicator::redrive::Redriven;

    #[test]
    fn redrive_names_a_consumer_and_ids_or_all() {
        use clap::Parser;
        let parse = |args: &[&str]| {
            crate::cli::Cli::try_parse_from(
                [&["cdc-console", "dead-letters", "redrive"], args].concat(),
            )
        };
        let ids = |args: &[&str]| match parse(args).map(|c| c.command) {
            Ok(Some(crate::cli::Command::DeadLetters {
                verb: crate::cli::DeadLetterVerb::Redrive { ids, all, yes, max_scan, .. },
            })) => Some((ids, all, yes, max_scan)),
            _ => None,
        };
        assert_eq!(
            ids(&["--consumer", "replica:r", "--all"]),
            Some((vec![], true, false, 5_000_000))
        );
        assert_eq!(
            ids(&["--consumer", "replica:r", "--id", "4", "7", "--id", "9", "--yes"]),
            Some((vec![4, 7, 9], false, true, 5_000_000))
        );
        assert_eq!(
            ids(&["--consumer", "replica:r", "--all", "--max-scan", "10", "-o", "json"]),
            Some((vec![], true, false, 10))
        );
        assert!(parse(&["--consumer", "replica:r"]).is_err(), "neither ids nor --all");
        assert!(parse(&["--all"]).is_err(), "no consumer");
        assert!(parse(&["--consumer", "replica:r", "--all", "--id", "4"]).is_err(), "both");
        assert!(parse(&["--consumer", "replica:r", "--id", "x"]).is_err(), "an id is a number");
    }

    #[test]
    fn the_table_counts_outcomes_and_lists_the_letters() {
        let letter = |id, outcome| Redriven {
            id,
            topic: "t".into(),
            partition: 0,
            offset: id * 10,
            outcome,
        };
        let r = Report {
            consumer: "replica:r".into(),
            letters: vec![
                letter(1, Outcome::Applied),
                letter(2, Outcome::Superseded { by_offset: 21 }),
                letter(3, Outcome::Refused { reason: "column v: bad".into() }),
            ],
            rows_upserted: 1,
            seconds: 0.5,
            ..Report::default()
        };
        let out = render(&r);
        assert!(
            out.starts_with("3 letters of replica:r: 1 applied, 1 superseded, 0 already redriven, 1 refused again, 0 not verifiable\n"),
            "{out}"
        );
        assert!(
            out.contains("2   t      0          20      superseded by offset 21: nothing applied"),
            "{out}"
        );
        assert!(out.contains("refused again, stays a letter: column v: bad"), "{out}");
        assert!(!r.complete());
    }
}

//! What `check` reports: named checks, each passed, failed or not run (an error), with the one
//! line a CI log shows and the details behind it; the summary table and the exit code.

use std::time::Duration;

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_DOWN, EXIT_ERROR, EXIT_OK};

/// What a check looks at; JUnit's classname.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Health,
    Lag,
    Consistency,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Health => "health",
            Kind::Lag => "lag",
            Kind::Consistency => "consistency",
        }
    }
}

/// Failed: the pipeline is not what it should be. Error: the check could not tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub kind: Kind,
    pub name: String,
    pub result: Outcome,
    #[serde(rename = "took_ms", serialize_with = "millis")]
    pub took: Duration,
    /// One line: why it failed, or what was seen when it passed (warnings included).
    pub reason: String,
    /// Everything behind the reason, one item a line: each diverged row, each failed task.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Check {
    pub fn new(kind: Kind, name: &str, result: Outcome, reason: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.to_string(),
            result,
            took: Duration::ZERO,
            reason: reason.into(),
            details: Vec::new(),
        }
    }

    #[must_use]
    pub fn details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }

    #[must_use]
    pub fn took(mut self, took: Duration) -> Self {
        self.took = took;
        self
    }

    /// `kind/name`, as the summary lists it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.name)
    }
}

/// 1 when any check failed (a finding stands even when others could not run), else 2 when one
/// could not run, else 0.
pub fn exit_code(checks: &[Check]) -> u8 {
    if checks.iter().any(|c| c.result == Outcome::Fail) {
        EXIT_DOWN
    } else if checks.iter().any(|c| c.result == Outcome::Error) {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}

/// The first `shown` items joined with "; ", then "and N more".
pub fn first_few(items: &[String], shown: usize) -> String {
    let mut out = items.iter().take(shown).cloned().collect::<Vec<_>>().join("; ");
    if items.len() > shown {
        out.push_str(&format!(" and {} more", items.len() - shown));
    }
    out
}

/// Detail lines a check shows in the terminal (JSON and JUnit carry them all).
const DETAILS_SHOWN: usize = 10;

/// The summary table, then the details of every check that did not pass, then the verdict.
pub fn render(checks: &[Check]) -> String {
    let mut t = Table::new(&["check", "result", "took", "reason"]);
    for c in checks {
        let result = match c.result {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::Error => "ERROR",
        };
        let took = crate::units::millis(u64::try_from(c.took.as_millis()).unwrap_or(u64::MAX));
        t.row(vec![c.label(), result.into(), took, c.reason.clone()]);
    }
    let mut out = t.render();
    for c in checks.iter().filter(|c| c.result != Outcome::Pass && !c.details.is_empty()) {
        out.push_str(&format!("\n{}:\n", c.label()));
        for d in c.details.iter().take(DETAILS_SHOWN) {
            out.push_str(&format!("  {d}\n"));
        }
        if c.details.len() > DETAILS_SHOWN {
            out.push_str(&format!("  and {} more\n", c.details.len() - DETAILS_SHOWN));
        }
    }
    let count = |o| checks.iter().filter(|c| c.result == o).count();
    out.push_str(&format!(
        "\n{} checks: {} passed, {} failed, {} could not run\n",
        checks.len(),
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Error)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Check> {
        vec![
            Check::new(Kind::Health, "kafka", Outcome::Pass, "3 brokers up")
                .took(Duration::from_millis(120)),
            Check::new(Kind::Consistency, "orders", Outcome::Fail, "cdc.orders: 1 diverged row")
                .details(vec!["order_id=2 changed: status".into()])
                .took(Duration::from_millis(12_500)),
            Check::new(Kind::Lag, "g", Outcome::Error, "groups unreadable"),
        ]
    }

    #[test]
    fn the_summary_lists_each_check_then_the_details_of_what_did_not_pass() {
        assert_eq!(
            render(&sample()),
            "CHECK               RESULT  TOOK    REASON\n\
             health/kafka        pass    120 ms  3 brokers up\n\
             consistency/orders  FAIL    12.5 s  cdc.orders: 1 diverged row\n\
             lag/g               ERROR   0 ms    groups unreadable\n\
             \n\
             consistency/orders:\n  order_id=2 changed: status\n\
             \n\
             3 checks: 1 passed, 1 failed, 1 could not run\n"
        );
    }

    #[test]
    fn a_failure_outweighs_a_check_that_could_not_run() {
        let mut checks = sample();
        assert_eq!(exit_code(&checks), EXIT_DOWN);
        checks.remove(1);
        assert_eq!(exit_code(&checks), EXIT_ERROR);
        checks.remove(1);
        assert_eq!(exit_code(&checks), EXIT_OK);
        assert_eq!(exit_code(&[]), EXIT_OK);
    }

    #[test]
    fn a_long_list_shows_a_few_and_counts_the_rest() {
        let items: Vec<String> = (1..=5).map(|i| format!("k={i}")).collect();
        assert_eq!(first_few(&items, 3), "k=1; k=2; k=3 and 2 more");
        assert_eq!(first_few(&items[..2], 3), "k=1; k=2");
    }

    #[test]
    fn json_names_the_result_and_the_time_in_milliseconds() {
        let v = serde_json::to_value(&sample()[1]).unwrap();
        assert_eq!(v["kind"], "consistency");
        assert_eq!(v["result"], "fail");
        assert_eq!(v["took_ms"], 12_500);
        assert_eq!(v["details"][0], "order_id=2 changed: status");
        assert!(serde_json::to_value(&sample()[0]).unwrap().get("details").is_none());
    }
}

//! A rule as the evaluator uses it, parsed from its `[[alerts.rules]]` table: the condition
//! `FACT OP VALUE`, how long it must hold, its severity, labels, label globs and summary.
//! The same parsing validates the config at load, so a rule that loads is one that evaluates.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::Duration;

use super::Severity;
use super::facts::{self, FactDef, Kind};
use crate::config::RuleConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Op {
    /// Longest first, so `>=` is not read as `>`.
    const ALL: [(&'static str, Op); 6] = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];

    pub fn symbol(self) -> &'static str {
        Op::ALL.iter().find(|(_, o)| *o == self).map_or("?", |(s, _)| s)
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
        }
    }
}

/// What the fact is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Number(f64),
    Text(String),
}

/// `FACT OP VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub fact: &'static FactDef,
    pub op: Op,
    pub operand: Operand,
}

impl Condition {
    /// Whether a number (numeric facts) or a text (text facts) satisfies the condition; a text
    /// of an ordered vocabulary compares by its rank (a Burrow verdict, a guard level).
    pub fn holds(&self, value: &facts::Value) -> bool {
        match (value, &self.operand) {
            (facts::Value::Number(n), Operand::Number(t)) => {
                n.partial_cmp(t).is_some_and(|o| self.op.holds(o))
            }
            (facts::Value::Text(s), Operand::Text(t)) => match self.fact.kind {
                Kind::Ordered(order) => match (rank(order, s), rank(order, t)) {
                    (Some(a), Some(b)) => self.op.holds(a.cmp(&b)),
                    _ => false,
                },
                _ => self.op.holds(s.as_str().cmp(t.as_str())),
            },
            _ => false,
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.operand {
            Operand::Number(n) => write!(f, "{} {} {n}", self.fact.name, self.op.symbol()),
            Operand::Text(t) => write!(f, "{} {} {t:?}", self.fact.name, self.op.symbol()),
        }
    }
}

fn rank(order: &[&str], value: &str) -> Option<usize> {
    order.iter().position(|o| o.eq_ignore_ascii_case(value))
}

/// Parses `FACT OP VALUE`: a number for numeric facts, a quoted string for text facts.
pub fn parse_condition(text: &str) -> Result<Condition, String> {
    let (at, symbol, op) = Op::ALL
        .iter()
        .filter_map(|(s, o)| text.find(s).map(|at| (at, *s, *o)))
        .min_by_key(|(at, s, _)| (*at, std::cmp::Reverse(s.len())))
        .ok_or_else(|| format!("{text:?} is not FACT OP VALUE (ops: > >= < <= == !=)"))?;
    let name = text[..at].trim();
    let value = text[at + symbol.len()..].trim();
    let fact = facts::find(name)
        .ok_or_else(|| format!("unknown fact {name:?} (known: {})", facts::names().join(", ")))?;
    let operand = match fact.kind {
        Kind::Number => value
            .parse::<f64>()
            .map(Operand::Number)
            .map_err(|_| format!("{} is a number; {value:?} is not one", fact.name))?,
        Kind::Text | Kind::Ordered(_) => {
            let quoted = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
            Operand::Text(quoted.map(str::to_string).ok_or_else(|| {
                format!("{} is a text; compare it with a quoted string, not {value}", fact.name)
            })?)
        }
    };
    check_text_operand(fact, op, &operand)?;
    Ok(Condition { fact, op, operand })
}

/// Text facts take `==` and `!=`; ordered ones every op, with a value of their vocabulary.
fn check_text_operand(fact: &FactDef, op: Op, operand: &Operand) -> Result<(), String> {
    let Operand::Text(t) = operand else { return Ok(()) };
    match fact.kind {
        Kind::Ordered(order) if rank(order, t).is_none() => {
            Err(format!("{} is one of {}; not {t:?}", fact.name, order.join(", ")))
        }
        Kind::Text if !matches!(op, Op::Eq | Op::Ne) => {
            Err(format!("{} is a text: only == and != compare it", fact.name))
        }
        _ => Ok(()),
    }
}

pub fn parse_severity(text: &str) -> Result<Severity, String> {
    match text {
        "info" => Ok(Severity::Info),
        "warning" => Ok(Severity::Warning),
        "critical" => Ok(Severity::Critical),
        _ => Err(format!("unknown severity {text:?} (info, warning or critical)")),
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{text:?} is not a duration ({e})"))
}

/// One rule, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub condition: Condition,
    pub for_: Duration,
    pub severity: Severity,
    pub labels: BTreeMap<String, String>,
    pub matches: BTreeMap<String, String>,
    pub summary: Option<String>,
    /// A built-in rule (not replaced by the user's).
    pub builtin: bool,
}

impl Rule {
    /// The rule of a `[[alerts.rules]]` table; the error names the key at fault.
    pub fn from_config(c: &RuleConfig, builtin: bool) -> Result<Rule, String> {
        let key = |k: &str, e: String| format!("{k}: {e}");
        Ok(Rule {
            name: c.name.clone(),
            condition: parse_condition(&c.when).map_err(|e| key("when", e))?,
            for_: c
                .for_
                .as_deref()
                .map_or(Ok(Duration::ZERO), parse_duration)
                .map_err(|e| key("for", e))?,
            severity: c
                .severity
                .as_deref()
                .map_or(Ok(Severity::Warning), parse_severity)
                .map_err(|e| key("severity", e))?,
            labels: c.labels.clone(),
            matches: c.matches.clone(),
            summary: c.summary.clone(),
            builtin,
        })
    }

    /// Whether a subject's labels match every glob of `match` (a label it lacks matches none).
    pub fn matches(&self, labels: &[(&'static str, String)]) -> bool {
        self.matches.iter().all(|(k, pattern)| {
            labels.iter().find(|(l, _)| l == k).is_some_and(|(_, v)| glob(pattern, v))
        })
    }
}

/// `*` matches any run of characters, `?` one; everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

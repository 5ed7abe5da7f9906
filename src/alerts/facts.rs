//! The facts a rule can test: their names, kinds and labels, and one evaluation's readings of
//! them. A reading knows which subjects could not be read (a backend down): the alerts of
//! those keep their last state rather than resolve falsely or fire spuriously.

use crate::units;

/// What a fact's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Number,
    /// Compared with `==` and `!=` only.
    Text,
    /// Words in an order (worst last): every op compares by rank.
    Ordered(&'static [&'static str]),
}

/// How a number is shown in an alert's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Bytes,
    /// 1 up, 0 down.
    Up,
    None,
}

#[derive(Debug, PartialEq)]
pub struct FactDef {
    pub name: &'static str,
    pub kind: Kind,
    pub unit: Unit,
    /// The labels naming each subject.
    pub labels: &'static [&'static str],
    pub doc: &'static str,
}

/// Burrow's statuses, best first.
pub const VERDICTS: &[&str] = &["OK", "WARN", "ERR", "STOP", "STALL", "REWIND"];
/// The slot guard's levels; `lost` is a slot whose WAL was removed.
pub const GUARD_LEVELS: &[&str] = &["ok", "amber", "red", "lost"];

const fn def(
    name: &'static str,
    kind: Kind,
    unit: Unit,
    labels: &'static [&'static str],
    doc: &'static str,
) -> FactDef {
    FactDef { name, kind, unit, labels, doc }
}

use Kind::{Number, Text};

pub const FACTS: &[FactDef] = &[
    def("group_lag", Number, Unit::Count, &["group"], "records behind, summed over partitions"),
    def(
        "group_lag_seconds",
        Number,
        Unit::Seconds,
        &["group"],
        "the worst partition's lag in time",
    ),
    def("group_verdict", Kind::Ordered(VERDICTS), Unit::None, &["group"], "Burrow's status"),
    def("connector_state", Text, Unit::None, &["cluster", "connector"], "RUNNING, PAUSED, FAILED…"),
    def("task_state", Text, Unit::None, &["cluster", "connector", "task"], "a task's state"),
    def("backend_up", Number, Unit::Up, &["backend"], "1 answering, 0 down (the reason shown)"),
    def("broker_up", Number, Unit::Up, &["broker", "address"], "1 up, 0 down"),
    def("under_replicated_partitions", Number, Unit::Count, &["topic"], "partitions below RF"),
    def("offline_partitions", Number, Unit::Count, &["topic"], "partitions without a leader"),
    def("slot_retained_bytes", Number, Unit::Bytes, &["slot"], "WAL the slot holds"),
    def("slot_wal_status", Text, Unit::None, &["slot"], "reserved, extended, unreserved, lost"),
    def(
        "slot_guard_level",
        Kind::Ordered(GUARD_LEVELS),
        Unit::None,
        &["slot"],
        "the guard's level",
    ),
    def("dead_letters_growth", Number, Unit::Count, &["consumer"], "letters added in 5 min"),
    def("late_events_growth", Number, Unit::Count, &["job"], "late events added in 5 min"),
    def("diff_diverged_rows", Number, Unit::Count, &["table"], "rows the last diff found diverged"),
    def("stage_retrying_seconds", Number, Unit::Seconds, &["stage"], "how long it has retried"),
];

pub fn find(name: &str) -> Option<&'static FactDef> {
    FACTS.iter().find(|f| f.name == name)
}

pub fn names() -> Vec<&'static str> {
    FACTS.iter().map(|f| f.name).collect()
}

/// One subject's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
}

/// One subject of a fact: its labels and value; `None` when this subject's value is unknown
/// now (its alert keeps its state). `note` is added to the shown value (a backend's reason).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Vec<(&'static str, String)>,
    pub value: Option<Value>,
    pub note: Option<String>,
}

impl Sample {
    pub fn new(labels: Vec<(&'static str, String)>, value: Option<Value>) -> Self {
        Self { labels, value, note: None }
    }

    /// The value as an alert shows it.
    pub fn shown(&self, unit: Unit) -> String {
        let v = match &self.value {
            None => "unknown".to_string(),
            Some(Value::Text(t)) => t.clone(),
            Some(Value::Number(n)) => number(*n, unit),
        };
        match &self.note {
            Some(n) => format!("{v} ({n})"),
            None => v,
        }
    }
}

fn number(n: f64, unit: Unit) -> String {
    match unit {
        Unit::Seconds => units::seconds(n.max(0.0).round() as u64),
        Unit::Bytes => units::bytes(n as i64, false),
        Unit::Up if n >= 1.0 => "up".into(),
        Unit::Up => "down".into(),
        _ if n.fract() == 0.0 => format!("{n:.0}"),
        _ => format!("{n:.2}"),
    }
}

/// One fact's reading: its subjects, and the subjects that could not be read, each named by
/// the labels it shares with its alerts (empty: the whole fact).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub samples: Vec<Sample>,
    pub unreadable: Vec<(Vec<(&'static str, String)>, String)>,
}

impl Reading {
    /// The whole fact unreadable, for `why`.
    pub fn unreadable(why: impl Into<String>) -> Self {
        Self { samples: Vec::new(), unreadable: vec![(Vec::new(), why.into())] }
    }

    /// Why an alert with these labels cannot be judged now, if it cannot.
    pub fn unreadable_for(
        &self,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|(scope, _)| scope.iter().all(|(k, v)| labels.get(*k) == Some(v)))
            .map(|(_, why)| why.as_str())
    }
}

/// Every fact's reading in one evaluation, by fact name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub readings: std::collections::HashMap<&'static str, Reading>,
}

impl Facts {
    pub fn get(&self, fact: &str) -> Option<&Reading> {
        self.readings.get(fact)
    }

    pub fn set(&mut self, fact: &'static str, reading: Reading) {
        self.readings.insert(fact, reading);
    }
}

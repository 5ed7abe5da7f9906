//! Retractable accumulators: count, sum, avg (sum/count), min and max.
//!
//! A CDC update retracts the old row, so every aggregate must be able to take a value back.
//! Count and sum are invertible; min and max keep a multiset (value → how many rows hold it) so
//! retracting the current minimum reveals the next one.
//!
//! Results leave the operator as per-partition partials (count, sum, min, max per column):
//! a group key spans Kafka partitions, so the final value is a merge of partials — in SQL by the
//! I/O layer, in [`merge`] here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;
use crate::config::job::AggregateConfig;

/// One numeric column's running state in one window.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ColumnAccumulator {
    /// Non-null values (the divisor of avg).
    pub count: i64,
    pub sum: Decimal,
    /// Value → multiplicity; kept only when min or max is asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<BTreeMap<Decimal, u32>>,
}

impl ColumnAccumulator {
    fn apply(&mut self, value: Decimal, sign: i8) {
        self.count += i64::from(sign);
        self.sum = Decimal(self.sum.0 + i128::from(sign) * value.0);
        let Some(values) = &mut self.values else {
            return;
        };
        if sign > 0 {
            *values.entry(value).or_default() += 1;
        } else if let Some(n) = values.get_mut(&value) {
            // A retraction of a value never added (data that predates the job) is ignored here
            // rather than panicking; count and sum still show it.
            *n -= 1;
            if *n == 0 {
                values.remove(&value);
            }
        }
    }
}

/// Everything a window holds for one group: row count and one accumulator per column.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Accumulators {
    /// count(*): rows added minus rows retracted.
    pub rows: i64,
    pub columns: Vec<ColumnAccumulator>,
}

impl Accumulators {
    /// Empty accumulators shaped for `columns`.
    pub fn new(columns: &[ValueColumn]) -> Self {
        let columns = columns
            .iter()
            .map(|c| ColumnAccumulator {
                values: c.extrema.then(BTreeMap::new),
                ..Default::default()
            })
            .collect();
        Self { rows: 0, columns }
    }

    /// Adds (`sign` = 1) or retracts (`sign` = -1) one row; `values` line up with the columns,
    /// None is SQL NULL (counted as a row, skipped by the column aggregates).
    pub fn apply(&mut self, values: &[Option<Decimal>], sign: i8) {
        self.rows += i64::from(sign);
        for (acc, v) in self.columns.iter_mut().zip(values) {
            if let Some(v) = v {
                acc.apply(*v, sign);
            }
        }
    }

    /// Takes in another window's state (sessions merging).
    pub fn absorb(&mut self, other: Accumulators) {
        self.rows += other.rows;
        for (acc, o) in self.columns.iter_mut().zip(other.columns) {
            acc.count += o.count;
            acc.sum = Decimal(acc.sum.0 + o.sum.0);
            if let (Some(mine), Some(theirs)) = (&mut acc.values, o.values) {
                for (v, n) in theirs {
                    *mine.entry(v).or_default() += n;
                }
            }
        }
    }

    /// The partial result this window contributes.
    pub fn partial(&self) -> Partial {
        let columns = self
            .columns
            .iter()
            .map(|c| ColumnPartial {
                count: c.count,
                sum: c.sum,
                min: c.values.as_ref().and_then(|v| v.keys().next().copied()),
                max: c.values.as_ref().and_then(|v| v.keys().next_back().copied()),
            })
            .collect();
        Partial { rows: self.rows, columns }
    }
}

/// A numeric column the job aggregates, and whether min/max need its multiset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueColumn {
    pub name: String,
    pub extrema: bool,
}

/// The distinct columns read by `aggregates`, in first-use order.
pub fn value_columns(aggregates: &[AggregateConfig]) -> Vec<ValueColumn> {
    let mut out: Vec<ValueColumn> = Vec::new();
    for a in aggregates {
        let Some(name) = a.column() else { continue };
        let extrema = matches!(a, AggregateConfig::Min { .. } | AggregateConfig::Max { .. });
        match out.iter_mut().find(|c| c.name == name) {
            Some(c) => c.extrema |= extrema,
            None => out.push(ValueColumn { name: name.to_string(), extrema }),
        }
    }
    out
}

/// One partition's contribution to a (group, window) result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Partial {
    pub rows: i64,
    /// Lined up with [`value_columns`].
    pub columns: Vec<ColumnPartial>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ColumnPartial {
    pub count: i64,
    pub sum: Decimal,
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
}

/// Combines partials of one (group, window) from several partitions: counts and sums add, min
/// of mins, max of maxes. The same rules the I/O layer applies in SQL.
pub fn merge<'a>(partials: impl IntoIterator<Item = &'a Partial>) -> Partial {
    let mut out = Partial::default();
    for p in partials {
        out.rows += p.rows;
        if out.columns.len() < p.columns.len() {
            out.columns.resize(p.columns.len(), ColumnPartial::default());
        }
        for (o, c) in out.columns.iter_mut().zip(&p.columns) {
            o.count += c.count;
            o.sum = Decimal(o.sum.0 + c.sum.0);
            o.min = [o.min, c.min].into_iter().flatten().min();
            o.max = [o.max, c.max].into_iter().flatten().max();
        }
    }
    out
}

/// The job's output columns (`count`, `sum_amount`, …) for a merged partial; None is NULL
/// (sum/avg/min/max over no non-null value).
pub fn finish(aggregates: &[AggregateConfig], merged: &Partial) -> Vec<(String, Option<Decimal>)> {
    let columns = value_columns(aggregates);
    let column = |name: &str| {
        let i = columns.iter().position(|c| c.name == name)?;
        merged.columns.get(i).copied()
    };
    aggregates
        .iter()
        .map(|a| {
            let c = a.column().and_then(column);
            let value = match a {
                AggregateConfig::Count => Some(Decimal::from_int(merged.rows)),
                AggregateConfig::Sum { .. } => c.filter(|c| c.count > 0).map(|c| c.sum),
                AggregateConfig::Avg { .. } => c.and_then(|c| c.sum.div_int(c.count)),
                AggregateConfig::Min { .. } => c.and_then(|c| c.min),
                AggregateConfig::Max { .. } => c.and_then(|c| c.max),
            };
            (a.output_column(), value)
        })
        .collect()
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;

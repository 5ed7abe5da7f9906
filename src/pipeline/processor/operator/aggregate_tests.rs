//! Tests of `aggregate`.
use super::*;

fn amount_aggs() -> Vec<AggregateConfig> {
    let column = || "amount".to_string();
    vec![
        AggregateConfig::Count,
        AggregateConfig::Sum { column: column() },
        AggregateConfig::Avg { column: column() },
        AggregateConfig::Min { column: column() },
        AggregateConfig::Max { column: column() },
    ]
}

#[expect(clippy::unnecessary_wraps, reason = "a value as the accumulators take it")]
fn v(s: &str) -> Option<Decimal> {
    Some(Decimal::parse(s).unwrap())
}

fn shown(aggs: &[AggregateConfig], p: &Partial) -> Vec<String> {
    finish(aggs, p)
        .into_iter()
        .map(|(n, v)| format!("{n}={}", v.map_or("null".into(), |d| d.to_string())))
        .collect()
}

#[test]
fn min_and_max_survive_retracting_the_extremes() {
    let aggs = amount_aggs();
    let cols = value_columns(&aggs);
    assert_eq!(cols, [ValueColumn { name: "amount".into(), extrema: true }]);
    let mut acc = Accumulators::new(&cols);
    for x in ["5", "1", "9", "1"] {
        acc.apply(&[v(x)], 1);
    }
    acc.apply(&[None], 1);
    assert_eq!(
        shown(&aggs, &acc.partial()),
        ["count=5", "sum_amount=16", "avg_amount=4", "min_amount=1", "max_amount=9"]
    );
    acc.apply(&[v("9")], -1);
    acc.apply(&[v("1")], -1);
    assert_eq!(
        shown(&aggs, &acc.partial()),
        ["count=3", "sum_amount=6", "avg_amount=3", "min_amount=1", "max_amount=5"]
    );
    acc.apply(&[v("1")], -1);
    acc.apply(&[v("5")], -1);
    assert_eq!(
        shown(&aggs, &acc.partial()),
        ["count=1", "sum_amount=null", "avg_amount=null", "min_amount=null", "max_amount=null"]
    );
}

#[test]
fn partials_merge_like_sql() {
    let aggs = amount_aggs();
    let cols = value_columns(&aggs);
    let (mut a, mut b) = (Accumulators::new(&cols), Accumulators::new(&cols));
    a.apply(&[v("2.5")], 1);
    b.apply(&[v("7.25")], 1);
    b.apply(&[v("0.25")], 1);
    let merged = merge([&a.partial(), &b.partial()]);
    assert_eq!(
        shown(&aggs, &merged),
        ["count=3", "sum_amount=10", "avg_amount=3.333333", "min_amount=0.25", "max_amount=7.25"]
    );
}

#[test]
fn sum_only_keeps_no_multiset() {
    let aggs = vec![
        AggregateConfig::Sum { column: "amount".into() },
        AggregateConfig::Max { column: "qty".into() },
    ];
    let cols = value_columns(&aggs);
    assert_eq!(cols.iter().map(|c| c.extrema).collect::<Vec<_>>(), [false, true]);
    let acc = Accumulators::new(&cols);
    assert!(acc.columns[0].values.is_none() && acc.columns[1].values.is_some());
}

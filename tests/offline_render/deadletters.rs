//! The dead-letters view: nothing recorded, letters of a replica and a job, the sink down.

use cdc_console::collectors::postgres::DeadLetters;
use cdc_console::collectors::{CollectError, Update, UpdateKind};
use cdc_console::pipeline::deadletter::{ConsumerLetters, Letter, ReasonCount};
use cdc_console::store::Store;
use cdc_console::ui::ViewId;

use crate::fixtures::*;

fn ms(s: u64) -> i64 {
    t(s).duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn letters() -> DeadLetters {
    let reason =
        |reason: &str, count, last| ReasonCount { reason: reason.into(), count, last_ms: ms(last) };
    DeadLetters {
        consumers: vec![
            ConsumerLetters {
                consumer: "job:orders_by_status".into(),
                count: 9000,
                redriven: 0,
                first_ms: ms(0),
                last_ms: ms(60),
                reasons: vec![
                    reason("not a Debezium change event: expected `{` at byte N", 6000, 60),
                    reason("unknown op `x`", 3000, 50),
                ],
            },
            ConsumerLetters {
                consumer: "replica:orders_copy".into(),
                count: 1000,
                redriven: 0,
                first_ms: ms(10),
                last_ms: ms(70),
                reasons: vec![reason("op Create without its row image", 1000, 70)],
            },
        ],
        newest: vec![
            Letter {
                id: 10_000,
                consumer: "replica:orders_copy".into(),
                topic: "dbserver1.public.orders".into(),
                partition: 2,
                offset: 4711,
                reason: "op Create without its row image".into(),
                recorded_ms: ms(70),
                ..Letter::default()
            },
            Letter {
                id: 9_999,
                consumer: "job:orders_by_status".into(),
                topic: "dbserver1.public.orders".into(),
                partition: 0,
                offset: 4710,
                reason: "unknown op `x`".into(),
                recorded_ms: ms(50),
                ..Letter::default()
            },
        ],
    }
}

fn with_letters() -> Store {
    let mut s = healthy();
    let sink = cdc_console::collectors::postgres::PostgresSnapshot {
        dead_letters: letters(),
        ..pg(false)
    };
    s.apply(Update { at: t(60), kind: UpdateKind::Sink(Ok(sink)) });
    s
}

#[test]
fn no_dead_letters_says_so() {
    let small = render(&healthy(), ViewId::DeadLetters, None, 80, 24);
    assert!(small.contains("no dead letters"), "{small}");
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&healthy(), ViewId::DeadLetters, None, 160, 40));
    let unpolled = render(&empty(), ViewId::DeadLetters, None, 80, 24);
    assert!(unpolled.contains("not polled yet"), "{unpolled}");
}

#[test]
fn letters_per_consumer_with_reasons_and_the_newest() {
    let s = with_letters();
    let small = render(&s, ViewId::DeadLetters, None, 80, 24);
    for want in ["job:orders_by_status", "9000", "replica:orders_copy", "unknown op `x`", "4711"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("letters_80x24", small);
    insta::assert_snapshot!("letters_160x40", render(&s, ViewId::DeadLetters, None, 160, 40));
}

#[test]
fn a_sink_down_keeps_the_letters_stale() {
    let mut s = with_letters();
    let err = CollectError::Unreachable {
        endpoint: cdc_console::config::Config::default().sink.to_string(),
        reason: "Connection refused (os error 111)".into(),
    };
    s.apply(Update { at: t(70), kind: UpdateKind::Sink(Err(err)) });
    let small = render(&s, ViewId::DeadLetters, None, 80, 24);
    assert!(small.contains("stale") && small.contains("9000"), "{small}");
    insta::assert_snapshot!("sink_down_80x24", small);
}

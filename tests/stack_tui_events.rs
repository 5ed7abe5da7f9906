//! The `:events` view in the real binary, in a real terminal (tmux), on a scratch topic of the
//! test's own (Debezium-shaped records keyed as Kafka Connect keys them): `:events TOPIC` lists
//! the newest events, `s` with a key finds exactly that key's events with the changed column
//! marked, `f` follows, and an update written then appears on top.

mod common;

use std::time::Duration;

use common::kafka::{ScratchTopic, plain_config};
use common::tmux::Session;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

fn send(topic: &str, records: &[(u32, &str, &str, &str)]) {
    let producer: BaseProducer =
        plain_config().set("partitioner", "murmur2_random").create().expect("producer");
    for (id, op, before, after) in records {
        let value = format!(
            r#"{{"before":{before},"after":{after},"source":{{"ts_ms":1,"lsn":{},"txId":{},"schema":"public","table":"items"}},"op":"{op}"}}"#,
            1000 + id,
            2000 + id
        );
        let key = format!(r#"{{"id":{id}}}"#);
        producer
            .send(BaseRecord::to(topic).key(&key).payload(&value))
            .map_err(|(e, _)| e)
            .expect("send");
    }
    producer.flush(Duration::from_secs(10)).expect("flush");
}

fn row(id: u32, status: &str) -> String {
    format!(r#"{{"id":{id},"status":"{status}"}}"#)
}

#[test]
fn events_view_lists_searches_a_key_and_follows() {
    common::require_stack();
    let topic = ScratchTopic::create(&format!("t21ev_tui_{}", std::process::id()), 3);
    let inserts: Vec<(u32, String)> = (1..=20).map(|id| (id, row(id, "new"))).collect();
    let records: Vec<(u32, &str, &str, &str)> =
        inserts.iter().map(|(id, after)| (*id, "c", "null", after.as_str())).collect();
    send(&topic.name, &records);
    let (new7, paid7) = (row(7, "new"), row(7, "paid"));
    send(&topic.name, &[(7, "u", &new7, &paid7)]);

    let dir = tempfile::tempdir().expect("temp dir");
    let s = Session::console(
        &format!("t21ev_tui_{}", std::process::id()),
        dir.path(),
        "env -u CDC_CONSOLE_CONFIG",
        140,
        40,
    );
    s.wait("the console", 20, |sc| sc.contains("cdc-console"));
    s.keys(&[":"]);
    s.type_text(&format!("events {}", topic.name));
    s.keys(&["Enter"]);
    let listed = s.wait("the newest events", 30, |sc| sc.contains("21 records read"));
    assert!(listed.contains(r#"{"id":20}"#), "{listed}");

    s.keys(&["s"]);
    s.wait("the key prompt", 10, |sc| sc.contains("key (JSON"));
    s.type_text(r#"{"id":7}"#);
    s.keys(&["Enter"]);
    let found = s.wait("the key's events", 30, |sc| {
        sc.contains(r#"key {"id":7}"#) && sc.contains("21 records read")
    });
    let rows = found.lines().filter(|l| l.contains(r#"{"id":7}"#) && l.starts_with('│')).count();
    assert_eq!(rows, 2, "the insert and the update of id 7, nothing else:\n{found}");
    assert!(found.contains("* status") && found.contains(r#""paid""#), "{found}");

    s.keys(&["f"]);
    s.wait("following", 20, |sc| {
        sc.contains("following (f stops)") && sc.contains("21 records read · 0 arrived since")
    });
    let shipped = row(7, "shipped");
    send(&topic.name, &[(7, "u", &paid7, &shipped), (8, "u", &row(8, "new"), &row(8, "paid"))]);
    let live = s.wait("the live update on top", 30, |sc| sc.contains("1 arrived since"));
    assert!(
        live.contains(r#""shipped""#),
        "the new event selected on top, its diff shown:\n{live}"
    );

    s.keys(&["Escape"]);
    // Back where `:events TOPIC` was typed (the overview); the read stops with the view.
    s.wait("the overview again", 10, |sc| !sc.contains("Events ·") && sc.contains("connector"));
    s.keys(&["q"]);
    s.wait("the console's exit", 20, |sc| sc.contains("exit=0"));
}

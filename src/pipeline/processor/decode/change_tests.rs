//! Tests of `change`.
use super::*;

fn decoder(time: Option<&str>) -> ChangeDecoder {
    ChangeDecoder::new(&["status".into()], &["amount".into()], time)
}

const UPDATE: &[u8] = br#"{"before":{"order_id":1,"user_id":7,"customer_name":"Ann \"A\"","amount":"12.34","status":"pending","updated_at":"2026-11-21T09:08:40.123456Z"},
    "after":{"order_id":1,"user_id":7,"customer_name":"Ann","amount":"15.00","status":"paid","updated_at":"2026-11-21T09:08:41Z","extra":{"x":[1,2]}},
    "source":{"version":"3.0.7.Final","connector":"postgresql","ts_ms":1795252122000,"snapshot":"false","sequence":"[\"1\",\"2\"]","lsn":26812345,"xmin":null},
    "op":"u","ts_ms":1795252122100,"transaction":null}"#;

#[test]
fn projects_an_update_onto_the_job_columns() {
    let c = decoder(Some("updated_at")).decode(Some(UPDATE)).unwrap().unwrap();
    assert_eq!(c.op, Op::Update);
    assert_eq!(c.source_ts_ms, 1_795_252_122_000);
    let before = c.before.unwrap();
    assert_eq!(before.key, [KeyPart::Text("pending".into())]);
    assert!(matches!(before.key[0], KeyPart::Text(Cow::Borrowed(_))), "borrowed, not copied");
    assert_eq!(before.values, [Some(Decimal::parse("12.34").unwrap())]);
    assert_eq!(before.event_time, Some(1_795_252_120_123));
    let after = c.after.unwrap();
    assert_eq!(after.event_time, Some(1_795_252_121_000));
    assert_eq!(after.values, [Some(Decimal::from_int(15))]);
}

#[test]
fn source_time_jobs_need_no_column_and_microseconds_work() {
    let c = decoder(None).decode(Some(UPDATE)).unwrap().unwrap();
    assert_eq!(c.after.unwrap().event_time, None);
    let micros = br#"{"before":null,"after":{"status":"new","amount":3,"updated_at":1795252120123456},"source":{"ts_ms":1},"op":"r"}"#;
    let c = decoder(Some("updated_at")).decode(Some(micros)).unwrap().unwrap();
    assert_eq!(c.op, Op::Read);
    assert_eq!(c.after.unwrap().event_time, Some(1_795_252_120_123));
}

#[test]
fn tombstones_are_none() {
    let d = decoder(None);
    for t in [None, Some(&b""[..]), Some(&b"null"[..]), Some(&b" "[..])] {
        assert_eq!(d.decode(t).unwrap(), None);
    }
}

#[test]
fn undecodable_records_say_why() {
    let d = decoder(Some("updated_at"));
    let err = |json: &str| d.decode(Some(json.as_bytes())).unwrap_err().to_string();
    assert!(err("{\"op\":").starts_with("not a Debezium change event"));
    assert!(err("[1,2]").starts_with("not a Debezium change event"));
    assert_eq!(err(r#"{"op":"x","source":{"ts_ms":1}}"#), "unknown op `x`");
    assert_eq!(err(r#"{"source":{"ts_ms":1}}"#), "no `op` field");
    assert_eq!(err(r#"{"op":null,"source":{"ts_ms":1}}"#), "no `op` field");
    assert_eq!(
        err(
            r#"{"before":null,"after":{"status":"a","amount":"1","updated_at":"2026-11-21T09:08:40Z"},"op":"u","source":{"ts_ms":1}}"#
        ),
        "op `u` has no before image (set REPLICA IDENTITY FULL on the source table)"
    );
    assert_eq!(
        err(
            r#"{"after":{"status":"a","updated_at":"2026-11-21T09:08:40Z"},"op":"c","source":{"ts_ms":1}}"#
        ),
        "after image has no column `amount`"
    );
    assert_eq!(
        err(
            r#"{"after":{"status":"a","amount":"1x","updated_at":"2026-11-21T09:08:40Z"},"op":"c","source":{"ts_ms":1}}"#
        ),
        "after image column `amount`: `1x` is not a decimal number"
    );
    assert_eq!(
        err(
            r#"{"after":{"status":"a","amount":"1","updated_at":"yesterday"},"op":"c","source":{"ts_ms":1}}"#
        ),
        "after image column `updated_at`: `yesterday` is not an ISO-8601 timestamp"
    );
    // Strings are checked for UTF-8 where they are read: a group-by value, a decimal, a time.
    let bytes = |status: &[u8], amount: &[u8], time: &[u8]| {
        let mut v = br#"{"after":{"status":""#.to_vec();
        for (part, next) in [
            (status, &br#"","amount":""#[..]),
            (amount, br#"","updated_at":""#),
            (time, br#""},"op":"c","source":{"ts_ms":1}}"#),
        ] {
            v.extend_from_slice(part);
            v.extend_from_slice(next);
        }
        d.decode(Some(&v)).map(|c| c.map(|c| c.op)).map_err(|e| e.to_string())
    };
    let ok_time = b"2026-11-21T09:08:40Z";
    assert_eq!(bytes(b"paid", b"1.5", ok_time), Ok(Some(Op::Create)));
    assert_eq!(
        bytes(b"pa\xffid", b"1", ok_time),
        Err("after image column `status`: invalid UTF-8 in string".into())
    );
    assert_eq!(
        bytes(b"paid", b"1\xff", ok_time),
        Err("after image column `amount`: `1\u{fffd}` is not a decimal number".into())
    );
    assert!(
        bytes(b"paid", b"1", b"2026-11-21T09:08:40\xff")
            .unwrap_err()
            .ends_with("is not an ISO-8601 timestamp")
    );
    let escaped_op = br#"{"op":"\u0063","source":{"ts_ms":1},"after":{"status":"a","amount":"1","updated_at":"2026-11-21T09:08:40Z"}}"#;
    assert_eq!(d.decode(Some(escaped_op)).unwrap().unwrap().op, Op::Create);
    assert_eq!(
        decoder(None)
            .decode(Some(br#"{"after":{"status":"a","amount":"1"},"op":"c","source":{}}"#))
            .unwrap_err(),
        ChangeError::NoSourceTime
    );
    assert_eq!(
        d.decode(Some(br#"{"op":"t","source":{"ts_ms":1}}"#)).unwrap().unwrap().op,
        Op::Truncate
    );
}

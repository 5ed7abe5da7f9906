//! Tests of `copy_binary`: encodings chosen from type names, PostgreSQL's binary numeric, and
//! what falls back to the text twin. That PostgreSQL stores these values as its own input
//! functions would is checked against the server in tests/stack_replicator.rs.

use super::*;

fn staged(enc: Encoding, json: &str) -> Result<Vec<u8>, FieldError> {
    let raw: Box<RawValue> = serde_json::from_str(json).expect("test JSON");
    let mut buf = Vec::new();
    column(&mut buf, enc, "c", Some(&raw))?;
    Ok(buf)
}

/// (length, bytes) fields as written.
fn fields(mut buf: &[u8]) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let len = i32::from_be_bytes(buf[..4].try_into().unwrap());
        buf = &buf[4..];
        if len < 0 {
            out.push(None);
        } else {
            out.push(Some(buf[..len as usize].to_vec()));
            buf = &buf[len as usize..];
        }
    }
    out
}

fn numeric_of(s: &str) -> Option<Vec<i16>> {
    let mut buf = Vec::new();
    numeric(&mut buf, s).then(|| buf.chunks(2).map(|c| i16::from_be_bytes([c[0], c[1]])).collect())
}

#[test]
fn encodings_follow_format_type_names() {
    assert_eq!(Encoding::of("bigint"), Encoding::Int8);
    assert_eq!(Encoding::of("numeric(12,2)"), Encoding::Numeric);
    assert_eq!(Encoding::of("character varying(20)"), Encoding::Text);
    assert_eq!(Encoding::of("character(3)"), Encoding::Text);
    assert_eq!(
        Encoding::of("timestamp(3) without time zone"),
        Encoding::Timestamp { millis: true }
    );
    assert_eq!(Encoding::of("timestamp without time zone"), Encoding::Timestamp { millis: false });
    assert_eq!(
        Encoding::of("timestamp(6) without time zone"),
        Encoding::Timestamp { millis: false }
    );
    assert_eq!(Encoding::of("time(0) without time zone"), Encoding::Time { millis: true });
    assert_eq!(Encoding::of("timestamp with time zone"), Encoding::TimestampTz);
    assert_eq!(Encoding::of("integer[]"), Encoding::Other);
    assert_eq!(Encoding::of("jsonb"), Encoding::Other);
    assert_eq!(Encoding::of("public.mood"), Encoding::Other);
}

#[test]
fn numerics_are_base_10000_digits_with_weight_sign_and_display_scale() {
    // [ndigits, weight, sign, dscale, digits…]
    assert_eq!(numeric_of("12.30"), Some(vec![2, 0, 0, 2, 12, 3000]));
    assert_eq!(numeric_of("-12345.6"), Some(vec![3, 1, 0x4000, 1, 1, 2345, 6000]));
    assert_eq!(numeric_of("10000"), Some(vec![1, 1, 0, 0, 1]));
    assert_eq!(numeric_of("0.00001"), Some(vec![1, -2, 0, 5, 1000]));
    assert_eq!(numeric_of("007.0001"), Some(vec![2, 0, 0, 4, 7, 1]));
    assert_eq!(numeric_of("-0.00"), Some(vec![0, 0, 0, 2]));
    assert_eq!(numeric_of(".5"), Some(vec![1, -1, 0, 1, 5000]));
    for other in ["NaN", "Infinity", "1e5", "1.2.3", ".", "", "-", "+1", "1 "] {
        assert_eq!(numeric_of(other), None, "{other}");
    }
}

#[test]
fn floats_keep_what_postgresql_would_refuse_for_its_own_input() {
    assert_eq!(float::<f32>("0.1"), Some(0.1f32));
    assert_eq!(float::<f64>("-1.5e-7"), Some(-1.5e-7));
    assert_eq!(float::<f64>("0.0"), Some(0.0));
    assert_eq!(float::<f64>("1e400"), None, "overflow");
    assert_eq!(float::<f64>("1e-400"), None, "underflow");
    assert_eq!(float::<f32>("1e39"), None, "overflow for real");
    assert_eq!(float::<f64>(r#""NaN""#), None);
}

#[test]
fn uuids_in_their_plain_spellings() {
    let want = [
        0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a,
        0x11,
    ];
    assert_eq!(uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), Some(want));
    assert_eq!(uuid("A0EEBC999C0B4EF8BB6D6BB9BD380A11"), Some(want));
    assert_eq!(uuid("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"), None);
    assert_eq!(uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g"), None);
    assert_eq!(uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd38-a11"), None);
}

#[test]
fn a_typed_value_leaves_its_twin_null_and_other_forms_go_to_the_twin() {
    assert_eq!(
        fields(&staged(Encoding::Int8, "42").unwrap()),
        [Some(42i64.to_be_bytes().to_vec()), None]
    );
    assert_eq!(fields(&staged(Encoding::Int8, "12.5").unwrap()), [None, Some(b"12.5".to_vec())]);
    assert_eq!(fields(&staged(Encoding::Int2, "40000").unwrap()), [None, Some(b"40000".to_vec())]);
    assert_eq!(
        fields(&staged(Encoding::Numeric, r#""NaN""#).unwrap()),
        [None, Some(b"NaN".to_vec())]
    );
    let date = (temporal::date("2026-11-21").unwrap() - temporal::PG_EPOCH_DAYS) as i32;
    assert_eq!(
        fields(&staged(Encoding::Date, "20778").unwrap()),
        [Some(date.to_be_bytes().to_vec()), None]
    );
    assert_eq!(
        fields(&staged(Encoding::Date, r#""2026-11-21""#).unwrap()),
        [Some(date.to_be_bytes().to_vec()), None]
    );
    let at = temporal::date("2026-11-21").unwrap() * temporal::DAY_MICROS + 123_000
        - temporal::PG_EPOCH_MICROS;
    assert_eq!(
        fields(&staged(Encoding::Timestamp { millis: true }, "1795219200123").unwrap())[0],
        Some(at.to_be_bytes().to_vec())
    );
    assert_eq!(
        fields(&staged(Encoding::Timestamp { millis: false }, "1795219200000123").unwrap())[0],
        Some((at - 122_877).to_be_bytes().to_vec())
    );
    assert_eq!(
        fields(&staged(Encoding::TimestampTz, r#""2026-11-21 00:00:00 UTC""#).unwrap()),
        [None, Some(b"2026-11-21 00:00:00 UTC".to_vec())]
    );
    assert_eq!(
        fields(&staged(Encoding::Time { millis: false }, "86400000001").unwrap()),
        [None, Some(b"86400000001".to_vec())]
    );
    // Text and other types have a single field; a string escaped in JSON is unescaped.
    assert_eq!(fields(&staged(Encoding::Text, r#""a\tb""#).unwrap()), [Some(b"a\tb".to_vec())]);
    assert_eq!(
        fields(&staged(Encoding::Other, r#""10.0.0.1""#).unwrap()),
        [Some(b"10.0.0.1".to_vec())]
    );
    assert_eq!(fields(&staged(Encoding::Uuid, "null").unwrap()), [None, None]);
}

#[test]
fn bytea_is_base64_or_a_dead_letter() {
    assert_eq!(
        fields(&staged(Encoding::Bytea, r#""AAEC/w==""#).unwrap()),
        [Some(vec![0, 1, 2, 255])]
    );
    let err = staged(Encoding::Bytea, r#""\\x0001""#).unwrap_err();
    assert!(err.reason.contains("base64"), "{err}");
}

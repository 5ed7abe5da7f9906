//! Tests of `scan`.
use super::*;

#[test]
fn reads_scalars_and_skips_the_rest() {
    let text = br#" { "a" : "x\"y" , "\u0062":[1,{"c":"]}"}], "d": -12.50e1, "e":7, "f":null, "g":true } "#;
    let mut s = Scanner::new(text);
    let mut seen = Vec::new();
    s.object(|s, key| {
        let v = if key == b"b" { s.skip().map(|()| Raw::Nested)? } else { s.value()? };
        seen.push((String::from_utf8(key.to_vec()).unwrap(), v));
        Ok(())
    })
    .unwrap();
    assert!(s.at_end());
    let want = [
        ("a", Raw::Text("x\"y".into())),
        ("b", Raw::Nested),
        ("d", Raw::Number("-12.50e1")),
        ("e", Raw::Int(7)),
        ("f", Raw::Null),
        ("g", Raw::Bool(true)),
    ];
    assert_eq!(seen, want.map(|(k, v)| (k.to_string(), v)));
}

#[test]
fn finds_quotes_in_any_position() {
    for len in 0..20 {
        for at in 0..len {
            for c in [b'"', b'\\'] {
                let mut text = vec![b'a'; len];
                text[at] = c;
                assert_eq!(find_quote_or_backslash(&text), Some(at));
            }
        }
        assert_eq!(find_quote_or_backslash(&vec![0xFFu8; len]), None);
    }
}

#[test]
fn malformed_input_is_an_error() {
    for bad in [
        &br#"{"a":1"#[..],
        br#"{"a":[1,2}"#,
        br#"{"a" 1}"#,
        br#"{"a":"x"#,
        br#"{"a":nul}"#,
        br#"{"a":1 "b":2}"#,
    ] {
        let mut s = Scanner::new(bad);
        assert!(s.object(|s, _| s.skip()).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    // Kept numbers are checked in full; skipped ones only for their extent. A kept string is
    // checked by what reads it (see the decoder's tests).
    assert!(Scanner::new(b"1.2.3").value().is_err());
    assert_eq!(Scanner::new(b"\"\xff\"").value(), Ok(Raw::Str(b"\xff")));
    assert_eq!(Scanner::new(b"007").value(), Ok(Raw::Int(7)), "not JSON, but an integer");
    assert_eq!(Scanner::new(b"-9223372036854775808").value(), Ok(Raw::Int(i64::MIN)));
    assert_eq!(
        Scanner::new(b"12345678901234567890").value(),
        Ok(Raw::Number("12345678901234567890"))
    );
}

#[test]
fn stops_early_and_skips_the_rest_checked() {
    let text = br#"{"a":1,"b":{"x":"}\"]"},"c":[1,{"d":null}]} "#;
    let mut s = Scanner::new(text);
    let mut seen = Vec::new();
    s.object_until(|s, key| {
        seen.push(key.to_vec());
        s.skip().map(|()| key == b"a")
    })
    .unwrap();
    assert_eq!(seen, [b"a".to_vec()]);
    assert!(s.at_end());
    for bad in [&br#"{"a":1,"b":[}"#[..], br#"{"a":1,"b":"x}"#, br#"{"a":1,"b":2"#] {
        let mut s = Scanner::new(bad);
        assert!(s.object_until(|s, _| s.skip().map(|()| true)).is_err());
    }
}

#[test]
fn numbers_of_any_length_end_where_they_should() {
    for digits in 0..40 {
        let n = "1234567890".repeat(4)[..digits].to_string();
        for tail in ["", ".5e-3", "x"] {
            let text = format!("-{n}{tail}");
            let mut s = Scanner::new(text.as_bytes());
            s.number_extent();
            let want = text.len() - usize::from(tail == "x");
            assert_eq!(s.i, want, "{text}");
        }
    }
    let mut s = Scanner::new(b"[123456789,0}");
    assert!(s.skip().is_err(), "digits skipped, brackets still matched");
    let mut s = Scanner::new(b"[123456789012345678,\"9\"]");
    assert!(s.skip().is_ok() && s.at_end());
}

//! Tests of `skim`: against a byte-by-byte walk, across 64-byte block boundaries.
use super::*;

/// The walk `close` replaces, one byte at a time.
fn reference(b: &[u8], from: usize, mut stack: u64, mut depth: u32) -> Result<usize, ()> {
    let mut i = from;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => loop {
                i += 1;
                match b.get(i) {
                    None => return Err(()),
                    Some(b'"') => break,
                    Some(b'\\') => i += 1,
                    Some(_) => {}
                }
            },
            b'\\' => return Err(()),
            b'{' | b'[' if depth == MAX_DEPTH => return Err(()),
            b'{' | b'[' => {
                stack = (stack << 1) | u64::from(c == b'{');
                depth += 1;
            }
            b'}' | b']' => {
                if depth == 0 || (stack & 1 == 1) != (c == b'}') {
                    return Err(());
                }
                stack >>= 1;
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(())
}

/// `close` after an opening `{` at byte 0, compared with the walk.
fn agrees(text: &[u8]) {
    let got = close(text, 1, 1, 1).map_err(drop);
    assert_eq!(got, reference(text, 1, 1, 1), "{}", String::from_utf8_lossy(text));
}

#[test]
fn short_values_straddling_a_block_boundary_agree_with_the_walk() {
    const ALPHABET: &[u8] = b"\"\\{}[]a";
    // Every string of up to 5 of these bytes, placed so that it crosses byte 64 (the second
    // block) or ends the input, after a prefix that is plain or inside a string.
    for len in 0..=5u32 {
        for n in 0..ALPHABET.len().pow(len) {
            let mut tail = Vec::new();
            let mut k = n;
            for _ in 0..len {
                tail.push(ALPHABET[k % ALPHABET.len()]);
                k /= ALPHABET.len();
            }
            for lead in [60usize, 62, 63, 64] {
                for (open, quoted) in [(b"{".as_slice(), false), (b"{\"".as_slice(), true)] {
                    let mut text = open.to_vec();
                    text.resize(lead, b'x');
                    text.extend_from_slice(&tail);
                    agrees(&text);
                    text.extend_from_slice(if quoted { b"\"}}]" } else { b"}]}" });
                    agrees(&text);
                }
            }
        }
    }
}

#[test]
fn escapes_nesting_and_truncation() {
    let ok: &[(&[u8], usize)] = &[
        (br#"{"a":"x\"}"}, tail"#, 12),
        (br#"{"a":"x\\"}, tail"#, 11),
        (br#"{"a":"\\\"}\\"}"#, 15),
        (br#"{"a":[1,{"b":["]"]},{}],"c":{"d":{"e":[[[]]]}}}"#, 47),
        (br#"{"sequence":"[\"26000000\",\"26000160\"]","lsn":26000160,"xmin":null}x"#, 69),
    ];
    for &(text, end) in ok {
        assert_eq!(close(text, 1, 1, 1), Ok(end), "{}", String::from_utf8_lossy(text));
        agrees(text);
    }
    for bad in [
        &br#"{"a":"x\"}"#[..],
        br#"{"a":[1,2}"#,
        br#"{"a":1"#,
        br#"{"a":"x\"#,
        br#"{"a":\"x"}"#,
        br#"{"a":1]"#,
        b"{",
    ] {
        assert!(close(bad, 1, 1, 1).is_err(), "{}", String::from_utf8_lossy(bad));
        agrees(bad);
    }
    let deep = format!("{{{}{}}}", "[".repeat(63), "]".repeat(63));
    assert_eq!(close(deep.as_bytes(), 1, 1, 1), Ok(deep.len()));
    let deeper = format!("{{{}{}}}", "[".repeat(64), "]".repeat(64));
    assert!(close(deeper.as_bytes(), 1, 1, 1).is_err());
}

#[test]
fn long_random_values_agree_with_the_walk() {
    // xorshift: backslash runs of every length, quotes and brackets at every offset.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20_000 {
        let len = (next() % 300) as usize;
        let mut text = vec![b'{'];
        for _ in 0..len {
            let r = next() % 16;
            text.push(match r {
                0..=2 => b'"',
                3..=5 => b'\\',
                6 => b'{',
                7 => b'}',
                8 => b'[',
                9 => b']',
                _ => b'a',
            });
        }
        agrees(&text);
    }
}

#[test]
fn escaped_marks_the_byte_after_an_odd_backslash_run_across_blocks() {
    let mut carry = Carry::default();
    // Runs of 1, 2 and 3 backslashes at bits 0, 4..5 and 10..12: bytes 1 and 13 are escaped,
    // and so are the second backslash of each pair (5, 11), which is no quote anyway.
    let escaped = (1 << 1) | (1 << 5) | (1 << 11) | (1 << 13);
    assert_eq!(carry.escaped(0b1_1100_0011_0001), escaped);
    // A run of one at the top bit escapes bit 0 of the next block.
    assert_eq!(carry.escaped(1 << 63), 0);
    assert_eq!(carry.escaped(0), 1);
    // Quotes at bits 4 and 7: bytes 4 to 6 are inside the string.
    assert_eq!(prefix_xor(0b1001_0000), 0b0111_0000);
}

//! Event-time values as Debezium sends them, to epoch milliseconds.
//!
//! `timestamptz` arrives as an ISO-8601 string (io.debezium.time.ZonedTimestamp,
//! "2026-11-21T09:08:40.123456Z"); `timestamp` as epoch microseconds
//! (io.debezium.time.MicroTimestamp) or, with time.precision.mode=connect, epoch milliseconds.
//! A bare number is read by magnitude: ≥ 10^17 nanoseconds, ≥ 10^14 microseconds (10^14 ms is
//! the year 5138, 10^14 µs is 1973), else milliseconds. Sub-millisecond digits are truncated
//! toward the past, so an event never lands in a later window than its true time.

/// Epoch milliseconds from an epoch number of unknown unit (see the module doc).
pub fn from_epoch_number(n: i64) -> i64 {
    match n.unsigned_abs() {
        a if a >= 100_000_000_000_000_000 => n.div_euclid(1_000_000),
        a if a >= 100_000_000_000_000 => n.div_euclid(1_000),
        _ => n,
    }
}

/// Epoch milliseconds from `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH[:MM]]` (no zone = UTC).
pub fn parse_iso8601(text: &str) -> Option<i64> {
    parse_iso8601_bytes(text.as_bytes())
}

/// [`parse_iso8601`] of raw bytes: anything but the ASCII of the format is refused.
pub fn parse_iso8601_bytes(b: &[u8]) -> Option<i64> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let [year, month, day, hour, minute] = date_and_minute(b)?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0i64;
    if let Some((b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, c) in frac[..n].iter().take(3).enumerate() {
            millis += i64::from(c - b'0') * [100, 10, 1][i];
        }
        rest = &frac[n..];
    }
    let offset_minutes = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), zone @ ..] => {
            let (h, m) = match zone {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            let minutes = h * 60 + m;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

/// Year, month, day, hour and minute of `YYYY-MM-DD?HH:MM` (the separators checked by the
/// caller), from the first 16 bytes as two words: their 12 digits are checked and converted a
/// word at a time, where a digit at a time took a third of the decode's time parsing dates.
fn date_and_minute(b: &[u8]) -> Option<[i64; 5]> {
    let word = |at: usize| Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?));
    // Little-endian: byte k of the text is byte k of the word.
    let ymd = digit_values(word(0)?, 0x00FF_FF00_FFFF_FFFF)?; // YYYY-MM-
    let dhm = digit_values(word(8)?, 0xFFFF_00FF_FF00_FFFF)?; // DD?HH:MM
    let at = |w: u64, k: u32| ((w >> (8 * k)) & 0xFF) as i64;
    let pair = |w: u64, k: u32| at(w, k) * 10 + at(w, k + 1);
    Some([
        pair(ymd, 0) * 100 + pair(ymd, 2),
        pair(ymd, 5),
        pair(dhm, 0),
        pair(dhm, 3),
        pair(dhm, 6),
    ])
}

/// The values of the bytes of `w` selected by `mask` (the others zero), or None when one of
/// them is not an ASCII digit.
fn digit_values(w: u64, mask: u64) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let x = (w & mask) | (ZEROS & !mask);
    // Every byte 0x30..=0x3F, and still below 0x40 after adding 6: 0x30..=0x39 (no byte can
    // carry into the next once the first test holds).
    if x & HIGH != ZEROS || x.wrapping_add(0x0606_0606_0606_0606) & HIGH != ZEROS {
        return None;
    }
    Some(x - ZEROS)
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debezium_zoned_timestamps() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso8601("2026-11-21T09:08:40.123456Z"), Some(1_795_252_120_123));
        assert_eq!(parse_iso8601("2026-11-21T09:08:40Z"), Some(1_795_252_120_000));
        assert_eq!(parse_iso8601("2026-11-21 10:08:40.1+01:00"), Some(1_795_252_120_100));
        assert_eq!(parse_iso8601("2026-11-21T04:08:40.999-0500"), Some(1_795_252_120_999));
        assert_eq!(parse_iso8601("2000-02-29T00:00:00"), Some(951_782_400_000));
        assert_eq!(parse_iso8601("1969-12-31T23:59:59.5Z"), Some(-500));
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "2026-11-21",
            "2026-13-01T00:00:00Z",
            "2026-11-21T24:00:00Z",
            "2026-11-21T09:08:40.Z",
            "2026-11-21T09:08:40 UTC",
            "2026/11/21T09:08:40Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_digit_position_refuses_every_non_digit() {
        let good = *b"2026-11-21T09:08:40.5Z";
        // The fields one digit at a time, as the parser read them before.
        let fields = |b: &[u8]| -> Option<Vec<i64>> {
            [0..4, 5..7, 8..10, 11..13, 14..16].into_iter().map(|r| digits(&b[r])).collect()
        };
        for at in (0..16).filter(|i| ![4, 7, 10, 13].contains(i)) {
            for c in 0..=255u8 {
                let mut text = good;
                text[at] = c;
                let got = date_and_minute(&text).map(|f| f.to_vec());
                assert_eq!(got, fields(&text), "byte {at} = {c:#x}");
                assert_eq!(got.is_some(), c.is_ascii_digit());
            }
        }
        assert_eq!(date_and_minute(b"2026-11-21T09:0"), None, "too short");
        assert_eq!(parse_iso8601("9999-12-31T23:59:59.999Z"), Some(253_402_300_799_999));
    }

    #[test]
    fn epoch_numbers_are_read_by_magnitude() {
        assert_eq!(from_epoch_number(1_795_252_120_123), 1_795_252_120_123);
        assert_eq!(from_epoch_number(1_795_252_120_123_456), 1_795_252_120_123);
        assert_eq!(from_epoch_number(1_795_252_120_123_456_789), 1_795_252_120_123);
        assert_eq!(from_epoch_number(-1_500), -1_500);
    }
}

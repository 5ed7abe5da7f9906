//! ISO-8601 dates and timestamps as PostgreSQL's binary format counts them. Only the plain forms
//! are read (4-digit years, at most microseconds, `Z` or a numeric offset): anything else is left
//! to the type's own input function (see `copy_binary`).

use std::ops::RangeInclusive;

pub const DAY_MICROS: i64 = 86_400_000_000;
/// 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01.
pub const PG_EPOCH_DAYS: i64 = 10_957;
pub const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * DAY_MICROS;
/// 0001-01-01 ..= 9999-12-31 in days since 1970: the years written here.
pub const DAYS: RangeInclusive<i64> = -719_162..=2_932_896;

/// Microseconds since 1970 within [`DAYS`].
pub fn in_range(micros: i64) -> bool {
    DAYS.contains(&micros.div_euclid(DAY_MICROS))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// `YYYY-MM-DD` as days since 1970-01-01.
pub fn date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (number(&s[..4])?, number(&s[5..7])?, number(&s[8..10])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]` and, when `with_offset`, `Z` or `±HH[[:]MM]` after it
/// (without: nothing after it), as microseconds since 1970 UTC.
pub fn timestamp(s: &str, with_offset: bool) -> Option<i64> {
    if s.len() < 16 || !matches!(s.as_bytes()[10], b'T' | b' ') {
        return None;
    }
    let days = date(s.get(..10)?)?;
    let rest = s.get(11..)?;
    let time_end =
        rest.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(time_end);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut parts = hms.split(':');
    let h = parts.next().filter(|p| p.len() == 2).and_then(number)?;
    let m = parts.next().filter(|p| p.len() == 2).and_then(number)?;
    let sec = match parts.next() {
        Some(p) if p.len() == 2 => number(p)?,
        Some(_) => return None,
        None if fraction.is_empty() && !time.contains('.') => 0,
        None => return None,
    };
    if parts.next().is_some()
        || h > 23
        || m > 59
        || sec > 59
        || fraction.len() > 6
        || (time.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let micros_of_second = if fraction.is_empty() {
        0
    } else {
        number(fraction)? * 10i64.pow(6 - fraction.len() as u32)
    };
    let offset_seconds = match (with_offset, zone) {
        (false, "") => 0,
        (true, "Z") => 0,
        (true, z) if z.starts_with(['+', '-']) => {
            let digits: String = z[1..].chars().filter(|&c| c != ':').collect();
            let (oh, om) = match (digits.len(), z.len()) {
                (2, 3) => (number(&digits)?, 0),
                (4, 5 | 6) if z.len() == 5 || z.as_bytes()[3] == b':' => {
                    (number(digits.get(..2)?)?, number(digits.get(2..)?)?)
                }
                _ => return None,
            };
            if oh > 15 || om > 59 {
                return None;
            }
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let local = days * DAY_MICROS + ((h * 60 + m) * 60 + sec) * 1_000_000 + micros_of_second;
    Some(local - offset_seconds * 1_000_000).filter(|&u| in_range(u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_1970_across_leap_years_and_before_the_epoch() {
        assert_eq!(date("1970-01-01"), Some(0));
        assert_eq!(date("2000-01-01"), Some(PG_EPOCH_DAYS));
        assert_eq!(date("2024-02-29"), Some(19_782));
        assert_eq!(date("1969-12-31"), Some(-1));
        assert_eq!(date("0001-01-01"), Some(*DAYS.start()));
        assert_eq!(date("9999-12-31"), Some(*DAYS.end()));
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "20260101",
            "2026-01-32",
            "0000-01-01",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn timestamps_with_fractions_and_offsets_become_utc_microseconds() {
        let base = date("2026-11-21").unwrap() * DAY_MICROS;
        let at = |h: i64, m: i64, s: i64, us: i64| base + ((h * 60 + m) * 60 + s) * 1_000_000 + us;
        assert_eq!(timestamp("2026-11-21T09:00:00Z", true), Some(at(9, 0, 0, 0)));
        assert_eq!(timestamp("2026-11-21T09:00:00.123456Z", true), Some(at(9, 0, 0, 123_456)));
        assert_eq!(timestamp("2026-11-21T09:00:00.5Z", true), Some(at(9, 0, 0, 500_000)));
        assert_eq!(timestamp("2026-11-21T09:00Z", true), Some(at(9, 0, 0, 0)));
        assert_eq!(timestamp("2026-11-21 11:30:00+02:30", true), Some(at(9, 0, 0, 0)));
        assert_eq!(timestamp("2026-11-21T07:00:00-02", true), Some(at(9, 0, 0, 0)));
        assert_eq!(timestamp("2026-11-21T07:00:00-0200", true), Some(at(9, 0, 0, 0)));
        assert_eq!(timestamp("2026-11-21T09:00:00.25", false), Some(at(9, 0, 0, 250_000)));
        // Left to PostgreSQL's input: no offset for timestamptz, an offset for timestamp,
        // nanoseconds, 24:00, leap seconds, words.
        for (bad, tz) in [
            ("2026-11-21T09:00:00", true),
            ("2026-11-21T09:00:00Z", false),
            ("2026-11-21T09:00:00.1234567Z", true),
            ("2026-11-21T24:00:00Z", true),
            ("2026-11-21T23:59:60Z", true),
            ("2026-11-21T09:00:00.Z", true),
            ("2026-11-21T09:00:00+2", true),
            ("2026-11-21T09:00:00 UTC", true),
            ("infinity", true),
            ("2026-11-21", false),
        ] {
            assert_eq!(timestamp(bad, tz), None, "{bad}");
        }
    }
}

//! Exact decimals for aggregates: an i128 counting millionths.
//!
//! Debezium sends `numeric` as a string ("12.34", decimal.handling.mode=string) so money never
//! goes through a float; sums and retractions must then cancel exactly, which floats would not.
//! Six fractional digits cover numeric(p, ≤6) exactly; more digits are rounded half away from
//! zero (PostgreSQL's rounding for numeric), and the integer part may have up to 32 digits.

use serde::{Deserialize, Serialize};

/// Millionths per unit.
const SCALE: i128 = 1_000_000;
const SCALE_DIGITS: u32 = 6;
/// `10^(6 - decimals)`: a table rather than `pow` when scaling a parsed value.
const SHIFT: [u64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
/// Beyond this the next digit could overflow the i128.
const LIMIT: i128 = i128::MAX / 100;

/// A fixed-point decimal, value = `self.0 / 10^6`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Decimal(pub i128);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("`{0}` is not a decimal number")]
    Syntax(String),
    #[error("`{0}` is out of range (at most 32 integer digits)")]
    Range(String),
}

impl Decimal {
    pub const ZERO: Decimal = Decimal(0);

    pub fn from_int(n: i64) -> Self {
        Decimal(i128::from(n) * SCALE)
    }

    /// A JSON float (a numeric sent as a number): its shortest exact decimal form, so `12.34`
    /// stays 12.34 rather than 12.339999…
    pub fn from_f64(f: f64) -> Result<Self, DecimalError> {
        if !f.is_finite() {
            return Err(DecimalError::Syntax(f.to_string()));
        }
        Self::parse(&f.to_string())
    }

    /// `[+-]digits[.digits][e[+-]digits]`.
    /// [`parse`](Self::parse) of raw bytes (a JSON string's content): the plain form directly,
    /// anything else through the text parser (bytes that are not UTF-8 are a syntax error).
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, DecimalError> {
        if let Some(d) = Self::parse_plain(bytes) {
            return Ok(d);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::parse(text),
            Err(_) => Err(DecimalError::Syntax(String::from_utf8_lossy(bytes).into_owned())),
        }
    }

    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        if let Some(d) = Self::parse_plain(text.as_bytes()) {
            return Ok(d);
        }
        let syntax = || DecimalError::Syntax(text.to_string());
        let range = || DecimalError::Range(text.to_string());
        let bytes = text.trim().as_bytes();
        let (negative, rest) = match bytes.first() {
            Some(b'-') => (true, &bytes[1..]),
            Some(b'+') => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let (mantissa, exponent) = match rest.iter().position(|b| matches!(b, b'e' | b'E')) {
            Some(i) => (&rest[..i], parse_exponent(&rest[i + 1..]).ok_or_else(syntax)?),
            None => (rest, 0),
        };
        let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, &mantissa[mantissa.len()..]),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(syntax());
        }
        // digits = all mantissa digits; value = digits * 10^(exponent - frac_len).
        let mut digits: i128 = 0;
        let mut dropped = Vec::new();
        let mut shift = exponent - frac_part.len() as i64 + i64::from(SCALE_DIGITS);
        for &b in int_part.iter().chain(frac_part) {
            if !b.is_ascii_digit() {
                return Err(syntax());
            }
            if digits > LIMIT {
                // Keep digits that only matter for rounding aside; they lower the shift.
                dropped.push(b - b'0');
                shift += 1;
                continue;
            }
            digits = digits * 10 + i128::from(b - b'0');
        }
        let value = if shift >= 0 {
            let mut v = digits;
            for _ in 0..shift {
                v = v.checked_mul(10).ok_or_else(range)?;
            }
            if !dropped.is_empty() {
                return Err(range());
            }
            v
        } else {
            let mut v = digits;
            let mut round_up = false;
            for _ in 0..(-shift).min(40) {
                round_up = v % 10 >= 5;
                v /= 10;
            }
            if shift < -40 {
                round_up = false;
            }
            v + i128::from(round_up)
        };
        if value > LIMIT {
            return Err(range());
        }
        Ok(Decimal(if negative { -value } else { value }))
    }

    /// `[-]digits[.digits]` with at most 18 digits and 6 decimals, what Debezium sends for a
    /// numeric: exact in a u64 with no rounding, so the general parse (exponents, rounding,
    /// range) runs only for the rest. None: not of that form, let the general parse decide.
    #[inline]
    fn parse_plain(b: &[u8]) -> Option<Self> {
        let (negative, body) = match b.split_first()? {
            (b'-', rest) => (true, rest),
            _ => (false, b),
        };
        // 19 bytes hold at most 19 digits, which fit a u64.
        if body.len() > 19 {
            return None;
        }
        let (mut v, mut digits, mut point) = (0u64, 0usize, None);
        for (i, &c) in body.iter().enumerate() {
            match c {
                b'0'..=b'9' => {
                    v = v * 10 + u64::from(c - b'0');
                    digits += 1;
                }
                b'.' if point.is_none() => point = Some(i),
                _ => return None,
            }
        }
        let decimals = point.map_or(0, |p| body.len() - p - 1);
        if digits == 0 || digits > 18 || decimals > SCALE_DIGITS as usize {
            return None;
        }
        // A table rather than `pow`, and a 64 × 64 → 128-bit product (one multiply).
        let v = (u128::from(v) * u128::from(SHIFT[decimals])) as i128;
        Some(Decimal(if negative { -v } else { v }))
    }

    /// `self / n`, rounded half away from zero (for averages).
    pub fn div_int(self, n: i64) -> Option<Self> {
        if n == 0 {
            return None;
        }
        let n = i128::from(n);
        let (q, r) = (self.0 / n, self.0 % n);
        let away = i128::from(r.abs() * 2 >= n.abs());
        let sign = if (self.0 < 0) == (n < 0) { 1 } else { -1 };
        Some(Decimal(q + sign * away * i128::from(r != 0)))
    }
}

fn parse_exponent(b: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(b).ok()?;
    let e: i64 = text.parse().ok()?;
    (e.abs() <= 400).then_some(e)
}

/// The shortest form: `12.34`, `-0.5`, `7`.
impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (int, frac) = (abs / SCALE as u128, abs % SCALE as u128);
        if frac == 0 {
            return write!(f, "{sign}{int}");
        }
        let frac = format!("{frac:06}");
        write!(f, "{sign}{int}.{}", frac.trim_end_matches('0'))
    }
}

impl std::str::FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, DecimalError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn parses_debezium_numerics_exactly() {
        assert_eq!(d("12.34"), Decimal(12_340_000));
        assert_eq!(d("-0.5"), Decimal(-500_000));
        assert_eq!(d("+7"), Decimal(7_000_000));
        assert_eq!(d(".25"), Decimal(250_000));
        assert_eq!(d("1e3"), Decimal(1_000_000_000));
        assert_eq!(d("1.5E-2"), Decimal(15_000));
        assert_eq!(Decimal::from_f64(12.34).unwrap(), d("12.34"));
        assert_eq!(Decimal::from_int(-3), d("-3.000"));
    }

    #[test]
    fn the_plain_fast_path_agrees_with_the_general_parse() {
        for s in [
            "0",
            "-0",
            "12.34",
            "-12.34",
            "12.",
            ".25",
            "-.5",
            "007.100000",
            "123456789012345678",
            "123456789012.456789",
            "99999999999999999.9",
            "0.000001",
        ] {
            let fast = Decimal::parse_plain(s.as_bytes());
            assert!(fast.is_some(), "{s}");
            let general = Decimal::parse(&format!(" {s}")).ok();
            assert_eq!(fast, general, "{s}");
        }
        for s in ["", "-", ".", "1.2.3", "1e3", "+7", "1.0000005", "1234567890123456789", " 1"] {
            assert_eq!(Decimal::parse_plain(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn more_than_six_digits_round_half_away_from_zero() {
        assert_eq!(d("0.0000005"), Decimal(1));
        assert_eq!(d("0.0000004999"), Decimal(0));
        assert_eq!(d("-1.0000015"), Decimal(-1_000_002));
        assert_eq!(d("1e-50"), Decimal(0));
    }

    #[test]
    fn refuses_garbage_and_overflow() {
        for bad in ["", "-", ".", "12a", "NaN", "1e", "1.2.3", "--1"] {
            assert!(matches!(Decimal::parse(bad), Err(DecimalError::Syntax(_))), "{bad}");
        }
        assert!(matches!(Decimal::parse(&"9".repeat(40)), Err(DecimalError::Range(_))));
        assert!(matches!(Decimal::parse("1e200"), Err(DecimalError::Range(_))));
        assert!(Decimal::from_f64(f64::NAN).is_err());
    }

    #[test]
    fn formats_back_and_divides() {
        for s in ["12.34", "-0.5", "7", "0", "123456789.000001"] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(d("10").div_int(3).unwrap().to_string(), "3.333333");
        assert_eq!(d("20").div_int(3).unwrap().to_string(), "6.666667");
        assert_eq!(d("-20").div_int(3).unwrap().to_string(), "-6.666667");
        assert_eq!(d("1").div_int(0), None);
    }
}

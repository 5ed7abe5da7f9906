//! A single-pass, zero-copy JSON reader for the Debezium envelope, behind
//! [`ChangeDecoder::decode`](super::change::ChangeDecoder::decode).
//!
//! serde_json with `IgnoredAny` visitors ran at ~0.45 M events/s per core on 700-byte events,
//! under the 1 M/s target; this reader skips unwanted values by scanning for their closing
//! bracket or quote (checking only structure, not every byte of what it skips) and borrows the
//! strings it keeps, unescaping only when a string has escapes. The values kept are checked
//! fully where the job gives them a meaning (UTF-8 for group-by text, decimal and timestamp
//! syntax for the others; numbers here).

use std::borrow::Cow;

mod classify;
mod skim;
mod skip;

/// A column value as found in the JSON, before the job gives it a meaning.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw<'a> {
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    /// Any other number, as written (so decimals stay exact).
    Number(&'a str),
    /// A string with escapes, unescaped (and so valid UTF-8).
    Text(Cow<'a, str>),
    /// A string without escapes, as its bytes: UTF-8 is checked by whatever reads it (a
    /// decimal or a timestamp parser accepts ASCII only, a group-by value is checked), so a
    /// value used as a number is not validated twice.
    Str(&'a [u8]),
    Nested,
}

pub(super) struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

pub(super) type ScanResult<T> = Result<T, String>;

impl<'a> Scanner<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Self { b, i: 0 }
    }

    #[cold]
    #[inline(never)]
    fn err<T>(&self, what: &str) -> ScanResult<T> {
        Err(format!("{what} at byte {}", self.i))
    }

    #[inline]
    pub fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    pub fn expect(&mut self, c: u8) -> ScanResult<()> {
        // Compact JSON (what Debezium writes) has no whitespace: check before skipping any.
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            return Ok(());
        }
        self.expected(c)
    }

    #[cold]
    #[inline(never)]
    fn expected(&mut self, c: u8) -> ScanResult<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(&format!("expected `{}`", c as char))
        }
    }

    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Walks an object: calls `field` with each key, which must consume the value.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &[u8]) -> ScanResult<()>,
    ) -> ScanResult<()> {
        self.object_until(|s, key| field(s, key).map(|()| false))
    }

    /// Walks an object until `field` returns true (it has what it wanted), then skips the rest
    /// of the object as a skipped value (brackets and strings checked, not every byte parsed):
    /// most of Debezium's `source` block follows the one field a job reads from it.
    pub fn object_until(
        &mut self,
        mut field: impl FnMut(&mut Self, &[u8]) -> ScanResult<bool>,
    ) -> ScanResult<()> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.expect(b'"')?;
            let (raw, escaped) = self.string_body()?;
            let key: Cow<'a, [u8]> =
                if escaped { Cow::Owned(unescape(raw)?.into_bytes()) } else { Cow::Borrowed(raw) };
            self.expect(b':')?;
            let done = field(self, &key)?;
            let next = match self.b.get(self.i) {
                Some(&c @ (b',' | b'}')) => Some(c),
                _ => self.peek(),
            };
            match next {
                Some(b',') if done => {
                    self.i += 1;
                    return self.close(1, 1);
                }
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.err("expected `,` or `}`"),
            }
        }
    }

    /// `null` (consumed, true) or anything else (left, false).
    pub fn null(&mut self) -> ScanResult<bool> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn literal(&mut self, word: &[u8]) -> ScanResult<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            self.err("invalid literal")
        }
    }

    /// A string's content as bytes (not checked for UTF-8), borrowed unless it has escapes:
    /// for values compared as bytes, like Debezium's `op`.
    pub fn string_bytes(&mut self) -> ScanResult<Cow<'a, [u8]>> {
        self.expect(b'"')?;
        match self.string_body()? {
            (raw, false) => Ok(Cow::Borrowed(raw)),
            (raw, true) => unescape(raw).map(|t| Cow::Owned(t.into_bytes())),
        }
    }

    /// The bytes up to the closing quote (the opening one consumed), and whether they hold
    /// escapes; leaves the scanner after the closing quote. Inlined: it runs for every key and
    /// string, and its common case (no escape) is a single search.
    #[inline(always)]
    fn string_body(&mut self) -> ScanResult<(&'a [u8], bool)> {
        let b: &'a [u8] = self.b;
        let start = self.i;
        let rest = b.get(start..).unwrap_or_default();
        match find_quote_or_backslash(rest) {
            Some(n) if rest[n] == b'"' => {
                self.i = start + n + 1;
                Ok((&rest[..n], false))
            }
            _ => self.string_body_escaped(start),
        }
    }

    /// [`string_body`](Self::string_body) for a string with escapes (or unterminated).
    #[cold]
    #[inline(never)]
    fn string_body_escaped(&mut self, start: usize) -> ScanResult<(&'a [u8], bool)> {
        let b: &'a [u8] = self.b;
        let mut escaped = false;
        self.i = start;
        loop {
            let rest = b.get(self.i..).unwrap_or_default();
            match find_quote_or_backslash(rest) {
                None => return self.err("unterminated string"),
                Some(n) if rest[n] == b'"' => {
                    self.i += n + 1;
                    return Ok((&b[start..self.i - 1], escaped));
                }
                Some(n) => {
                    escaped = true;
                    self.i += n + 2;
                }
            }
        }
    }

    /// A scalar kept for the job; objects and arrays are skipped as `Nested`.
    pub fn value(&mut self) -> ScanResult<Raw<'a>> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                match self.string_body()? {
                    (raw, false) => Ok(Raw::Str(raw)),
                    (raw, true) => unescape(raw).map(|t| Raw::Text(Cow::Owned(t))),
                }
            }
            Some(b'n') => self.literal(b"null").map(|()| Raw::Null),
            Some(b't') => self.literal(b"true").map(|()| Raw::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|()| Raw::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'{' | b'[') => self.skip().map(|()| Raw::Nested),
            _ => self.err("expected a value"),
        }
    }

    fn number(&mut self) -> ScanResult<Raw<'a>> {
        let start = self.i;
        self.number_extent();
        let bytes = &self.b[start..self.i];
        if let Some(n) = small_int(bytes) {
            return Ok(Raw::Int(n));
        }
        // ASCII only, so this cannot fail; checked anyway rather than unwrapped.
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Raw::Int(n));
        }
        if text.parse::<f64>().is_err() {
            return self.err("invalid number");
        }
        Ok(Raw::Number(text))
    }
}

/// `-?[0-9]{1,18}` (JSON: no leading zero unless alone) as an integer; None for anything else
/// (longer, fractional, exponent, malformed), which the general path decides. Event times and
/// LSNs are this, and need no UTF-8 check or `str::parse`.
#[inline]
fn small_int(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 18 || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some(if negative { -n } else { n })
}

/// The first `"` or `\\`: strings are most of what is read and skipped. Most keys and values
/// end within 16 bytes, so one SSE2 compare usually finds their end (an 8-byte SWAR loop took
/// a third more instructions per string). memchr's SSE2 searcher inlines here; its
/// runtime-dispatched `memchr2` costs a call per string and ran slower than the SWAR loop.
#[inline]
fn find_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(two) = memchr::arch::x86_64::sse2::memchr::Two::new(b'"', b'\\') {
        return two.find(bytes);
    }
    memchr::arch::all::memchr::Two::new(b'"', b'\\').find(bytes)
}

/// The text of a string body with escapes (rare in the columns a job reads).
fn unescape(raw: &[u8]) -> ScanResult<String> {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted).map_err(|e| e.to_string())
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;

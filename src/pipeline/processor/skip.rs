//! Skipping values the job does not read: [`Scanner::skip`] and the bracket matching behind it.
//!
//! Skipped values are checked for structure only (strings terminated, brackets matched), not
//! parsed: most of each Debezium record is skipped, so this is much of the decode time.

use super::{ScanResult, Scanner};

impl Scanner<'_> {
    /// Skips any value: strings to their closing quote, objects and arrays to their matching
    /// bracket (structure checked, content not parsed).
    pub fn skip(&mut self) -> ScanResult<()> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(c @ (b'{' | b'[')) => {
                self.i += 1;
                self.close(u64::from(c == b'{'), 1)
            }
            Some(b'-' | b'0'..=b'9') => {
                // Not parsed: only its extent matters.
                while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.b.get(self.i)
                {
                    self.i += 1;
                }
                Ok(())
            }
            Some(_) => self.value().map(drop),
            None => self.err("expected a value"),
        }
    }

    /// Skips to the bracket that closes the `depth` open ones in `stack` (a bit stack, 1 =
    /// object, innermost lowest), so skipping allocates nothing.
    pub(super) fn close(&mut self, mut stack: u64, mut depth: u32) -> ScanResult<()> {
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return self.err("unterminated object");
            };
            match c {
                b'"' => {
                    self.skip_string()?;
                    continue;
                }
                b'{' | b'[' if depth == 64 => return self.err("nesting deeper than 64"),
                b'{' | b'[' => {
                    stack = (stack << 1) | u64::from(c == b'{');
                    depth += 1;
                }
                b'}' | b']' => {
                    if depth == 0 || (stack & 1 == 1) != (c == b'}') {
                        return self.err("mismatched bracket");
                    }
                    stack >>= 1;
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    fn skip_string(&mut self) -> ScanResult<()> {
        self.i += 1;
        self.string_body().map(drop)
    }
}

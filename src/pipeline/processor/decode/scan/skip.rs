//! Skipping values the job does not read: [`Scanner::skip`] and the bracket matching behind it.
//!
//! Skipped values are checked for structure only (strings terminated, brackets matched), not
//! parsed: most of each Debezium record is skipped, so this is much of the decode time.

use super::{ScanResult, Scanner, skim};

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
                self.number_extent();
                Ok(())
            }
            Some(_) => self.value().map(drop),
            None => self.err("expected a value"),
        }
    }

    /// Skips to the bracket that closes the `depth` open ones in `stack` (a bit stack, 1 =
    /// object, innermost lowest), so skipping allocates nothing; 64 bytes at a time ([`skim`]).
    pub(super) fn close(&mut self, stack: u64, depth: u32) -> ScanResult<()> {
        match skim::close(self.b, self.i, stack, depth) {
            Ok(end) => {
                self.i = end;
                Ok(())
            }
            Err(stop) => {
                self.i = stop.at;
                self.err(stop.why)
            }
        }
    }

    /// Moves past a number's characters (digits, sign, point, exponent), not checking syntax.
    pub(super) fn number_extent(&mut self) {
        loop {
            self.skip_digits();
            match self.b.get(self.i) {
                Some(b'-' | b'+' | b'.' | b'e' | b'E') => self.i += 1,
                _ => return,
            }
        }
    }

    /// Moves past ASCII digits, eight at a time: the envelope's times and LSNs are 13 to 19
    /// digits, and the byte loop took a step (and a branch) per digit.
    #[inline]
    fn skip_digits(&mut self) {
        const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
        const THREES: u64 = 0x3030_3030_3030_3030;
        while let Some(word) = self.b.get(self.i..self.i + 8) {
            let Ok(word) = <[u8; 8]>::try_from(word) else {
                break;
            };
            let x = u64::from_le_bytes(word);
            // Every byte 0x30..=0x3F, and still below 0x40 after adding 6: 0x30..=0x39. No
            // byte can carry into the next (0x3F + 6 < 0x100).
            if x & HIGH != THREES || x.wrapping_add(0x0606_0606_0606_0606) & HIGH != THREES {
                break;
            }
            self.i += 8;
        }
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn skip_string(&mut self) -> ScanResult<()> {
        self.i += 1;
        self.string_body().map(drop)
    }
}

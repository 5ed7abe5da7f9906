//! Finding the bracket that closes a skipped object or array 64 bytes at a time, with
//! bitmasks: Debezium's `source` block past `ts_ms` (a dozen short strings and numbers, one of
//! them with escaped quotes) took a branch per byte and a search per string.
//!
//! Per block: the classes of its bytes ([`Classes`]); which quotes are escaped (preceded by an
//! odd run of backslashes, carried across blocks); which bytes are inside strings (a prefix
//! XOR of the unescaped quotes, carried too); then the brackets outside strings, one by one in
//! a bit stack as before (so mismatches and depth are still checked). The structure checked is
//! that of a byte-by-byte walk: strings terminated, brackets matched, no backslash outside a
//! string; content not parsed.

use super::classify::Classes;

/// Deepest nesting a skipped value may have (the bit stack's width).
pub(super) const MAX_DEPTH: u32 = 64;

/// Why skimming stopped short, and at which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stop {
    pub at: usize,
    pub why: &'static str,
}

/// What a block hands to the next: an escape pending at its first byte, and whether it starts
/// inside a string.
#[derive(Debug, Default, Clone, Copy)]
struct Carry {
    /// 1 when the previous block ended in an odd run of backslashes.
    escaped: u64,
    /// All ones when the previous block ended inside a string.
    in_string: u64,
}

impl Carry {
    /// The bytes escaped by a backslash (after an odd run of them, and every second byte of a
    /// run): a quote so marked does not end its string. Runs that start on
    /// an odd bit are told apart from even ones by an addition whose carries run through each
    /// backslash run (simdjson's method), so this is branch-free and per block, not per byte.
    #[inline(always)]
    fn escaped(&mut self, backslash: u64) -> u64 {
        const EVEN: u64 = 0x5555_5555_5555_5555;
        let backslash = backslash & !self.escaped;
        let follows_escape = (backslash << 1) | self.escaped;
        let odd_starts = backslash & !EVEN & !follows_escape;
        let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
        self.escaped = u64::from(overflow);
        (EVEN ^ (even_starts << 1)) & follows_escape
    }

    /// Bit i set where byte i is inside a string (its opening quote included, its closing one
    /// not), given the unescaped quotes.
    #[inline(always)]
    fn in_string(&mut self, quotes: u64) -> u64 {
        let inside = prefix_xor(quotes) ^ self.in_string;
        self.in_string = ((inside as i64) >> 63) as u64;
        inside
    }
}

/// Bit i = XOR of bits 0..=i.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The index just past the bracket that closes the `depth` brackets open at `from` (`stack`:
/// a bit per open bracket, 1 = object, innermost lowest), `from` being outside any string.
pub(super) fn close(b: &[u8], from: usize, mut stack: u64, mut depth: u32) -> Result<usize, Stop> {
    let mut carry = Carry::default();
    let mut at = from;
    let mut padded = [b' '; 64];
    loop {
        // The last bytes go into a block padded with spaces, which belong to no class.
        let (block, whole) =
            if let Some(block) = b.get(at..at + 64).and_then(|s| <&[u8; 64]>::try_from(s).ok()) {
                (block, true)
            } else {
                let rest = b.get(at..).unwrap_or_default();
                padded[..rest.len()].copy_from_slice(rest);
                (&padded, false)
            };
        let c = Classes::of(block);
        let escaped = carry.escaped(c.backslash);
        let inside = carry.in_string(c.quote & !escaped);
        // A backslash outside a string is not JSON: refused, rather than read as an escape.
        let mut structural = (c.open | c.close | c.backslash) & !inside;
        while structural != 0 {
            let bit = structural.trailing_zeros() as usize;
            structural &= structural - 1;
            let curly = block[bit] & 0x20 != 0;
            if c.open & (1 << bit) != 0 {
                if depth == MAX_DEPTH {
                    return Err(Stop { at: at + bit, why: "nesting deeper than 64" });
                }
                stack = (stack << 1) | u64::from(curly);
                depth += 1;
                continue;
            }
            if c.backslash & (1 << bit) != 0 {
                return Err(Stop { at: at + bit, why: "backslash outside a string" });
            }
            if depth == 0 || (stack & 1 == 1) != curly {
                return Err(Stop { at: at + bit, why: "mismatched bracket" });
            }
            stack >>= 1;
            depth -= 1;
            if depth == 0 {
                return Ok(at + bit + 1);
            }
        }
        if !whole {
            let why = match carry.in_string {
                0 => "unterminated object",
                _ => "unterminated string",
            };
            return Err(Stop { at: b.len(), why });
        }
        at += 64;
    }
}

#[cfg(test)]
#[path = "skim_tests.rs"]
mod tests;

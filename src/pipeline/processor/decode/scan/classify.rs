//! Byte classes of a block of JSON as bitmasks (bit i = byte i): what the scanner searches for,
//! found 16 bytes per compare instead of one byte per branch.
//!
//! SSE2 is part of the x86_64 baseline, so no runtime detection is needed there; other targets
//! take the scalar loops, which compute the same masks (the tests compare the two).

/// Where a 64-byte block has quotes, backslashes, and opening / closing brackets (`{` `[` and
/// `}` `]`): everything that decides where a skipped value ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Classes {
    pub quote: u64,
    pub backslash: u64,
    pub open: u64,
    pub close: u64,
}

impl Classes {
    /// The classes of `block`.
    #[inline]
    pub fn of(block: &[u8; 64]) -> Self {
        #[cfg(target_arch = "x86_64")]
        return sse2::classes(block);
        #[cfg(not(target_arch = "x86_64"))]
        return Self::scalar(block);
    }

    /// [`of`](Self::of) one byte at a time: the portable path and the tests' reference.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    pub fn scalar(block: &[u8; 64]) -> Self {
        let mut c = Self::default();
        for (i, &b) in block.iter().enumerate() {
            let bit = 1u64 << i;
            match b {
                b'"' => c.quote |= bit,
                b'\\' => c.backslash |= bit,
                b'{' | b'[' => c.open |= bit,
                b'}' | b']' => c.close |= bit,
                _ => {}
            }
        }
        c
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };

    use super::Classes;

    /// 16 bytes from the start of `bytes`, which must hold at least 16.
    #[inline(always)]
    fn load(bytes: &[u8]) -> __m128i {
        assert!(bytes.len() >= 16);
        // SAFETY: the assert keeps the 16-byte read inside `bytes`; `loadu` has no alignment
        // requirement, and SSE2 is enabled on every x86_64 target.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
    }

    /// Bit i set where byte i of `v` equals `c`.
    #[inline(always)]
    fn eq(v: __m128i, c: u8) -> u64 {
        // SAFETY: register-only SSE2 operations; SSE2 is enabled on every x86_64 target.
        let bits = unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) };
        u64::from(bits as u16)
    }

    #[inline(always)]
    pub fn classes(block: &[u8; 64]) -> Classes {
        let mut c = Classes::default();
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            let v = load(chunk);
            // `{` `}` are `[` `]` with bit 5 set: clearing it folds both pairs onto one compare.
            // SAFETY: a register-only SSE2 operation; SSE2 is enabled on every x86_64 target.
            let folded = unsafe { _mm_and_si128(v, _mm_set1_epi8(0xDFu8 as i8)) };
            let shift = 16 * k;
            c.quote |= eq(v, b'"') << shift;
            c.backslash |= eq(v, b'\\') << shift;
            c.open |= eq(folded, b'[') << shift;
            c.close |= eq(folded, b']') << shift;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_classes_equal_the_scalar_ones() {
        let mut block = [0u8; 64];
        for round in 0..256u32 {
            for (i, b) in block.iter_mut().enumerate() {
                // Every byte value appears, in every lane, across the rounds.
                *b = (round as usize * 7 + i * 31) as u8;
            }
            assert_eq!(Classes::of(&block), Classes::scalar(&block), "round {round}");
        }
        let text = br#"{"a":[1,"\"}"],"b":{"c":"\\"}} ;K]{[}"#;
        block.fill(b' ');
        block[..text.len()].copy_from_slice(text);
        let c = Classes::of(&block);
        assert_eq!(c, Classes::scalar(&block));
        assert_eq!(c.open.count_ones(), 5);
        assert_eq!(c.close.count_ones(), 6, "one in a string");
        assert_eq!(c.backslash.count_ones(), 3);
    }
}

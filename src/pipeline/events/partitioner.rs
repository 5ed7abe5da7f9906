//! Debezium's key → partition: Kafka Connect's producer sends each record to
//! `toPositive(murmur2(key bytes)) % partitions` (the Java client's default partitioner for a
//! keyed record), so a key's events sit in one partition, which a key search reads first.

/// Kafka's `Utils.murmur2` (seed 0x9747b28c), as the Java producer computes it.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ u32::try_from(len).unwrap_or(u32::MAX);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    i32::from_ne_bytes(h.to_ne_bytes())
}

/// The partition the Java producer picks for `key` among `partitions`.
pub fn key_partition(key: &[u8], partitions: usize) -> i32 {
    let positive = murmur2(key) & 0x7fff_ffff;
    let n = i32::try_from(partitions.max(1)).unwrap_or(i32::MAX);
    positive % n
}

/// JSON text without the whitespace outside strings, fields in their given order: the bytes
/// Kafka Connect's JSON converter writes for the same key.
pub fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for ch in text.chars() {
        if in_string {
            out.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_string = false;
            }
        } else if ch == '"' {
            in_string = true;
            out.push(ch);
        } else if !ch.is_whitespace() {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_agrees_with_the_java_client() {
        // Values from Kafka's UtilsTest.testMurmur2.
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            (b"abc", 479_470_107),
        ];
        for (data, want) in cases {
            assert_eq!(murmur2(data), want, "{}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn keys_map_to_a_partition_in_range() {
        for i in 0..100 {
            let p = key_partition(format!("{{\"id\":{i}}}").as_bytes(), 4);
            assert!((0..4).contains(&p));
        }
        assert_eq!(compact_json(r#"{ "id" : 1, "n": "a b" }"#), r#"{"id":1,"n":"a b"}"#);
        assert_eq!(compact_json(r#"{"s":"q\" x"}"#), r#"{"s":"q\" x"}"#);
    }
}

//! Quantities as people read them, shared by the screen and the headless tables.

/// Bytes in binary units: `long` for tables ("2.9 KiB"), otherwise four to six characters for
/// narrow columns ("2.9K").
pub fn bytes(n: i64, long: bool) -> String {
    const LONG: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    const SHORT: [&str; 5] = ["B", "K", "M", "G", "T"];
    let mut v = n as f64;
    let mut u = 0;
    while v.abs() >= 1024.0 && u < LONG.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    match (u, long) {
        (0, true) => format!("{n} B"),
        (0, false) => format!("{n}B"),
        (_, true) => format!("{v:.1} {}", LONG[u]),
        (_, false) => format!("{v:.1}{}", SHORT[u]),
    }
}

/// A millisecond epoch as RFC 3339 UTC to the millisecond (`2026-11-21T09:08:40.123Z`).
pub fn epoch_ms(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_scale_by_1024() {
        assert_eq!(super::bytes(0, true), "0 B");
        assert_eq!(super::bytes(3_012, true), "2.9 KiB");
        assert_eq!(super::bytes(3_012, false), "2.9K");
        assert_eq!(super::bytes(5 << 30, false), "5.0G");
        assert_eq!(super::epoch_ms(1_795_252_120_123), "2026-11-21T09:08:40.123Z");
    }
}

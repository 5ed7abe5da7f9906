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

/// Whole seconds, compactly: "42s", "5m12s", "3h04m", "2d03h".
pub fn seconds(s: u64) -> String {
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86400, s % 86400 / 3600),
    }
}

/// A latency in milliseconds: "238 ms" up to 10 s, "42.1 s" up to a minute, then as
/// [`seconds`] ("3m55s": a replicator catching up on old events shows minutes, not six-digit
/// milliseconds).
pub fn millis(ms: u64) -> String {
    match ms {
        0..10_000 => format!("{ms} ms"),
        10_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => seconds(ms / 1000),
    }
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

    #[test]
    fn latencies_read_as_milliseconds_then_seconds_minutes_hours() {
        assert_eq!(super::millis(238), "238 ms");
        assert_eq!(super::millis(9_999), "9999 ms");
        assert_eq!(super::millis(42_149), "42.1 s");
        assert_eq!(super::millis(235_263), "3m55s");
        assert_eq!(super::millis(7_512_000), "2h05m");
    }
}

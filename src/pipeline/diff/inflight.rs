//! LSN bracketing for live pipelines. When a segment is read, the source's WAL position is noted.
//! A difference found in it is only divergence once the replicator has applied past that LSN and
//! a re-check still finds it; before that it is in flight.

use std::fmt;

/// A PostgreSQL LSN (`16/B374D848`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl Lsn {
    /// `X/Y` hex, or a plain integer (a `bigint` LSN column).
    pub fn parse(s: &str) -> Option<Lsn> {
        let s = s.trim();
        match s.split_once('/') {
            Some((hi, lo)) => Some(Lsn(
                (u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?
            )),
            None => s.parse().ok().map(Lsn),
        }
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The replicator has applied past the segment's read LSN: a difference that remains is real.
    Settled,
    /// The segment was read after what the replicator has applied: differences may be in flight.
    InFlight,
}

/// Whether a segment read at `read` can be judged, given the replicator's applied LSN.
pub fn verdict(read: Lsn, applied: Option<Lsn>) -> Verdict {
    match applied {
        Some(a) if a >= read => Verdict::Settled,
        _ => Verdict::InFlight,
    }
}

/// Splits the differences of a re-check into (divergence, in flight): a difference is divergence
/// only when the re-check's segment is settled and the same difference was seen in the first read
/// too (else it is a change that arrived between the reads).
pub fn bracket<T: PartialEq + Clone>(
    first: &[T],
    recheck: &[T],
    verdict: Verdict,
) -> (Vec<T>, Vec<T>) {
    let mut diverged = Vec::new();
    let mut in_flight = Vec::new();
    for d in recheck {
        if verdict == Verdict::Settled && first.contains(d) {
            diverged.push(d.clone());
        } else {
            in_flight.push(d.clone());
        }
    }
    (diverged, in_flight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsn_parses_and_orders() {
        assert_eq!(Lsn::parse("16/B374D848"), Some(Lsn(0x16_B374_D848)));
        assert_eq!(Lsn::parse("16/B374D848").unwrap().to_string(), "16/B374D848");
        assert!(Lsn::parse("1/0").unwrap() > Lsn::parse("0/FFFFFFFF").unwrap());
        assert_eq!(Lsn::parse("42"), Some(Lsn(42)));
    }

    #[test]
    fn a_segment_read_past_the_applied_lsn_is_in_flight_not_diverged() {
        let read = Lsn::parse("0/2000").unwrap();
        assert_eq!(verdict(read, Some(Lsn::parse("0/1FFF").unwrap())), Verdict::InFlight);
        assert_eq!(verdict(read, None), Verdict::InFlight);
        assert_eq!(verdict(read, Some(read)), Verdict::Settled);
        let d = vec!["row 7"];
        assert_eq!(bracket(&d, &d, Verdict::InFlight), (vec![], vec!["row 7"]));
        assert_eq!(bracket(&d, &d, Verdict::Settled), (vec!["row 7"], vec![]));
        // Seen only in the re-check: a newer change still on its way.
        assert_eq!(bracket(&[], &d, Verdict::Settled), (vec![], vec!["row 7"]));
    }
}

//! Key kinds and segment bounds. A segment is a half-open key range `[lower, upper)` compared as a
//! row value (`(k1, k2) >= (…)`), so single, UUID, text and composite keys share one shape.
//! Integer and UUID keys split arithmetically; other keys (text, composite) split at the
//! quantiles of the side with more rows (`ntile` in the database).

/// How a key range is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// One column of smallint, integer or bigint.
    Integer,
    /// One uuid column: split as a 128-bit integer.
    Uuid,
    /// Text, composite or anything else ordered by the database: split at quantiles.
    Ordered,
}

impl KeyKind {
    /// From the source's key column types (as `format_type` spells them).
    pub fn of(types: &[String]) -> KeyKind {
        match types {
            [t] if matches!(t.as_str(), "smallint" | "integer" | "bigint") => KeyKind::Integer,
            [t] if t == "uuid" => KeyKind::Uuid,
            _ => KeyKind::Ordered,
        }
    }
}

/// A key value: the text of each key column (cast back to the column type in SQL).
pub type Key = Vec<String>;

/// `[lower, upper)`; `None` is unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub lower: Option<Key>,
    pub upper: Option<Key>,
}

impl Segment {
    pub const ALL: Segment = Segment { lower: None, upper: None };
}

pub fn parse_uuid(s: &str) -> Option<u128> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

pub fn format_uuid(v: u128) -> String {
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Boundaries splitting `[lo, hi)` into at most `factor` pieces of near-equal width; returns the
/// inner boundaries (empty when the range is too narrow to split).
pub fn split_points(lo: u128, hi: u128, factor: u32) -> Vec<u128> {
    if hi <= lo + 1 || factor < 2 {
        return Vec::new();
    }
    let width = hi - lo;
    let n = u128::from(factor).min(width);
    (1..n).map(|i| lo + width / n * i + (width % n) * i / n).collect()
}

/// Splits an arithmetic segment (both bounds set) of an Integer or Uuid key. `None` when it
/// cannot be split.
pub fn split_arith(kind: KeyKind, seg: &Segment, factor: u32) -> Option<Vec<Segment>> {
    // Integers are offset into u128 so negative keys split too.
    type Codec = (fn(&str) -> Option<u128>, fn(u128) -> String);
    let (lo, hi) = (seg.lower.as_ref()?.first()?, seg.upper.as_ref()?.first()?);
    let (to, from): Codec = match kind {
        KeyKind::Integer => (
            |s| s.parse::<i128>().ok().map(|v| (v - i128::from(i64::MIN) * 2) as u128),
            |v| (v as i128 + i128::from(i64::MIN) * 2).to_string(),
        ),
        KeyKind::Uuid => (parse_uuid, format_uuid),
        KeyKind::Ordered => return None,
    };
    let (lo, hi) = (to(lo)?, to(hi)?);
    let points = split_points(lo, hi, factor);
    if points.is_empty() {
        return None;
    }
    Some(bounded_segments(seg, points.into_iter().map(|p| vec![from(p)]).collect()))
}

/// Segments between consecutive boundaries, the first starting at `seg.lower`, the last ending
/// at `seg.upper`.
pub fn bounded_segments(seg: &Segment, inner: Vec<Key>) -> Vec<Segment> {
    let mut out = Vec::with_capacity(inner.len() + 1);
    let mut lower = seg.lower.clone();
    for b in inner {
        out.push(Segment { lower, upper: Some(b.clone()) });
        lower = Some(b);
    }
    out.push(Segment { lower, upper: seg.upper.clone() });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(KeyKind::of(&["bigint".into()]), KeyKind::Integer);
        assert_eq!(KeyKind::of(&["uuid".into()]), KeyKind::Uuid);
        assert_eq!(KeyKind::of(&["text".into()]), KeyKind::Ordered);
        assert_eq!(KeyKind::of(&["bigint".into(), "integer".into()]), KeyKind::Ordered);
    }

    #[test]
    fn integer_split_covers_the_range_without_gaps() {
        let seg = Segment { lower: Some(vec!["-5".into()]), upper: Some(vec!["95".into()]) };
        let parts = split_arith(KeyKind::Integer, &seg, 4).unwrap();
        let b: Vec<_> = parts
            .iter()
            .map(|s| (s.lower.clone().unwrap()[0].clone(), s.upper.clone().unwrap()[0].clone()))
            .collect();
        assert_eq!(
            b,
            vec![
                ("-5".into(), "20".into()),
                ("20".into(), "45".into()),
                ("45".into(), "70".into()),
                ("70".into(), "95".into())
            ]
        );
        let narrow = Segment { lower: Some(vec!["7".into()]), upper: Some(vec!["8".into()]) };
        assert!(split_arith(KeyKind::Integer, &narrow, 4).is_none());
        let three = Segment { lower: Some(vec!["0".into()]), upper: Some(vec!["3".into()]) };
        assert_eq!(split_arith(KeyKind::Integer, &three, 32).unwrap().len(), 3);
    }

    #[test]
    fn uuid_round_trips_and_splits() {
        let u = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        assert_eq!(format_uuid(parse_uuid(u).unwrap()), u);
        let seg = Segment {
            lower: Some(vec![format_uuid(0)]),
            upper: Some(vec![format_uuid(u128::MAX)]),
        };
        let parts = split_arith(KeyKind::Uuid, &seg, 2).unwrap();
        assert_eq!(parts[0].upper.as_ref().unwrap()[0], "7fffffff-ffff-ffff-ffff-ffffffffffff");
    }
}

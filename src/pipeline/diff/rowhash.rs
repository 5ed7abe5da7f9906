//! The per-row hash each side sums per segment or xors per grid bucket, as an `int8` SQL
//! expression.
//!
//! Row hashes ([`RowHash`]), both 64-bit, summed (segments) or xor-ed (grid buckets):
//! - md5: md5 of the row value's text (NULL `()` differs from '' `("")`); the same on any server.
//! - pg: typed PostgreSQL hash functions chained column by column, no text conversion (~15× less
//!   work than md5). See [`RowHash::typed`] for why equal values hash equal and what it assumes.

use super::checksum::{Side, normalize};
use crate::pg::ident;

/// The row hash summed per segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hash {
    /// 48 bits of md5 (data-diff's): the same on any PostgreSQL.
    #[default]
    Md5,
    /// Typed hash functions (`hashint8extended`, `hash_numeric_extended`, `hashtextextended`,
    /// `uuid_hash_extended`, `timestamp_hash_extended`, PostgreSQL ≥ 11) chained over the
    /// columns: ~15× cheaper than md5.
    /// Only comparable between servers of the same major version and byte order (checked).
    Pg,
}

/// How a column goes into the typed row hash. Both sides must agree, else the column is hashed
/// as its normalized text on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// smallint, integer, bigint: `hashint{2,4,8}extended` agree on equal values.
    Int,
    /// `hash_numeric_extended` ignores the display scale (1.0 and 1.00 hash equal).
    Numeric,
    /// text, varchar: the bytes (`COLLATE "C"`: deterministic).
    Text,
    Uuid,
    /// timestamp and timestamptz: the microseconds as a UTC `timestamp` (`AT TIME ZONE
    /// interval '0'`: arithmetic only), the instant the text normalization's epoch denotes.
    Timestamp,
    /// Anything else: the normalized text.
    Other,
}

impl Class {
    pub fn of(ty: &str) -> Class {
        match ty {
            "smallint" | "integer" | "bigint" => Class::Int,
            "text" => Class::Text,
            "uuid" => Class::Uuid,
            t if t.starts_with("character varying") => Class::Text,
            t if t.starts_with("numeric") => Class::Numeric,
            t if t.starts_with("timestamp") => Class::Timestamp,
            _ => Class::Other,
        }
    }
}

/// Per-column seed constants: distinct and far apart, so a value hashed in another column, or a
/// NULL, hashes differently.
fn seed(i: usize, null: bool) -> i64 {
    let k = (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1))
        ^ if null { 0x5851_F42D_4C95_7F2D } else { 0 };
    k as i64
}

/// The per-row 64-bit hash expression of one side (an `int8` SQL expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowHash(pub String);

impl RowHash {
    /// The row hashes of both sides. `not_null`: per compared column, NOT NULL on both sides.
    pub fn pair(s: &Side, t: &Side, not_null: &[bool]) -> (RowHash, RowHash) {
        match s.hash {
            Hash::Md5 => (RowHash::md5(s), RowHash::md5(t)),
            Hash::Pg => {
                let classes: Vec<Class> = s
                    .column_types
                    .iter()
                    .zip(&t.column_types)
                    .map(|(a, b)| match (Class::of(a), Class::of(b)) {
                        (x, y) if x == y => x,
                        _ => Class::Other,
                    })
                    .collect();
                (RowHash::typed(s, &classes, not_null), RowHash::typed(t, &classes, not_null))
            }
        }
    }

    /// 64 bits of md5 over the row value's text.
    pub fn md5(side: &Side) -> RowHash {
        let row = format!("ROW({})::text", side.normalized_columns().join(", "));
        RowHash(format!("('x' || substr(md5({row}), 1, 16))::bit(64)::bigint"))
    }

    /// Typed hashes chained through the seed: `h = f_n(c_n, … f_1(c_1, s0))`, so the position
    /// of a value matters and the result is mixed once per column (no final re-hash needed).
    /// NOT NULL columns chain; a nullable column is hashed on its own seed (NULL becomes its own
    /// constant) and xor-ed into `s0`, which the chain then mixes (or one final hash does when
    /// every column is nullable). NOT NULL integers go whole into the seed of the next other
    /// column's hash (`f(c, h # n)`: one xor rather than an xor and a hash, ~10% of the row's
    /// cost; the first is the seed itself when no column is nullable, `s0` being a constant),
    /// pairing the j-th integer with the j-th other column; integers left over chain as
    /// `hashint8extended(n, h # n)`, the value itself in the seed too: `hashint8extended` folds
    /// 64 bits to 32, the seed does not.
    ///
    /// Equal rows hash equal when both servers have the same major version and byte order:
    /// integers of any width hash alike, numeric ignores the scale, text is hashed as bytes,
    /// timestamps (with or without zone, any precision) as their UTC microseconds. Columns whose
    /// class differs between the sides are hashed as normalized text.
    ///
    /// Timestamps are hashed natively (`timestamp_hash_extended`, ~10 ns a value, against
    /// ~85 ns for the epoch as numeric): like `hashint8extended` it folds the microseconds to 32
    /// bits first, and unlike an integer a timestamp cannot go into the seed cheaply. Two values
    /// then hash alike only when about 2^32 µs (71.6 min) apart with matching bits: a change by
    /// an hour or less is always seen (any date before year 70,000), a larger one is missed 1 in
    /// 2^32 (no collision within an hour in 2,000,000 random pairs of 1900–2200).
    ///
    /// Not `hash_record_extended(ROW(…))` (PostgreSQL ≥ 14): it builds and takes apart a
    /// composite per row (slower than this chain: ~230 against ~145 ns a row of seven columns),
    /// folds bigints to 32 bits and sums its column hashes ×31, linear enough that a segment's
    /// summed checksum misses two rows swapping a column's values.
    pub fn typed(side: &Side, classes: &[Class], not_null: &[bool]) -> RowHash {
        let one = |i: usize, seed: &str| -> String {
            let c = ident(&side.columns[i]);
            match classes[i] {
                Class::Int => {
                    let f = match side.column_types[i].as_str() {
                        "smallint" => "hashint2extended",
                        "integer" => "hashint4extended",
                        _ => "hashint8extended",
                    };
                    format!("{f}({c}, ({seed}) # {c})")
                }
                Class::Numeric => format!("hash_numeric_extended({c}, {seed})"),
                Class::Text => format!("hashtextextended({c} COLLATE \"C\", {seed})"),
                Class::Uuid => format!("uuid_hash_extended({c}, {seed})"),
                Class::Timestamp => format!(
                    "timestamp_hash_extended({}, {seed})",
                    utc(&side.columns[i], &side.column_types[i])
                ),
                Class::Other => format!(
                    "hashtextextended({} COLLATE \"C\", {seed})",
                    normalize(&side.columns[i], &side.column_types[i])
                ),
            }
        };
        let mut s0 = format!("({})::int8", seed(usize::MAX - 1, false));
        let mut chained = false;
        for i in 0..side.columns.len() {
            if !not_null.get(i).copied().unwrap_or(false) {
                s0 = format!(
                    "{s0} # coalesce({}, ({})::int8)",
                    one(i, &format!("({})::int8", seed(i, false))),
                    seed(i, true)
                );
            }
        }
        // With no nullable column, `s0` is a constant: a first folded integer is the seed itself.
        let constant =
            not_null.iter().take(side.columns.len()).filter(|&&n| n).count() == side.columns.len();
        let mut h = s0;
        let chain: Vec<usize> = (0..side.columns.len())
            .filter(|&i| not_null.get(i).copied().unwrap_or(false))
            .collect();
        let (ints, others): (Vec<usize>, Vec<usize>) =
            chain.into_iter().partition(|&i| classes[i] == Class::Int);
        // The j-th integer goes whole into the seed of the j-th other column (one xor instead of
        // an xor and a hash: the other column's hash mixes the whole seed); the rest chain.
        for (j, &i) in others.iter().enumerate() {
            let seed = match ints.get(j) {
                Some(&n) if j == 0 && constant => ident(&side.columns[n]),
                Some(&n) => format!("({h}) # {}", ident(&side.columns[n])),
                None => h,
            };
            h = one(i, &seed);
            chained = true;
        }
        for &i in ints.iter().skip(others.len()) {
            h = one(i, &h);
            chained = true;
        }
        if !chained {
            // The seed too: hashint8extended folds its value to 32 bits, the seed keeps all 64.
            h = format!("hashint8extended({h}, {h})");
        }
        RowHash(h)
    }
}

/// A timestamp column as `timestamp` in UTC: a timestamptz's own microseconds (`AT TIME ZONE`
/// a constant interval is an addition, unlike the cast, which converts through the session time
/// zone's calendar at ~75 ns a value); a timestamp without zone counts as UTC, as in
/// [`normalize`].
fn utc(column: &str, ty: &str) -> String {
    if ty.ends_with("with time zone") {
        format!("({} AT TIME ZONE interval '0')", ident(column))
    } else {
        ident(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::diff::checksum::tests::side;

    #[test]
    fn typed_hash_chains_not_null_columns_and_keeps_nulls_apart() {
        let s = Side { hash: Hash::Pg, ..side() };
        let mut t = s.clone();
        t.column_types = vec!["integer".into(), "numeric(20,6)".into(), "text".into()];
        let (a, b) = RowHash::pair(&s, &t, &[true, false, false]);
        // order_id: bigint vs integer, both Int; unit_price: numeric both; updated_at vs text: Other.
        assert!(a.0.starts_with("hashint8extended(\"order_id\", ("), "{}", a.0);
        assert!(b.0.starts_with("hashint4extended(\"order_id\", ("), "{}", b.0);
        assert!(a.0.contains("coalesce(hash_numeric_extended(\"unit_price\", "), "{}", a.0);
        assert!(
            a.0.contains(
                "coalesce(hashtextextended(extract(epoch from \"updated_at\")::text COLLATE \"C\""
            ),
            "{}",
            a.0
        );
        assert!(
            b.0.contains("coalesce(hashtextextended(\"updated_at\"::text COLLATE \"C\""),
            "{}",
            b.0
        );
        // All nullable: one final mix, seeded with the value itself (the value is folded).
        let (a, _) = RowHash::pair(&s, &s, &[false, false, false]);
        let n = (a.0.len() - "hashint8extended(, )".len()) / 2;
        let s0 = &a.0["hashint8extended(".len().."hashint8extended(".len() + n];
        assert_eq!(a.0, format!("hashint8extended({s0}, {s0})"));
        assert_ne!(seed(0, false), seed(1, false));
        assert_ne!(seed(0, false), seed(0, true));
    }

    #[test]
    fn typed_hash_puts_not_null_integers_whole_into_the_next_other_columns_seed() {
        let s = Side {
            hash: Hash::Pg,
            columns: vec!["id".into(), "n".into(), "name".into(), "m".into()],
            column_types: vec!["bigint".into(), "integer".into(), "text".into(), "smallint".into()],
            ..side()
        };
        let (a, _) = RowHash::pair(&s, &s, &[true, true, true, true]);
        // id into name's seed (the seed itself: no nullable column makes `s0` a constant); n and
        // m left over, chained with their values in the seed.
        let name = "hashtextextended(\"name\" COLLATE \"C\", \"id\")".to_string();
        let n = format!("hashint4extended(\"n\", ({name}) # \"n\")");
        assert_eq!(a.0, format!("hashint2extended(\"m\", ({n}) # \"m\")"));
        // A nullable column: xor-ed into `s0`, which the first folded integer is xor-ed into.
        let (a, _) = RowHash::pair(&s, &s, &[true, true, true, false]);
        assert!(
            a.0.starts_with("hashint4extended(\"n\", (hashtextextended(\"name\" COLLATE \"C\", ((")
                && a.0.contains("# coalesce(hashint2extended(\"m\""),
            "{}",
            a.0
        );
        assert!(a.0.contains(") # \"id\")"), "{}", a.0);
    }

    #[test]
    fn typed_hash_takes_timestamps_natively_as_utc_whatever_the_zone_and_precision() {
        let s = Side {
            hash: Hash::Pg,
            columns: vec!["a".into(), "b".into()],
            column_types: vec![
                "timestamp(3) with time zone".into(),
                "timestamp without time zone".into(),
            ],
            ..side()
        };
        let mut t = s.clone();
        t.column_types =
            vec!["timestamp without time zone".into(), "timestamp(6) with time zone".into()];
        let (a, b) = RowHash::pair(&s, &t, &[true, true]);
        assert!(a.0.starts_with("timestamp_hash_extended(\"b\", timestamp_hash_extended((\"a\" AT TIME ZONE interval '0'), "), "{}", a.0);
        assert!(b.0.starts_with("timestamp_hash_extended((\"b\" AT TIME ZONE interval '0'), timestamp_hash_extended(\"a\", "), "{}", b.0);
        for h in [&a.0, &b.0] {
            assert!(!h.contains("extract") && !h.contains("::timestamp"), "{h}");
        }
        // Nullable: hashed on its own seed, NULL its own constant.
        let (a, _) = RowHash::pair(&s, &t, &[false, true]);
        assert!(a.0.contains(&format!("coalesce(timestamp_hash_extended((\"a\" AT TIME ZONE interval '0'), ({})::int8), ({})::int8)", seed(0, false), seed(0, true))), "{}", a.0);
    }
}

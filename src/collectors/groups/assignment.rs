//! The consumer protocol's member assignment, as DescribeGroups returns it in raw bytes.
//!
//! ```text
//! Assignment => Version AssignedPartitions UserData          (big-endian, not flexible)
//!   Version            => int16
//!   AssignedPartitions => int32 count, then [Topic Partitions]
//!     Topic            => int16 length + UTF-8
//!     Partitions       => int32 count, then [int32]
//!   UserData           => int32 length (-1 = null) + bytes
//! ```
//! Versions 0 to 3 share this layout, and the protocol promises later versions only append
//! fields, so anything after the partitions is ignored. Only groups with protocol type
//! "consumer" use it; Connect's groups carry their own format and are not parsed.

use super::model::TopicAssignment;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error(
        "member assignment truncated at byte {at} of {len} (not the consumer protocol's format?)"
    )]
    Truncated { at: usize, len: usize },
    #[error("member assignment has a negative {what} count {count}")]
    NegativeCount { what: &'static str, count: i32 },
    #[error("member assignment topic name is not UTF-8")]
    TopicNotUtf8,
}

/// Parses an assignment into topics with sorted partitions, topics sorted by name. Empty bytes
/// (a member between rebalances) are an empty assignment.
pub fn parse(bytes: &[u8]) -> Result<Vec<TopicAssignment>, AssignmentError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let mut r = Reader { bytes, at: 0 };
    let _version = r.i16()?;
    let topics = r.count("topic")?;
    let mut out: Vec<TopicAssignment> = Vec::with_capacity(topics.min(1024));
    for _ in 0..topics {
        let len = r.i16()?;
        let len = usize::try_from(len).map_err(|_| AssignmentError::NegativeCount {
            what: "topic name",
            count: len.into(),
        })?;
        let topic = std::str::from_utf8(r.take(len)?)
            .map_err(|_| AssignmentError::TopicNotUtf8)?
            .to_string();
        let n = r.count("partition")?;
        let mut partitions = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            partitions.push(r.i32()?);
        }
        partitions.sort_unstable();
        match out.iter_mut().find(|t| t.topic == topic) {
            Some(t) => {
                t.partitions.extend(partitions);
                t.partitions.sort_unstable();
            }
            None => out.push(TopicAssignment { topic, partitions }),
        }
    }
    out.sort();
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], AssignmentError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(AssignmentError::Truncated { at: self.at, len: self.bytes.len() })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn i16(&mut self) -> Result<i16, AssignmentError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, AssignmentError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn count(&mut self, what: &'static str) -> Result<usize, AssignmentError> {
        let n = self.i32()?;
        usize::try_from(n).map_err(|_| AssignmentError::NegativeCount { what, count: n })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes an assignment (version 3, null user data) as a group leader sends it.
    fn encode(topics: &[TopicAssignment]) -> Vec<u8> {
        let mut b = 3i16.to_be_bytes().to_vec();
        b.extend((topics.len() as i32).to_be_bytes());
        for t in topics {
            b.extend((t.topic.len() as i16).to_be_bytes());
            b.extend(t.topic.as_bytes());
            b.extend((t.partitions.len() as i32).to_be_bytes());
            for p in &t.partitions {
                b.extend(p.to_be_bytes());
            }
        }
        b.extend((-1i32).to_be_bytes());
        b
    }

    fn ta(topic: &str, partitions: &[i32]) -> TopicAssignment {
        TopicAssignment { topic: topic.into(), partitions: partitions.to_vec() }
    }

    #[test]
    fn parses_a_version_0_assignment_written_out_by_hand() {
        #[rustfmt::skip]
        let bytes = [
            0, 0,                    // version 0
            0, 0, 0, 2,              // two topics
            0, 6, b'o', b'r', b'd', b'e', b'r', b's',
            0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1,   // partitions 3, 1
            0, 1, b'a',
            0, 0, 0, 1, 0, 0, 0, 0,              // partition 0
            0, 0, 0, 2, 0xca, 0xfe,              // user data, two bytes
        ];
        assert_eq!(parse(&bytes), Ok(vec![ta("a", &[0]), ta("orders", &[1, 3])]));
    }

    #[test]
    fn later_versions_with_appended_fields_still_parse() {
        let mut bytes = encode(&[ta("t", &[0, 2])]);
        bytes[1] = 7;
        bytes.extend([0, 0, 0, 0, 9, 9]);
        assert_eq!(parse(&bytes), Ok(vec![ta("t", &[0, 2])]));
    }

    #[test]
    fn empty_bytes_are_an_empty_assignment_and_round_trip_works() {
        assert_eq!(parse(&[]), Ok(vec![]));
        let topics = vec![ta("x", &[0, 1, 2]), ta("y", &[5])];
        assert_eq!(parse(&encode(&topics)), Ok(topics));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(parse(&[0]), Err(AssignmentError::Truncated { at: 0, len: 1 }));
        assert_eq!(
            parse(&[0, 0, 0xff, 0xff, 0xff, 0xff]),
            Err(AssignmentError::NegativeCount { what: "topic", count: -1 })
        );
        let mut huge = vec![0, 0, 0, 0, 0, 1, 0, 1, b'z', 0x7f, 0xff, 0xff, 0xff];
        huge.extend([0, 0, 0, 1]);
        assert!(matches!(parse(&huge), Err(AssignmentError::Truncated { .. })));
        assert_eq!(
            parse(&[0, 0, 0, 0, 0, 1, 0, 1, 0xff, 0, 0, 0, 0]),
            Err(AssignmentError::TopicNotUtf8)
        );
    }
}

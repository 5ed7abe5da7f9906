//! Messages per second per topic, from how far each partition's log-end offset moved since the
//! previous poll. The log-end offset counts records appended, whatever their size or batching,
//! and reading it costs nothing extra: the probe reads it anyway.

use std::collections::HashMap;
use std::time::Instant;

use super::model::Topic;

/// The last log-end offset seen per partition, kept between polls.
#[derive(Debug, Default)]
pub struct RateTracker {
    last: HashMap<(String, i32), (i64, Instant)>,
}

impl RateTracker {
    /// Sets `messages_per_sec` on every topic from the offsets read at `at`, then remembers them.
    ///
    /// Each partition contributes (end now − end before) / (time since its own sample), so a
    /// partition whose offsets were missing last poll neither counts as zero nor stretches the
    /// others' interval. An end offset that went backwards means the topic was deleted and
    /// re-created: that partition starts over. A partition without offsets now keeps its old
    /// sample, so the rate resumes when its leader comes back.
    pub fn observe(&mut self, topics: &mut [Topic], at: Instant) {
        let mut seen = HashMap::with_capacity(self.last.len());
        for t in topics.iter_mut() {
            let mut rate = None::<f64>;
            for p in &t.partition_details {
                let key = (t.name.clone(), p.id);
                let Some(end) = p.log_end_offset else {
                    if let Some(old) = self.last.remove(&key) {
                        seen.insert(key, old);
                    }
                    continue;
                };
                if let Some((before, then)) = self.last.remove(&key) {
                    let secs = at.saturating_duration_since(then).as_secs_f64();
                    if end >= before && secs > 0.0 {
                        *rate.get_or_insert(0.0) += (end - before) as f64 / secs;
                    }
                }
                seen.insert(key, (end, at));
            }
            t.messages_per_sec = rate;
        }
        // Partitions of deleted topics go with them.
        self.last = seen;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::collectors::kafka::model::Partition;

    fn topic(ends: &[Option<i64>]) -> Topic {
        let partition_details = ends
            .iter()
            .enumerate()
            .map(|(i, &e)| Partition { id: i as i32, log_end_offset: e, ..Partition::default() })
            .collect();
        Topic { name: "t".into(), partitions: ends.len(), partition_details, ..Topic::default() }
    }

    #[test]
    fn sums_partition_rates_and_survives_gaps_and_resets() {
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_secs(n);
        let mut r = RateTracker::default();

        let mut first = [topic(&[Some(100), Some(50)])];
        r.observe(&mut first, s(0));
        assert_eq!(first[0].messages_per_sec, None, "one sample is no rate");

        let mut second = [topic(&[Some(120), Some(60)])];
        r.observe(&mut second, s(2));
        assert_eq!(second[0].messages_per_sec, Some(15.0));

        // Partition 1's leader is down: only partition 0 counts, and 1 keeps its old sample.
        let mut gap = [topic(&[Some(130), None])];
        r.observe(&mut gap, s(4));
        assert_eq!(gap[0].messages_per_sec, Some(5.0));
        let mut back = [topic(&[Some(130), Some(100)])];
        r.observe(&mut back, s(6));
        assert_eq!(
            back[0].messages_per_sec,
            Some(10.0),
            "40 records over the 4 s since its last sample"
        );

        // Re-created topic: offsets went back to 0.
        let mut reset = [topic(&[Some(0), Some(100)])];
        r.observe(&mut reset, s(8));
        assert_eq!(reset[0].messages_per_sec, Some(0.0));
        let mut after = [topic(&[Some(10), Some(100)])];
        r.observe(&mut after, s(10));
        assert_eq!(after[0].messages_per_sec, Some(5.0));
    }
}

//! Growth over the last five minutes, from running totals seen at each evaluation: the total
//! now minus the oldest total seen within the window (so it falls back to 0 five minutes after
//! the last increase). A total that goes down (letters purged) starts the subject afresh; a
//! subject seen once has grown by 0.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use super::facts::{Facts, Value};

pub const WINDOW: Duration = Duration::from_secs(300);

/// The facts read as totals and shown as growth.
pub const GROWTH_FACTS: [&str; 2] = ["dead_letters_growth", "late_events_growth"];

/// A fact and one subject's labels.
type Subject = (&'static str, Vec<(&'static str, String)>);

#[derive(Debug, Default, Clone)]
pub struct Growth {
    /// Per fact and subject, the totals seen within the window, oldest first.
    seen: HashMap<Subject, VecDeque<(SystemTime, f64)>>,
}

impl Growth {
    /// Replaces the growth facts' totals with their growth, remembering the totals.
    pub fn apply(&mut self, facts: &mut Facts, now: SystemTime) {
        for fact in GROWTH_FACTS {
            let Some(reading) = facts.readings.get_mut(fact) else { continue };
            for sample in &mut reading.samples {
                let Some(Value::Number(total)) = sample.value else { continue };
                let key = (fact, sample.labels.clone());
                let history = self.seen.entry(key).or_default();
                if history.back().is_some_and(|(_, last)| total < *last) {
                    history.clear();
                }
                history.push_back((now, total));
                // Keep the newest total at or before the window's start: the baseline.
                while history.len() > 1
                    && history
                        .get(1)
                        .is_some_and(|(t, _)| now.duration_since(*t).unwrap_or_default() >= WINDOW)
                {
                    history.pop_front();
                }
                let base = history.front().map_or(total, |(_, b)| *b);
                sample.value = Some(Value::Number(total - base));
            }
        }
        // Subjects gone for longer than the window are forgotten.
        self.seen.retain(|_, h| {
            h.back().is_some_and(|(t, _)| now.duration_since(*t).unwrap_or_default() < WINDOW)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::facts::{Reading, Sample};

    fn facts(total: f64) -> Facts {
        let mut f = Facts::default();
        let s = Sample::new(vec![("consumer", "r".into())], Some(Value::Number(total)));
        f.set("dead_letters_growth", Reading { samples: vec![s], unreadable: Vec::new() });
        f
    }

    fn growth(g: &mut Growth, total: f64, at_s: u64) -> Option<Value> {
        let mut f = facts(total);
        g.apply(&mut f, SystemTime::UNIX_EPOCH + Duration::from_secs(at_s));
        f.get("dead_letters_growth").unwrap().samples[0].value.clone()
    }

    #[test]
    fn growth_is_what_was_added_within_five_minutes() {
        let mut g = Growth::default();
        assert_eq!(growth(&mut g, 10.0, 1000), Some(Value::Number(0.0)), "first sight: baseline");
        assert_eq!(growth(&mut g, 13.0, 1060), Some(Value::Number(3.0)));
        assert_eq!(growth(&mut g, 15.0, 1200), Some(Value::Number(5.0)));
        // The baseline is the newest total at or before the window's start: 1000's until 1360.
        assert_eq!(growth(&mut g, 15.0, 1310), Some(Value::Number(5.0)));
        assert_eq!(growth(&mut g, 15.0, 1370), Some(Value::Number(2.0)));
        assert_eq!(growth(&mut g, 15.0, 1510), Some(Value::Number(0.0)), "quiet for 5 min");
        assert_eq!(growth(&mut g, 2.0, 1520), Some(Value::Number(0.0)), "a purge starts afresh");
        assert_eq!(growth(&mut g, 4.0, 1530), Some(Value::Number(2.0)));
    }
}

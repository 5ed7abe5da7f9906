//! At most `max` messages to a receiver in any window (a minute): the one over waits for the
//! oldest of the window to age out, so a burst of alerts is spread out, never dropped.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimit {
    max: usize,
    window: Duration,
    /// When the messages of the current window were sent, oldest first.
    sent: VecDeque<Instant>,
}

impl RateLimit {
    pub fn new(max: u32, window: Duration) -> Self {
        let max = (max as usize).max(1);
        Self { max, window, sent: VecDeque::with_capacity(max) }
    }

    /// How long the next message must wait at `now` (zero: it may go).
    pub fn delay(&mut self, now: Instant) -> Duration {
        while self.sent.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            self.sent.pop_front();
        }
        if self.sent.len() < self.max {
            return Duration::ZERO;
        }
        self.sent.front().map_or(Duration::ZERO, |oldest| (*oldest + self.window) - now)
    }

    /// Counts a message sent at `now`.
    pub fn record(&mut self, now: Instant) {
        self.sent.push_back(now);
    }

    /// Waits until the next message may go, then counts it.
    pub async fn acquire(&mut self) {
        loop {
            let wait = self.delay(Instant::now());
            if wait.is_zero() {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        self.record(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_over_the_limit_waits_for_the_oldest_to_age_out() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(2, Duration::from_secs(60));
        assert_eq!(r.delay(t0), Duration::ZERO);
        r.record(t0);
        r.record(t0 + Duration::from_secs(10));
        assert_eq!(r.delay(t0 + Duration::from_secs(20)), Duration::from_secs(40));
        assert_eq!(r.delay(t0 + Duration::from_secs(60)), Duration::ZERO);
        r.record(t0 + Duration::from_secs(60));
        assert_eq!(r.delay(t0 + Duration::from_secs(61)), Duration::from_secs(9));
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_spreads_a_burst_over_the_window() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(2, Duration::from_secs(60));
        for _ in 0..3 {
            r.acquire().await;
        }
        assert_eq!(Instant::now() - t0, Duration::from_secs(60));
    }
}

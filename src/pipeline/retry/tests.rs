use std::cell::RefCell;
use std::time::Duration;

use super::*;

#[derive(Debug)]
struct Fail(bool);

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0 { "sink: connection refused" } else { "bad setting" })
    }
}

impl Retryable for Fail {
    fn retryable(&self) -> bool {
        self.0
    }
}

const S: Duration = Duration::from_secs(1);

#[test]
fn delays_double_from_one_second_to_the_cap() {
    let mut b = Backoff::new(Policy::default());
    let delays: Vec<u64> = (0..8).map(|_| b.next_delay_with(0.0).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
    assert_eq!(b.attempt(), 8);
    let mut b = Backoff::new(Policy { initial: 3 * S, max: 10 * S, jitter: 0.0 });
    let delays: Vec<u64> = (0..4).map(|_| b.next_delay_with(0.9).as_secs()).collect();
    assert_eq!(delays, [3, 6, 10, 10]);
    assert_eq!(Policy::default().base(u32::MAX), 30 * S, "no overflow");
}

#[test]
fn jitter_only_shortens_a_delay_and_by_at_most_its_fraction() {
    for unit in [0.0, 0.25, 0.5, 0.999_999] {
        let mut b = Backoff::new(Policy::default());
        for attempt in 1..=7 {
            let base = Policy::default().base(attempt);
            let d = b.next_delay_with(unit);
            assert!(d <= base && d >= base.mul_f64(0.8), "{attempt}: {d:?} for {base:?}");
        }
    }
    let mut b = Backoff::new(Policy::default());
    for _ in 0..100 {
        b.reset();
        let d = b.next_delay();
        assert!(d <= S && d >= S.mul_f64(0.8), "{d:?}");
    }
}

#[test]
fn reset_starts_again_from_the_first_delay() {
    let mut b = Backoff::new(Policy { jitter: 0.0, ..Policy::default() });
    for _ in 0..5 {
        b.next_delay();
    }
    b.reset();
    assert_eq!(b.attempt(), 0);
    assert_eq!(b.next_delay(), S);
    assert_eq!(b.attempt(), 1);
}

#[test]
fn retrying_says_attempt_wait_and_reason() {
    let now = UNIX_EPOCH + Duration::from_secs(1000);
    let r = Retrying {
        attempt: 3,
        reason: "sink: connection refused".into(),
        next_attempt_at_ms: 1_003_500,
        since_ms: 990_000,
    };
    assert_eq!(r.next_in(now), Duration::from_millis(3500));
    assert_eq!(r.describe(now), "retrying (attempt 3, next in 4s): sink: connection refused");
    assert_eq!(r.next_in(now + 10 * S), Duration::ZERO);
}

/// Runs a fake stage whose attempts return `results` in turn; what `retrying` was told.
async fn supervised(
    how: Supervision,
    results: Vec<Result<u32, Fail>>,
    stop: impl Future<Output = ()>,
) -> (Ended<u32, Fail>, Vec<Option<Retrying>>, usize) {
    let results = RefCell::new(results.into_iter());
    let calls = RefCell::new(0);
    let seen = RefCell::new(Vec::new());
    let ended = supervise(
        how,
        stop,
        |_stop| {
            *calls.borrow_mut() += 1;
            let next = results.borrow_mut().next().expect("an attempt too many");
            async move { next }
        },
        |r| seen.borrow_mut().push(r.cloned()),
    )
    .await;
    (ended, seen.into_inner(), calls.into_inner())
}

#[tokio::test(start_paused = true)]
async fn retryable_errors_retry_with_backoff_until_success() {
    let start = tokio::time::Instant::now();
    let how = Supervision { policy: Policy { jitter: 0.0, ..Policy::default() }, fail_fast: false };
    let results = vec![Err(Fail(true)), Err(Fail(true)), Ok(7)];
    let (ended, seen, calls) = supervised(how, results, std::future::pending()).await;
    assert!(matches!(ended, Ended::Ran(7)), "{ended:?}");
    assert_eq!(calls, 3);
    let attempts: Vec<u32> = seen.iter().map(|r| r.as_ref().unwrap().attempt).collect();
    assert_eq!(attempts, [1, 2]);
    let first = seen[0].as_ref().unwrap();
    assert_eq!(first.reason, "sink: connection refused");
    assert_eq!(seen[1].as_ref().unwrap().since_ms, first.since_ms, "one failing stretch");
    assert_eq!(start.elapsed(), 3 * S, "waited 1 s, then 2 s");
}

#[tokio::test(start_paused = true)]
async fn an_error_not_worth_retrying_ends_at_once() {
    let start = tokio::time::Instant::now();
    let (ended, seen, calls) =
        supervised(Supervision::default(), vec![Err(Fail(false))], std::future::pending()).await;
    assert!(matches!(ended, Ended::Failed(Fail(false))), "{ended:?}");
    assert!(seen.is_empty());
    assert_eq!(calls, 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn fail_fast_ends_at_the_first_error() {
    let how = Supervision { fail_fast: true, ..Supervision::default() };
    let (ended, seen, _) = supervised(how, vec![Err(Fail(true))], std::future::pending()).await;
    assert!(matches!(ended, Ended::Failed(Fail(true))), "{ended:?}");
    assert!(seen.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_stop_during_the_backoff_ends_it_at_once() {
    let start = tokio::time::Instant::now();
    let how = Supervision {
        policy: Policy { initial: 20 * S, ..Policy::default() },
        ..Default::default()
    };
    let stop = tokio::time::sleep(5 * S);
    let (ended, seen, calls) = supervised(how, vec![Err(Fail(true))], stop).await;
    assert!(matches!(ended, Ended::Stopped(Fail(true))), "{ended:?}");
    assert_eq!((seen.len(), calls), (1, 1));
    assert_eq!(start.elapsed(), 5 * S, "not the 16-20 s of the backoff");
}

#[tokio::test(start_paused = true)]
async fn each_attempt_sees_the_stop_and_a_long_run_resets_the_backoff() {
    let how = Supervision { policy: Policy { jitter: 0.0, ..Policy::default() }, fail_fast: false };
    let calls = RefCell::new(0u32);
    let seen = RefCell::new(Vec::new());
    let ended = supervise(
        how,
        tokio::time::sleep(200 * S),
        |stop| {
            *calls.borrow_mut() += 1;
            let n = *calls.borrow();
            async move {
                match n {
                    1 => Err(Fail(true)),
                    // Runs longer than the cap, then fails: the next retry is a first again.
                    2 => {
                        tokio::time::sleep(40 * S).await;
                        Err(Fail(true))
                    }
                    _ => {
                        stop.await;
                        Ok(n)
                    }
                }
            }
        },
        |r| seen.borrow_mut().push(r.map(|r| r.attempt)),
    )
    .await;
    assert!(matches!(ended, Ended::Ran(3)), "{ended:?}");
    assert_eq!(seen.into_inner(), [Some(1), None, Some(1), None], "cleared after each long run");
}

//! Delivering one message: a POST with its own timeout, retried with exponential backoff and
//! jitter on what may pass (a connection error, a timeout, a 5xx, a 429 — whose Retry-After is
//! honoured), within a number of attempts and a time budget. A 4xx other than 429 says the
//! request itself is wrong: it is not retried. Errors never carry the URL.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::time::Instant;

use super::Tuning;
use super::receiver::Receiver;
use super::status::Shared;
use crate::pipeline::retry::Backoff;

/// Why an attempt failed, and whether another may succeed (after at least `after`, when the
/// receiver said so).
#[derive(Debug)]
struct Failure {
    message: String,
    retry: bool,
    after: Option<Duration>,
}

/// Sends `body` to `receiver` until it is accepted or given up on; each failed attempt is
/// shown in `status`. The error is the last attempt's, with the count of attempts.
pub async fn deliver(
    client: &reqwest::Client,
    receiver: &Receiver,
    body: &Value,
    tuning: &Tuning,
    status: &Shared,
) -> Result<u32, String> {
    let start = Instant::now();
    let mut backoff = Backoff::new(tuning.backoff);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let failure = match attempt_once(client, receiver, body, tuning.timeout).await {
            Ok(()) => return Ok(attempt),
            Err(f) => f,
        };
        let message = format!("{} (attempt {attempt})", failure.message);
        let delay = backoff.next_delay().max(failure.after.unwrap_or_default());
        let out_of_time = start.elapsed() + delay > tuning.budget;
        if !failure.retry || attempt >= tuning.attempts || out_of_time {
            return Err(message);
        }
        status.attempt_failed(&message);
        tracing::debug!(receiver = %receiver, error = %message, ?delay, "notification retried");
        tokio::time::sleep(delay).await;
    }
}

async fn attempt_once(
    client: &reqwest::Client,
    receiver: &Receiver,
    body: &Value,
    timeout: Duration,
) -> Result<(), Failure> {
    let response =
        client.post(receiver.url()).timeout(timeout).json(body).send().await.map_err(|e| {
            Failure { message: describe(&e.without_url()), retry: true, after: None }
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let after = retry_after(&response);
    let retry = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
    Err(Failure { message: format!("HTTP {status}"), retry, after })
}

/// `Retry-After: SECONDS` (the HTTP-date form is rare from webhooks and read as absent).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The error and its causes on one line (the URL already taken out of it).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() { "timed out".to_string() } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

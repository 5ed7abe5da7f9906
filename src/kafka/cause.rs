//! Why a Kafka client cannot work. librdkafka tells its caller only "all brokers down" or a
//! timeout; the real cause (SASL authentication failed, SSL handshake failed: certificate verify
//! failed, hostname mismatch, connection refused) reaches the client context's `log` and `error`
//! callbacks. [`LastCause`] keeps the last one, so that the error the console reports can name
//! it. librdkafka's messages name the broker and never carry a password.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, ConsumerContext};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// A security failure stays the cause while other failures follow it closely (a failed handshake
/// is followed by a disconnect); one this much older gives way to what happens now.
const SECURITY_KEPT: Duration = Duration::from_secs(10);

/// What a failed certificate check can mean, after librdkafka's words.
const CERTIFICATE_HINT: &str = " [the broker's certificate is not signed by a CA in \
    kafka.tls.ca_file, or does not name the host connected to (kafka.brokers; \
    kafka.tls.verify_hostname)]";

/// How long [`drain`] serves a client's queue.
const DRAIN: Duration = Duration::from_millis(20);

/// How much of a message is kept: librdkafka's are one line, a TLS chain dump is not wanted.
const MAX_LEN: usize = 400;

#[derive(Clone)]
struct Seen {
    at: Instant,
    text: String,
}

#[derive(Default)]
struct Causes {
    /// The last authentication or TLS failure.
    security: Option<Seen>,
    /// The last failure of any kind.
    any: Option<Seen>,
}

/// The last failure one client reported, shared between its context and whoever reports its
/// errors.
#[derive(Clone, Default)]
pub struct LastCause(Arc<Mutex<Causes>>);

impl LastCause {
    /// The cause to show: the last security failure unless something else failed well after it.
    /// A failed certificate check is told apart (untrusted CA, or a host the certificate does
    /// not name) by a handshake of the console's own.
    pub fn get(&self) -> Option<String> {
        let text = {
            let c = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            match (&c.security, &c.any) {
                (Some(s), Some(a)) if a.at.duration_since(s.at) > SECURITY_KEPT => {
                    Some(a.text.clone())
                }
                (Some(s), _) => Some(s.text.clone()),
                (None, a) => a.as_ref().map(|a| a.text.clone()),
            }
        }?;
        let Some(general) = text.strip_suffix(CERTIFICATE_HINT) else { return Some(text) };
        match broker_of(general).and_then(super::certificate::diagnose) {
            Some(verdict) => Some(format!("{general} [{verdict}]")),
            None => Some(text),
        }
    }

    /// `error` with the cause appended when one is known.
    pub fn explain(&self, error: impl std::fmt::Display) -> String {
        match self.get() {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        }
    }

    /// From a client context's `error` callback.
    pub fn record_error(&self, error: &KafkaError, reason: &str) {
        let code = error.rdkafka_error_code();
        // "3/3 brokers are down" summarises the failures already recorded; it would hide them.
        if code == Some(RDKafkaErrorCode::AllBrokersDown) {
            return;
        }
        let security = matches!(
            code,
            Some(
                RDKafkaErrorCode::Authentication
                    | RDKafkaErrorCode::SaslAuthenticationFailed
                    | RDKafkaErrorCode::SSL
                    | RDKafkaErrorCode::UnsupportedSASLMechanism
                    | RDKafkaErrorCode::IllegalSASLState
            )
        ) || is_security(reason);
        self.record(reason, security);
    }

    /// From a client context's `log` callback: errors only (connection failures are logged at
    /// that level, with the broker's name).
    pub fn record_log(&self, level: RDKafkaLogLevel, message: &str) {
        if (level as i32) <= RDKafkaLogLevel::Error as i32 && !message.contains("brokers are down")
        {
            self.record(message, is_security(message));
        }
    }

    fn record(&self, text: &str, security: bool) {
        let mut text: String = text.trim().chars().take(MAX_LEN).collect();
        if text.is_empty() {
            return;
        }
        // librdkafka says the same for an untrusted CA and for a certificate naming another
        // host (and then advises only the CA).
        if text.contains("certificate verify failed") {
            text.push_str(CERTIFICATE_HINT);
        }
        let seen = Seen { at: Instant::now(), text };
        let mut c = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if security {
            c.security = Some(seen.clone());
        }
        c.any = Some(seen);
    }
}

/// `host:port` of a librdkafka message about one broker (`sasl_ssl://host:port/bootstrap: …`).
fn broker_of(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("://")?;
    rest.split(['/', ' ']).next().filter(|a| a.contains(':'))
}

fn is_security(message: &str) -> bool {
    ["SSL", "SASL", "certificate", "Authentication", "authentication"]
        .iter()
        .any(|w| message.contains(w))
}

/// Serves `consumer`'s queue for a moment: librdkafka hands logs and errors to the context
/// only when the client is polled, so a caller that has just seen a request fail drains the
/// queue before asking [`LastCause::get`]. A poll without a wait may return after serving a
/// single event (statistics, say), hence a short budget rather than a count.
pub fn drain<C: ConsumerContext>(consumer: &BaseConsumer<C>) {
    let started = Instant::now();
    while let Some(left) = DRAIN.checked_sub(started.elapsed()).filter(|d| !d.is_zero()) {
        // Returns early only for an error event (nothing is assigned, no message comes).
        if consumer.poll(left).is_none() {
            break;
        }
    }
}

/// A client context that only keeps the last cause, for clients with no context of their own.
#[derive(Clone, Default)]
pub struct CauseContext {
    pub cause: LastCause,
}

impl ClientContext for CauseContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log(&self.cause, level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.cause.record_error(&error, reason);
        tracing::warn!(target: "librdkafka", "{error}: {reason}");
    }
}

impl ConsumerContext for CauseContext {}

/// What every context's `log` does: keep the cause, and write the message to the console's log.
pub fn log(cause: &LastCause, level: RDKafkaLogLevel, fac: &str, message: &str) {
    cause.record_log(level, message);
    if (level as i32) <= RDKafkaLogLevel::Warning as i32 {
        tracing::warn!(target: "librdkafka", "{fac} {message}");
    } else {
        tracing::debug!(target: "librdkafka", "{fac} {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_security_failure_outlives_the_disconnect_that_follows_it() {
        let cause = LastCause::default();
        assert_eq!(cause.get(), None);
        let ssl =
            "ssl://localhost:29092/bootstrap: SSL handshake failed: certificate verify failed";
        cause.record_log(RDKafkaLogLevel::Error, ssl);
        cause.record_log(RDKafkaLogLevel::Error, "localhost:29092/bootstrap: Disconnected");
        cause.record_error(
            &KafkaError::Global(RDKafkaErrorCode::AllBrokersDown),
            "3/3 brokers are down",
        );
        cause.record_log(RDKafkaLogLevel::Info, "an informational line");
        let shown = cause.get().expect("a cause");
        assert_eq!(shown, format!("{ssl}{CERTIFICATE_HINT}"));
        assert_eq!(
            cause.explain("cluster metadata: timed out"),
            format!("cluster metadata: timed out: {shown}")
        );
    }
}

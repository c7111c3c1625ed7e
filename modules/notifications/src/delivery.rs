//! Sending one channel's request with retries as `[delivery.retry]` says, on failures that
//! may pass (a throttling or failing server, a timeout, the network), honouring
//! `Retry-After` (capped); never on a refusal of the request itself.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::RETRY_AFTER;
use soulspot_common::{RetryPolicy, parse_retry_after};
use soulspot_contracts::ErrorKind;
use soulspot_runtime::outbound;
use tokio::time::Instant;

/// How one channel delivery is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Attempts in all and the pauses between them.
    pub retry: RetryPolicy,
    /// The longest `Retry-After` obeyed; longer ones are cut to this.
    pub max_retry_after: Duration,
    /// No attempt starts later than this after the first, so that a delivery ends within
    /// its caller's deadline (this window plus one attempt's timeout).
    pub retry_window: Duration,
}

/// Why one HTTP attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The server answered with a status outside 2xx.
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    /// No complete answer within the per-request timeout.
    Timeout,
    /// Connection refused, reset, DNS failure, ...
    Network(String),
}

impl AttemptFailure {
    /// What kind of failure this is; another attempt may succeed when it is transient.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AttemptFailure::Status { code, .. } => ErrorKind::of_upstream_status(*code),
            AttemptFailure::Timeout => ErrorKind::Timeout,
            AttemptFailure::Network(_) => ErrorKind::Unavailable,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            AttemptFailure::Status { retry_after, .. } => *retry_after,
            AttemptFailure::Timeout | AttemptFailure::Network(_) => None,
        }
    }

    fn from_response(response: &reqwest::Response) -> Self {
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        AttemptFailure::Status {
            code: response.status().as_u16(),
            retry_after,
        }
    }

    fn from_error(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            return AttemptFailure::Timeout;
        }
        // The URL may hold a secret (an ntfy topic, a token in a webhook path).
        AttemptFailure::Network(error_chain(&error.without_url()))
    }
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Status { code, .. } => write!(f, "HTTP {code}"),
            AttemptFailure::Timeout => f.write_str("timed out"),
            AttemptFailure::Network(reason) => write!(f, "network error: {reason}"),
        }
    }
}

/// The outcome of delivering on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub ok: bool,
    pub attempts: u32,
    /// The last failure, when the delivery did not succeed.
    pub error: Option<String>,
}

impl DeliveryReport {
    /// The request could not be built: nothing was sent.
    pub fn not_sent(error: &dyn std::error::Error) -> Self {
        Self {
            ok: false,
            attempts: 0,
            error: Some(error.to_string()),
        }
    }
}

/// Sends `request` to `peer` (the channel's kind) until a 2xx, a failure not worth retrying,
/// or the policy's last attempt.
pub async fn send_with_retries(
    peer: &'static str,
    http: &reqwest::Client,
    request: reqwest::Request,
    policy: &DeliveryPolicy,
) -> DeliveryReport {
    let mut backoff = policy
        .retry
        .backoff()
        .until(Instant::now() + policy.retry_window);
    loop {
        // Every channel builds its body in memory, so the clone always exists.
        let Some(this_attempt) = request.try_clone() else {
            return DeliveryReport::not_sent(&StreamedBody);
        };
        let attempts = backoff.start();
        let failure = match outbound::execute(peer, http, this_attempt).await {
            Ok(response) if response.status().is_success() => {
                return DeliveryReport {
                    ok: true,
                    attempts,
                    error: None,
                };
            }
            Ok(response) => AttemptFailure::from_response(&response),
            Err(error) => AttemptFailure::from_error(error),
        };
        let asked = failure
            .retry_after()
            .map(|wait| wait.min(policy.max_retry_after));
        let pause = if failure.kind().is_transient() {
            backoff.next_pause(asked)
        } else {
            None
        };
        tracing::debug!(attempt = attempts, error = %failure, will_retry = pause.is_some(), ?pause, "delivery attempt failed");
        let Some(pause) = pause else {
            return DeliveryReport {
                ok: false,
                attempts,
                error: Some(failure.to_string()),
            };
        };
        tokio::time::sleep(pause).await;
    }
}

#[derive(Debug, thiserror::Error)]
#[error("request body cannot be sent twice")]
struct StreamedBody;

/// `error` and its sources, joined: reqwest's own message alone hides the cause.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_server_errors_throttling_and_network_failures_only() {
        let status = |code| AttemptFailure::Status {
            code,
            retry_after: None,
        };
        for transient in [
            status(500),
            status(503),
            status(429),
            AttemptFailure::Timeout,
            AttemptFailure::Network("reset".to_owned()),
        ] {
            assert!(transient.kind().is_transient(), "{transient}");
        }
        for refused in [status(400), status(401), status(404)] {
            assert!(!refused.kind().is_transient(), "{refused}");
            assert!(!refused.kind().is_callers_fault(), "{refused}");
        }
    }
}

//! Sending one channel's request with retries: exponential backoff on 5xx, 429 (honouring
//! `Retry-After`, capped), timeouts and network errors; never on other 4xx.

use std::fmt;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;
use tokio::time::Instant;

/// How many times to try, and how long to wait in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each further one.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` obeyed; longer ones are cut to this.
    pub max_retry_after: Duration,
    /// No attempt starts later than this after the first, so that a delivery ends within
    /// its caller's deadline (this window plus one attempt's timeout).
    pub retry_window: Duration,
}

impl RetryPolicy {
    /// The wait after the `failed_attempts`-th failure (1-based): base × 2^(n-1), capped.
    pub fn backoff(&self, failed_attempts: u32) -> Duration {
        let doublings = failed_attempts.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }

    /// The wait before retrying after `failure`: what the server asked for, if it did.
    pub fn wait_after(&self, failure: &AttemptFailure, failed_attempts: u32) -> Duration {
        match failure {
            AttemptFailure::Status {
                retry_after: Some(asked),
                ..
            } => (*asked).min(self.max_retry_after),
            _ => self.backoff(failed_attempts),
        }
    }
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
    /// Whether another attempt may succeed: the server's fault or the network's, not ours.
    pub fn is_retryable(&self) -> bool {
        match self {
            AttemptFailure::Status { code, .. } => *code >= 500 || *code == 429,
            AttemptFailure::Timeout | AttemptFailure::Network(_) => true,
        }
    }

    fn from_response(response: &reqwest::Response) -> Self {
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, OffsetDateTime::now_utc()));
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

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    Some((date - now).try_into().unwrap_or(Duration::ZERO))
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

/// Sends `request` until a 2xx, a failure not worth retrying, or `policy.max_attempts`.
pub async fn send_with_retries(
    http: &reqwest::Client,
    request: reqwest::Request,
    policy: &RetryPolicy,
) -> DeliveryReport {
    let started = Instant::now();
    let max_attempts = policy.max_attempts.max(1);
    let mut attempts = 0;
    loop {
        // Every channel builds its body in memory, so the clone always exists.
        let Some(this_attempt) = request.try_clone() else {
            return DeliveryReport::not_sent(&StreamedBody);
        };
        attempts += 1;
        let failure = match http.execute(this_attempt).await {
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
        let wait = policy.wait_after(&failure, attempts);
        let will_retry = failure.is_retryable()
            && attempts < max_attempts
            && started.elapsed() + wait <= policy.retry_window;
        tracing::debug!(attempt = attempts, error = %failure, will_retry, ?wait, "delivery attempt failed");
        if !will_retry {
            return DeliveryReport {
                ok: false,
                attempts,
                error: Some(failure.to_string()),
            };
        }
        tokio::time::sleep(wait).await;
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

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(10),
            retry_window: Duration::from_secs(60),
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let waits: Vec<_> = (1..=5).map(|n| policy().backoff(n)).collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 3000, 3000].map(Duration::from_millis)
        );
    }

    #[test]
    fn retry_after_replaces_the_backoff_within_its_cap() {
        let asked = |seconds| AttemptFailure::Status {
            code: 429,
            retry_after: Some(Duration::from_secs(seconds)),
        };
        assert_eq!(policy().wait_after(&asked(2), 1), Duration::from_secs(2));
        assert_eq!(policy().wait_after(&asked(600), 1), Duration::from_secs(10));
    }

    #[test]
    fn retries_server_errors_throttling_and_network_failures_only() {
        let status = |code| AttemptFailure::Status {
            code,
            retry_after: None,
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(AttemptFailure::Timeout.is_retryable());
        assert!(AttemptFailure::Network("reset".to_owned()).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(!status(401).is_retryable());
        assert!(!status(404).is_retryable());
    }

    #[test]
    fn parses_retry_after_as_seconds_or_as_a_date() {
        let now = OffsetDateTime::from_unix_timestamp(784_111_777).unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}

//! slskd answers 429 while another search or enqueue POST is in flight; such calls are
//! retried as the `[slskd.busy_retry]` policy says.

use std::future::Future;

use soulspot_common::{RetryPolicy, Verdict};

use crate::slskd::SlskdError;

/// Runs `call` until slskd does not refuse it as busy, or the policy allows no more tries.
pub async fn retry_while_busy<T, F, Fut>(
    policy: &RetryPolicy,
    operation: &str,
    mut call: F,
) -> Result<T, SlskdError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SlskdError>>,
{
    policy
        .run(
            |_| call(),
            |error| match error {
                SlskdError::Busy { .. } => {
                    tracing::debug!(operation, "slskd busy, retrying");
                    metrics::counter!("soulseek_slskd_busy_retries_total", "operation" => operation.to_owned())
                        .increment(1);
                    Verdict::Retry
                }
                _ => Verdict::GiveUp,
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use tokio::time::Instant;

    use super::*;

    fn busy() -> SlskdError {
        SlskdError::Busy {
            operation: "search start",
        }
    }

    fn policy(base_ms: u64, retries: u32) -> RetryPolicy {
        RetryPolicy {
            base_ms,
            factor: 2,
            max_delay_ms: 60_000,
            max_attempts: retries + 1,
            jitter_percent: 0,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_with_doubling_backoff_until_not_busy() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let outcome = retry_while_busy(&policy(100, 5), "test", || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(busy())
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(outcome.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(started.elapsed(), Duration::from_millis(100 + 200 + 400));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_retries_and_never_retries_other_errors() {
        let calls = AtomicU32::new(0);
        let outcome: Result<(), _> = retry_while_busy(&policy(10, 2), "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(busy())
        })
        .await;
        assert!(matches!(outcome, Err(SlskdError::Busy { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let calls = AtomicU32::new(0);
        let outcome: Result<(), _> = retry_while_busy(&policy(10, 2), "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(SlskdError::Unauthorized { status: 401 })
        })
        .await;
        assert!(matches!(outcome, Err(SlskdError::Unauthorized { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}

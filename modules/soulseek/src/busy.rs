//! slskd answers 429 while another search or enqueue POST is in flight; such calls are
//! retried after a pause that doubles each time.

use std::future::Future;
use std::time::Duration;

use crate::slskd::SlskdError;

/// How long and how often to wait out a busy slskd.
#[derive(Debug, Clone, Copy)]
pub struct BusyRetry {
    pub first_backoff: Duration,
    pub retries: u32,
}

impl BusyRetry {
    /// Runs `call` until it is not refused as busy, or the retries are spent.
    pub async fn run<T, F, Fut>(&self, operation: &str, mut call: F) -> Result<T, SlskdError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SlskdError>>,
    {
        let mut backoff = self.first_backoff;
        let mut retries_left = self.retries;
        loop {
            match call().await {
                Err(SlskdError::Busy { .. }) if retries_left > 0 => {
                    tracing::debug!(operation, ?backoff, "slskd busy, retrying");
                    metrics::counter!("soulseek_slskd_busy_retries_total", "operation" => operation.to_owned())
                        .increment(1);
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                    retries_left -= 1;
                }
                outcome => return outcome,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use tokio::time::Instant;

    use super::*;

    fn busy() -> SlskdError {
        SlskdError::Busy {
            operation: "search start",
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_with_doubling_backoff_until_not_busy() {
        let calls = AtomicU32::new(0);
        let retry = BusyRetry {
            first_backoff: Duration::from_millis(100),
            retries: 5,
        };
        let started = Instant::now();
        let outcome = retry
            .run("test", || async {
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
        let retry = BusyRetry {
            first_backoff: Duration::from_millis(10),
            retries: 2,
        };
        let calls = AtomicU32::new(0);
        let outcome: Result<(), _> = retry
            .run("test", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(busy())
            })
            .await;
        assert!(matches!(outcome, Err(SlskdError::Busy { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let calls = AtomicU32::new(0);
        let outcome: Result<(), _> = retry
            .run("test", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(SlskdError::Unauthorized { status: 401 })
            })
            .await;
        assert!(matches!(outcome, Err(SlskdError::Unauthorized { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}

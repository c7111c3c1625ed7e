//! Watching one enqueued transfer until slskd reports it finished, reporting progress and
//! cancelling it when it stalls, runs too slow or passes its deadline.

use tokio::time::Instant;

use crate::errors::AttemptError;
use crate::events::DownloadEvents;
use crate::pace::{Breach, PaceLimits, PaceWatch};
use crate::progress::{ProgressThrottle, StallDetector, percent};
use crate::settings::DownloadSettings;
use crate::slskd::{SlskdClient, SlskdError, Transfer, TransferState};

/// Polls a transfer with the download settings' interval and limits.
#[derive(Debug)]
pub struct TransferWatch<'a> {
    pub client: &'a SlskdClient,
    pub settings: &'a DownloadSettings,
}

/// A transfer slskd reports succeeded, and the speed it was observed to reach.
#[derive(Debug, Clone)]
pub struct Finished {
    pub transfer: Transfer,
    pub bytes_per_sec: u64,
}

impl TransferWatch<'_> {
    /// The transfer once it succeeded, or why it did not.
    pub async fn until_finished<P: soulspot_bus::EventPublisher>(
        &self,
        enqueued: &Transfer,
        events: &DownloadEvents<'_, P>,
    ) -> Result<Finished, AttemptError> {
        let username = enqueued.username.as_str();
        let enqueued_at = Instant::now();
        let mut stall = StallDetector::new(self.settings.stall_timeout(), enqueued_at);
        let mut pace = PaceWatch::new(PaceLimits::from(self.settings), enqueued_at);
        let mut sending_since = None;
        let mut throttle = ProgressThrottle::new(
            self.settings.progress_interval(),
            self.settings.progress_step_percent,
        );
        loop {
            tokio::time::sleep(self.settings.poll_interval()).await;
            let now = Instant::now();
            let transfer = match self.client.transfer(username, enqueued.id).await {
                Ok(transfer) => transfer,
                Err(SlskdError::NotFound { .. }) => return Err(AttemptError::Vanished),
                Err(error) if error.kind().is_transient() => {
                    tracing::warn!(transfer_id = %enqueued.id, %error, "transfer status unavailable");
                    if let Some(breach) = pace.deadline_breach(now) {
                        return Err(self.cancel(enqueued, self.breach_error(breach)).await);
                    }
                    if stall.has_stalled(now) {
                        return Err(self.cancel(enqueued, self.stalled()).await);
                    }
                    continue;
                }
                Err(error) => return Err(AttemptError::Watch(error)),
            };
            let state = TransferState::parse(&transfer.state);
            let sending = transfer.bytes_transferred > 0 || transfer.state.contains("InProgress");
            if sending {
                sending_since.get_or_insert(now);
            }
            match state {
                TransferState::Succeeded => {
                    let elapsed = now.duration_since(sending_since.unwrap_or(enqueued_at));
                    let bytes_per_sec =
                        (transfer.size as f64 / elapsed.as_secs_f64().max(1e-3)) as u64;
                    return Ok(Finished {
                        transfer,
                        bytes_per_sec,
                    });
                }
                TransferState::Failed { reason } => {
                    return Err(AttemptError::TransferFailed {
                        state: reason,
                        exception: transfer.exception,
                    });
                }
                TransferState::Pending => {}
            }
            let done = percent(transfer.bytes_transferred, transfer.size);
            if transfer.bytes_transferred > 0 && throttle.should_publish(now, done) {
                events
                    .progress(transfer.bytes_transferred, transfer.size, done)
                    .await;
            }
            if let Some(breach) = pace.observe(now, transfer.bytes_transferred, sending) {
                return Err(self.cancel(enqueued, self.breach_error(breach)).await);
            }
            if stall.observe(now, &transfer) {
                return Err(self.cancel(enqueued, self.stalled()).await);
            }
        }
    }

    fn stalled(&self) -> AttemptError {
        AttemptError::Stalled {
            after: self.settings.stall_timeout(),
        }
    }

    fn breach_error(&self, breach: Breach) -> AttemptError {
        match breach {
            Breach::Deadline { after } => AttemptError::DeadlineExceeded { after },
            Breach::TooSlow {
                bytes_per_sec,
                window,
            } => AttemptError::TooSlow {
                bytes_per_sec,
                window,
                minimum: self.settings.min_speed_bytes_per_sec,
            },
        }
    }

    /// Cancels the transfer in slskd (and removes it), so the peer holds nothing of ours.
    async fn cancel(&self, transfer: &Transfer, why: AttemptError) -> AttemptError {
        tracing::warn!(transfer_id = %transfer.id, username = %transfer.username, reason = %why, "cancelling transfer");
        if let Err(error) = self
            .client
            .cancel_transfer(&transfer.username, transfer.id)
            .await
        {
            tracing::warn!(transfer_id = %transfer.id, %error, "transfer not cancelled");
        }
        why
    }
}

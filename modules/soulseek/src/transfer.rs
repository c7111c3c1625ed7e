//! Watching one enqueued transfer until slskd reports it finished, reporting progress and
//! cancelling it when it stalls.

use tokio::time::Instant;

use crate::errors::AttemptError;
use crate::events::DownloadEvents;
use crate::progress::{ProgressThrottle, StallDetector, percent};
use crate::settings::DownloadSettings;
use crate::slskd::{SlskdClient, SlskdError, Transfer, TransferState};

/// Polls a transfer with the download settings' interval and limits.
#[derive(Debug)]
pub struct TransferWatch<'a> {
    pub client: &'a SlskdClient,
    pub settings: &'a DownloadSettings,
}

impl TransferWatch<'_> {
    /// The transfer once it succeeded, or why it did not.
    pub async fn until_finished<P: soulspot_bus::EventPublisher>(
        &self,
        enqueued: &Transfer,
        events: &DownloadEvents<'_, P>,
    ) -> Result<Transfer, AttemptError> {
        let username = enqueued.username.as_str();
        let mut stall = StallDetector::new(self.settings.stall_timeout(), Instant::now());
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
                    if stall.has_stalled(now) {
                        return Err(self.cancel_stalled(enqueued).await);
                    }
                    continue;
                }
                Err(error) => return Err(AttemptError::Watch(error)),
            };
            match TransferState::parse(&transfer.state) {
                TransferState::Succeeded => return Ok(transfer),
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
            if stall.observe(now, &transfer) {
                return Err(self.cancel_stalled(enqueued).await);
            }
        }
    }

    async fn cancel_stalled(&self, transfer: &Transfer) -> AttemptError {
        let after = self.settings.stall_timeout();
        tracing::warn!(transfer_id = %transfer.id, username = %transfer.username, ?after, "transfer stalled, cancelling");
        if let Err(error) = self
            .client
            .cancel_transfer(&transfer.username, transfer.id)
            .await
        {
            tracing::warn!(transfer_id = %transfer.id, %error, "stalled transfer not cancelled");
        }
        AttemptError::Stalled { after }
    }
}

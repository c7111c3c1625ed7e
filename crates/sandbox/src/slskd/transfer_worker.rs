//! Moves one download through slskd's states on a timer and writes the finished file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

use super::SlskdState;
use super::transfer_store::TransferRecord;
use crate::audio::AudioRequest;
use crate::faults::TransferFault;

/// Everything the worker needs to play one download out.
#[derive(Debug)]
pub(super) struct TransferPlan {
    pub id: Uuid,
    /// Audio to write, or `None` when the peer does not share the file.
    pub audio: Option<AudioRequest>,
    pub locked: bool,
    pub fault: Option<TransferFault>,
    pub attempt: u32,
    pub queue_length: u32,
    pub size: u64,
    pub destination: PathBuf,
}

/// Where a transfer stops early, if it does.
#[derive(Debug, Clone, Copy)]
enum Interruption {
    /// Drop the connection after half the bytes.
    Error,
    /// Stop making progress after a third of the bytes.
    Stall,
    /// Creep on by `TRICKLE_BYTES` every `TRICKLE_INTERVAL` and never finish.
    Trickle,
}

/// A trickling peer's pace: a few bytes at a time, forever changing, never done.
const TRICKLE_BYTES: u64 = 16;
const TRICKLE_INTERVAL: Duration = Duration::from_millis(100);

/// Drives the transfer until it completes, fails, or is cancelled.
pub(super) async fn run(state: Arc<SlskdState>, plan: TransferPlan, cancel: watch::Receiver<bool>) {
    let mut worker = Worker {
        state,
        cancel,
        id: plan.id,
    };
    worker.play(plan).await;
}

struct Worker {
    state: Arc<SlskdState>,
    cancel: watch::Receiver<bool>,
    id: Uuid,
}

impl Worker {
    async fn play(&mut self, plan: TransferPlan) {
        let timing = self.state.shared.config.timing;
        if !self.pause(timing.transfer_request_delay).await {
            return;
        }
        let refusal = match (&plan.audio, plan.locked, plan.fault) {
            (None, _, _) | (_, true, _) => Some("File not shared."),
            (_, _, Some(TransferFault::Rejected)) => Some("Too many files"),
            _ => None,
        };
        if let Some(reason) = refusal {
            self.finish(
                "Completed, Rejected",
                Some(format!("Transfer rejected: {reason}")),
            );
            return;
        }
        if !self
            .wait_in_remote_queue(plan.queue_length, timing.queue_step)
            .await
        {
            return;
        }
        if plan.fault == Some(TransferFault::TimedOut) {
            if self.pause(timing.transfer_request_delay).await {
                self.finish("Completed, TimedOut", Some("Transfer timed out".to_owned()));
            }
            return;
        }
        let interruption = match plan.fault {
            Some(TransferFault::Errored) => Some(Interruption::Error),
            Some(TransferFault::FailOnce) if plan.attempt == 1 => Some(Interruption::Error),
            Some(TransferFault::Stalled) => Some(Interruption::Stall),
            Some(TransferFault::Trickle) => Some(Interruption::Trickle),
            _ => None,
        };
        self.update(|record| {
            record.state = "InProgress";
            record.started_at = Some(OffsetDateTime::now_utc());
        });
        if !self.send_bytes(plan.size, interruption).await {
            return;
        }
        self.complete(&plan).await;
    }

    async fn wait_in_remote_queue(&mut self, queue_length: u32, step: Duration) -> bool {
        self.update(|record| {
            record.state = "Queued, Remotely";
            record.enqueued_at = Some(OffsetDateTime::now_utc());
            record.place_in_queue = Some(queue_length);
        });
        for place in (0..queue_length).rev() {
            if !self.pause(step).await || !self.update(|record| record.place_in_queue = Some(place))
            {
                return false;
            }
        }
        self.update(|record| {
            record.state = "Initializing";
            record.place_in_queue = None;
        })
    }

    /// Progress updates; `false` when the transfer ended early.
    async fn send_bytes(&mut self, size: u64, interruption: Option<Interruption>) -> bool {
        if let Some(Interruption::Trickle) = interruption {
            self.trickle(size).await;
            return false;
        }
        let timing = self.state.shared.config.timing;
        let steps = timing.progress_steps.max(1);
        let step_duration = timing.transfer_duration / steps;
        for step in 1..=u64::from(steps) {
            if !self.pause(step_duration).await {
                return false;
            }
            let bytes = size * step / u64::from(steps);
            match interruption {
                Some(Interruption::Error) if bytes >= size / 2 => {
                    self.update(|record| record.bytes_transferred = size / 2);
                    self.finish(
                        "Completed, Errored",
                        Some("Remote connection closed".to_owned()),
                    );
                    return false;
                }
                Some(Interruption::Stall) if bytes >= size / 3 => {
                    self.update(|record| record.bytes_transferred = size / 3);
                    tracing::info!(transfer_id = %self.id, "transfer stalled");
                    self.pause(Duration::MAX).await;
                    return false;
                }
                _ => {}
            }
            if !self.update(|record| record.bytes_transferred = bytes) {
                return false;
            }
        }
        true
    }

    /// Sends a few bytes at a time until cancelled, never the last one.
    async fn trickle(&mut self, size: u64) {
        tracing::info!(transfer_id = %self.id, "transfer trickling");
        let mut sent = 0;
        while self.pause(TRICKLE_INTERVAL).await {
            sent = (sent + TRICKLE_BYTES).min(size.saturating_sub(1));
            if !self.update(|record| record.bytes_transferred = sent) {
                return;
            }
        }
    }

    async fn complete(&mut self, plan: &TransferPlan) {
        let Some(audio) = &plan.audio else {
            return;
        };
        let bytes = self.state.shared.audio.render(audio);
        match write_download(&self.state, plan, &bytes).await {
            Ok(path) => {
                tracing::info!(transfer_id = %self.id, path = %path.display(), "download written");
                self.update(|record| record.bytes_transferred = record.size);
                self.finish("Completed, Succeeded", None);
            }
            Err(error) => {
                tracing::warn!(transfer_id = %self.id, %error, "download could not be written");
                self.finish("Completed, Errored", Some(error.to_string()));
            }
        }
    }

    /// Sleeps, then waits while the faults hold transfers; `false` when cancelled, removed,
    /// or the sandbox stops.
    async fn pause(&mut self, duration: Duration) -> bool {
        let mut shutdown = self.state.shared.shutdown.clone();
        let faults = Arc::clone(&self.state.shared.faults);
        let sleep = async {
            if duration == Duration::MAX {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(duration).await;
            faults.transfers_released().await;
        };
        tokio::select! {
            () = sleep => true,
            _ = self.cancel.wait_for(|cancelled| *cancelled) => false,
            _ = shutdown.wait_for(|stop| *stop) => false,
        }
    }

    fn update(&self, change: impl FnOnce(&mut TransferRecord)) -> bool {
        self.state.transfers().update(self.id, |record| {
            if !record.is_complete() {
                change(record);
            }
        })
    }

    fn finish(&self, state: &'static str, exception: Option<String>) {
        tracing::info!(transfer_id = %self.id, state, "transfer finished");
        self.update(|record| record.finish(state, exception));
    }
}

/// Writes to `<downloads>/.incomplete/<id>` first, then renames into place, so a
/// finished-looking file is always whole.
async fn write_download(
    state: &SlskdState,
    plan: &TransferPlan,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    let incomplete_dir = state.shared.config.downloads_dir.join(".incomplete");
    tokio::fs::create_dir_all(&incomplete_dir).await?;
    let partial = incomplete_dir.join(plan.id.to_string());
    tokio::fs::write(&partial, bytes).await?;
    if let Some(parent) = plan.destination.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    let destination = super::paths::unused(plan.destination.clone());
    tokio::fs::rename(&partial, &destination).await?;
    Ok(destination)
}

//! Follows `download.completed` and `download.failed` and records each outcome under its job
//! id, where the job's worker (on whichever router instance) is watching for it.

use soulspot_bus::{
    EventBus, EventStoreError, HandlerError, ReceivedEvent, SubscribeOptions, Subscription,
};
use soulspot_contracts::payloads::{DownloadCompleted, DownloadFailed, EventPayload};

use super::store::{DownloadOutcome, JobStore};

const CONSUMER: &str = "router";

pub(super) async fn follow_downloads(
    events: &EventBus,
    store: JobStore,
) -> Result<(Subscription, Subscription), EventStoreError> {
    let completed_store = store.clone();
    let completed = events
        .subscribe(
            SubscribeOptions::new(CONSUMER, DownloadCompleted::EVENT_TYPE),
            move |event| {
                let store = completed_store.clone();
                async move { record(&store, event).await }
            },
        )
        .await?;
    let failed = events
        .subscribe(
            SubscribeOptions::new(CONSUMER, DownloadFailed::EVENT_TYPE),
            move |event| {
                let store = store.clone();
                async move { record(&store, event).await }
            },
        )
        .await?;
    Ok((completed, failed))
}

/// The job an outcome belongs to (its `job_id`, else the event's correlation id) and the
/// outcome itself.
fn outcome(event: &ReceivedEvent) -> Result<(Option<String>, DownloadOutcome), HandlerError> {
    let envelope = &event.envelope;
    let correlated = || envelope.correlation_id.clone();
    if envelope.event_type == DownloadCompleted::EVENT_TYPE {
        let completed: DownloadCompleted = envelope.payload().map_err(HandlerError::new)?;
        let outcome = DownloadOutcome::Completed {
            download_id: completed.download_id,
            file: completed.file,
        };
        return Ok((completed.job_id.or_else(correlated), outcome));
    }
    let failed: DownloadFailed = envelope.payload().map_err(HandlerError::new)?;
    let outcome = DownloadOutcome::Failed {
        download_id: failed.download_id,
        error: failed.error,
        can_retry: failed.can_retry,
    };
    Ok((failed.job_id.or_else(correlated), outcome))
}

async fn record(store: &JobStore, event: ReceivedEvent) -> Result<(), HandlerError> {
    let (job_id, outcome) = outcome(&event)?;
    let Some(job_id) = job_id else {
        tracing::debug!(event_id = %event.envelope.event_id, "download event without a job, ignored");
        return Ok(());
    };
    store
        .record_download(&job_id, &outcome)
        .await
        .map_err(HandlerError::new)?;
    tracing::info!(job_id = %job_id, event_type = %event.envelope.event_type, "download outcome recorded");
    Ok(())
}

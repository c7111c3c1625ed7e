//! Follows `download.completed` and `download.failed` and records each outcome under its job
//! id, where the job's worker (on whichever router instance) is watching for it.

use soulspot_bus::{
    EventBus, EventStoreError, HandlerError, ReceivedEvent, SubscribeOptions, Subscription,
};
use soulspot_contracts::FileRef;

use super::store::{DownloadOutcome, JobStore};

const CONSUMER: &str = "router";

pub(super) async fn follow_downloads(
    events: &EventBus,
    store: JobStore,
) -> Result<(Subscription, Subscription), EventStoreError> {
    let completed_store = store.clone();
    let completed = events
        .subscribe(
            SubscribeOptions::new(CONSUMER, "download.completed"),
            move |event| {
                let store = completed_store.clone();
                async move { record(&store, event).await }
            },
        )
        .await?;
    let failed = events
        .subscribe(
            SubscribeOptions::new(CONSUMER, "download.failed"),
            move |event| {
                let store = store.clone();
                async move { record(&store, event).await }
            },
        )
        .await?;
    Ok((completed, failed))
}

async fn record(store: &JobStore, event: ReceivedEvent) -> Result<(), HandlerError> {
    let data = &event.envelope.data;
    let job_id = data["job_id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| event.envelope.correlation_id.clone());
    let Some(job_id) = job_id else {
        tracing::debug!(event_id = %event.envelope.event_id, "download event without a job, ignored");
        return Ok(());
    };
    let download_id = data["download_id"].as_str().unwrap_or_default().to_owned();
    let outcome = if event.envelope.event_type == "download.completed" {
        let file: FileRef = serde_json::from_value(data["file"].clone())?;
        DownloadOutcome::Completed { download_id, file }
    } else {
        DownloadOutcome::Failed {
            download_id,
            error: data["error"]
                .as_str()
                .unwrap_or("download failed")
                .to_owned(),
            can_retry: data["can_retry"].as_bool().unwrap_or(false),
            attempts: data["attempts"].as_u64().unwrap_or(0) as u32,
        }
    };
    store
        .record_download(&job_id, &outcome)
        .await
        .map_err(HandlerError::new)?;
    tracing::info!(job_id = %job_id, event_type = %event.envelope.event_type, "download outcome recorded");
    Ok(())
}
